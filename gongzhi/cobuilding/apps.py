from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CobuildingConfig(AppConfig):
    name = "gongzhi.cobuilding"
    label = "cobuilding"
    verbose_name = _("共建")

    def ready(self) -> None:
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep(
                "cobuilding-places",
                "gongzhi.cobuilding.services.places.sweep_rechecks",
                "15 7 * * *",
                "服务地图：到期复核",
            ),
            Sweep(
                "cobuilding-needs",
                "gongzhi.cobuilding.services.lists.expire_needs",
                "20 0 * * *",
                "共建需求：过期",
            ),
        )
        from gongzhi.accounts.notices import register_kind
        from gongzhi.cobuilding import rules
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu
        from gongzhi.core.rules import register

        register(rules.RULES, listings=rules.LISTINGS)
        register_menu(MenuItem("cobuilding:index", _("共建"), "cobuilding.view", order=60))
        register_kind("cobuilding.place_check", _("服务点复核"))
        register_kind("cobuilding.need", _("共建需求"))
