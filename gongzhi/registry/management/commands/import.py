"""gongzhi import KIND FILE [--dry-run] [--user NAME] · gongzhi import KIND --template FILE"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.models import User
from gongzhi.registry import importing


class Command(BaseCommand):
    help = "导入实有人口、实有房屋或单位（.xlsx/.csv，平台模板），或写出模板。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=importing.KINDS)
        parser.add_argument("file", nargs="?", help=".xlsx 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--template", metavar="FILE", help="写出该类型的导入模板（.xlsx 或 .csv）")
        parser.add_argument("--user", help="以该工作人员身份导入（检查其管辖范围）；不填则为系统导入")

    def handle(
        self,
        *args,
        kind: str,
        file: str | None,
        dry_run: bool,
        template: str | None,
        user: str | None,
        **options,
    ):
        if template:
            importing.write_template(kind, template)
            self.stdout.write(f"模板已写出：{template}")
            return
        if not file:
            raise CommandError("请给出要导入的文件，或用 --template FILE 写出模板。")
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"没有工作人员 {user}")
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        report = importing.import_file(kind, file, actor, dry_run=dry_run, progress=progress)
        for line in report.lines():
            self.stderr.write(line)
        self.stdout.write(report.summary())
        if not report.ok:
            sys.exit(1)
