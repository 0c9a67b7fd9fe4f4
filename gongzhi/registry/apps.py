from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "gongzhi.registry"
    label = "registry"
    verbose_name = _("基础数据")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.registry import checks, rules  # noqa: F401  (checks registers the key checks)

        register(rules.RULES, listings=rules.LISTINGS)
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("registry:index", _("基础数据"), "resident.view", order=40))
