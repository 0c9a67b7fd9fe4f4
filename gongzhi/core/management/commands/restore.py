"""`gongzhi restore FILE`: load a backup into an empty database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import backup
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "从备份文件恢复数据库。目标数据库必须是空的（没有任何表），否则需加 --force。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="gongzhi backup 生成的备份文件")
        parser.add_argument("--force", action="store_true", help="目标数据库不为空时仍然恢复（覆盖）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            backup.restore(options["file"], force=options["force"], alias=options["database"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已从 {options['file']} 恢复。")
