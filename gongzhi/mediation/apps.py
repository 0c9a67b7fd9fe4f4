from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "gongzhi.mediation"
    label = "mediation"
    verbose_name = _("调解")

    def ready(self) -> None:
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep(
                "mediation",
                "gongzhi.mediation.services.remind_due",
                "0 8 * * *",
                "调解：受理、调结、回访时限提醒",
            )
        )
        from gongzhi.core.rules import register
        from gongzhi.mediation import rules

        register(rules.RULES, listings=rules.LISTINGS)
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("mediation:index", _("调解"), "dispute.view", order=72))
