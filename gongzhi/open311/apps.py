from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "gongzhi.open311"
    label = "open311"
    verbose_name = _("Open311 接口")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu
        from gongzhi.core.rules import register
        from gongzhi.open311 import rules

        register(rules.RULES)
        register_menu(MenuItem("open311:keys", _("接口密钥"), "apikey.manage", order=20, section="user"))
