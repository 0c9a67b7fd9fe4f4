from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    label = "cases"
    verbose_name = _("工单")

    def ready(self) -> None:
        from gongzhi.cases import rules
        from gongzhi.core.rules import register

        register(rules.RULES, listings=rules.LISTINGS)
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep(
                "cases-pending-photos",
                "gongzhi.cases.pending.purge",
                "40 * * * *",
                "公众反映：删除超过一天未提交的暂存照片",
            )
        )
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(
            MenuItem("cases:queue", _("工作台"), "case.list", order=10),
            MenuItem("cases:new", _("登记"), "case.create", order=20),
            MenuItem("cases:onsite", _("现场即办"), "case.onsite", order=25),
            MenuItem("cases:onsite_sample", _("现场抽查"), "case.onsite_check", order=26),
            MenuItem("map:map", _("地图"), "map.view", order=30),
            MenuItem("cases:dashboard", _("统计"), "dashboard.view", order=60),
            MenuItem("cases:outbox", _("短信"), "outbox.view", order=80),
        )
