from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CobuildingConfig(AppConfig):
    name = "gongzhi.cobuilding"
    label = "cobuilding"
    verbose_name = _("共建")

    def ready(self) -> None:
        from gongzhi.cobuilding import rules
        from gongzhi.core.rules import register

        register(rules.RULES, listings=rules.LISTINGS)
