from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "gongzhi.insight"
    label = "insight"
    verbose_name = _("研判督办")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.insight import rules

        register(rules.RULES, listings=rules.LISTINGS)
