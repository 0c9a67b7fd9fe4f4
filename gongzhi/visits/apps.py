from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "gongzhi.visits"
    label = "visits"
    verbose_name = _("走访")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.visits import rules

        register(rules.RULES, listings=rules.LISTINGS)
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("visits:index", _("走访"), "visit.view", order=50))
