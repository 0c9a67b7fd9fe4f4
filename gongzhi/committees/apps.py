from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "gongzhi.committees"
    label = "committees"
    verbose_name = _("业委会")

    def ready(self) -> None:
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep("committees", "gongzhi.committees.sweep.remind", "30 7 * * *", "业委会：法定时限提醒")
        )
        from gongzhi.committees import rules
        from gongzhi.core.rules import register

        register(rules.RULES, listings=rules.LISTINGS)
        from gongzhi.accounts.notices import register_kind

        register_kind("committees.deadline", _("业委会事项到期提醒"))
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("committees:index", _("业委会"), "committee.view", order=70))
