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
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep(
                "registry-retention",
                "gongzhi.registry.retention.nightly",
                "50 2 * * *",
                "基础数据：迁出满保存期限的居民去标识化",
            )
        )
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("registry:index", _("基础数据"), "resident.view", order=40))
