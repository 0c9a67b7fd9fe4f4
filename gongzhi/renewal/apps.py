from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalConfig(AppConfig):
    name = "gongzhi.renewal"
    label = "renewal"
    verbose_name = _("更新改造")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.renewal import rules

        register(rules.RULES, listings=rules.LISTINGS)
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("renewal:index", _("旧改签约"), "renewal.view", order=72))
