from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "gongzhi.care"
    label = "care"
    verbose_name = _("关爱")

    def ready(self) -> None:
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep("care", "gongzhi.care.sweep.sweep", "*/15 * * * *", "关爱：到期联系、未联系预警、积分过期")
        )
        from gongzhi.accounts.notices import register_kind
        from gongzhi.care import rules
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu
        from gongzhi.core.rules import register

        register(rules.RULES, listings=rules.LISTINGS)
        register_menu(MenuItem("care:index", _("关爱"), "care.view", order=55))
        register_kind("care.alert", _("关爱预警"))
