"""`gongzhi deactivate_stale_accounts [--days 90] [--dry-run]`: disables the staff accounts not
used for 90 days (等保 8.1.4.2 c, A6), each audited. The nightly sweep does the same outside
demo mode."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gongzhi.accounts import services


class Command(BaseCommand):
    help = "停用超过 90 天未登录（也未使用 API 令牌）的账号，逐个记入审计记录。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="未使用的天数（默认 90）")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不停用")

    def handle(self, *args, days: int | None, dry_run: bool, **options) -> None:
        if days is not None and days < 1:
            from django.core.management.base import CommandError

            raise CommandError("--days 必须是正整数。")
        if dry_run:
            names = list(services.stale_accounts(days=days).values_list("username", flat=True))
            verb = "将停用"
        else:
            names = services.deactivate_stale_accounts(days=days)
            verb = "已停用"
        for name in names:
            self.stdout.write(name)
        self.stdout.write(f"{verb} {len(names)} 个账号。")
