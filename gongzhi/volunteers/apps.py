from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "gongzhi.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu
        from gongzhi.core.rules import register
        from gongzhi.volunteers import rules

        register(rules.RULES, listings=rules.LISTINGS)
        register_menu(MenuItem("volunteers:index", _("志愿+"), "volunteer.view", order=56))
        from gongzhi.accounts.notices import register_kind

        register_kind("volunteers.party_summary", _("在职党员年度服务汇总"))
