"""Pseudonymise residents who moved out more than GONGZHI_RESIDENT_RETENTION_YEARS years ago
(registry.retention). Safe to run every night: a row is pseudonymised once."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gongzhi.registry import retention


class Command(BaseCommand):
    help = "对迁出满保存期限的居民去标识化（姓名、证件号码、电话、标签）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按这一天计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="只数出到期的居民，不修改")

    def handle(self, *args, today: str | None, batch: int, dry_run: bool, **options):
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{today}") from exc
        result = retention.apply_retention(today=day, batch=batch, dry_run=dry_run)
        years = retention.retention_years()
        if dry_run:
            self.stdout.write(f"迁出满 {years} 年待去标识化：{result.pseudonymised} 人（未修改）")
            return
        self.stdout.write(
            f"迁出满 {years} 年已去标识化：{result.pseudonymised} 人，"
            f"删除标签 {result.tags_dropped} 条，清除变更记录 {result.changes_cleared} 条"
        )
