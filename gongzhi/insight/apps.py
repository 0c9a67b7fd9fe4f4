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

        register_menu(
            MenuItem("insight:reports", _("网格例会"), "weeklyreport.view", order=80),
            MenuItem("insight:index", _("互动指数"), "interactionindex.view", order=81),
            MenuItem("insight:alerts", _("智慧监督"), "alert.view", order=82),
            MenuItem("insight:cockpit", _("驾驶舱"), "cockpit.view", order=83),
        )
