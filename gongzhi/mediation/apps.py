from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "gongzhi.mediation"
    label = "mediation"
    verbose_name = _("调解")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.mediation import rules

        register(rules.RULES, listings=rules.LISTINGS)
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("mediation:index", _("调解"), "dispute.view", order=72))
