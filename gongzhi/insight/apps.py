from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "gongzhi.insight"
    label = "insight"
    verbose_name = _("研判督办")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.insight import providers, rules

        register(rules.RULES, listings=rules.LISTINGS)
        providers.load()

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("insight:reports", _("研判督办"), "weeklyreport.view", order=80))
