from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    label = "accounts"
    verbose_name = _("人员与权限")

    def ready(self) -> None:
        from gongzhi.accounts import checks, rules, signals  # noqa: F401 - checks register themselves
        from gongzhi.core.rules import register

        register(rules.RULES)
        signals.connect()
        from gongzhi.core.sweeps import Sweep
        from gongzhi.core.sweeps import register as register_sweep

        register_sweep(
            Sweep(
                "accounts-stale",
                "gongzhi.accounts.services.sweep_stale_accounts",
                "20 2 * * *",
                "账号：停用 90 天未使用的账号",
            )
        )
        from gongzhi.accounts.audit import record_signal
        from gongzhi.core.events import administrative_change

        administrative_change.connect(record_signal, dispatch_uid="accounts.audit")
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(
            MenuItem("core:calendar", _("工作日历"), "calendar.manage", order=10, section="user"),
            MenuItem("accounts:staff_roles", _("账号与角色"), "role.view", order=80, section="user"),
            MenuItem("accounts:audit_log", _("审计记录"), "audit.view", order=90),
        )
