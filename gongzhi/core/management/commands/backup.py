"""`gongzhi backup [FILE]`: a consistent backup of the database while the site runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import backup
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "备份数据库（SQLite 在线备份；PostgreSQL 使用 pg_dump -Fc）。不含上传的附件文件。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="备份文件路径（默认 var/backups/gongzhi-时间.*）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            path = backup.backup(options["file"], alias=options["database"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已备份到 {path}（{path.stat().st_size:,} 字节）")
