from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "gongzhi.territory"
    label = "territory"
    verbose_name = _("辖区")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.territory import rules

        register(rules.RULES)
