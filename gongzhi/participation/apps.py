from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "gongzhi.participation"
    label = "participation"
    verbose_name = _("居民议事")

    def ready(self) -> None:
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep(
                "participation",
                "gongzhi.participation.services.lists.sweep_overdue",
                "0 * * * *",
                "议事清单：逾期提醒与升级",
            )
        )
        from gongzhi.accounts.notices import register_kind
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu
        from gongzhi.core.rules import register
        from gongzhi.participation import rules

        register(rules.RULES, listings=rules.LISTINGS)
        register_menu(MenuItem("participation:index", _("议事"), "participation.view", order=55))
        register_kind("participation.suggestion", _("人民建议"))
        register_kind("participation.task", _("清单任务"))
        register_kind("participation.task_overdue", _("清单任务超期"))
