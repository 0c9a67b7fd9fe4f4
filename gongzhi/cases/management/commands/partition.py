"""`gongzhi partition status|enable|ensure|detach`: monthly partitions of the case tables on
PostgreSQL (see gongzhi/cases/partitioning.py and docs/scale.md)."""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from gongzhi.cases import partitioning
from gongzhi.core.errors import DomainError


def _month(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(f"月份格式应为 YYYY-MM，例如 2024-01：{value}")
    return int(match.group(1)), int(match.group(2))


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024:
            return f"{n:,.0f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"


class Command(BaseCommand):
    help = "按月分区工单相关的表（仅 PostgreSQL）：status 查看，enable 转换，ensure 建未来月份，detach 分离旧月份。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="哪些表已分区、各分区的行数和大小")
        enable = sub.add_parser("enable", help="把表转换为按月分区（一个事务，失败则不变）")
        enable.add_argument(
            "--tables", default="events", help=f"逗号分隔：{','.join(partitioning.TABLES)}（默认 events）"
        )
        enable.add_argument("--months-ahead", type=int, default=3)
        ensure = sub.add_parser("ensure", help="建好本月到未来 N 个月的分区（可重复运行）")
        ensure.add_argument("--months-ahead", type=int, default=3)
        detach = sub.add_parser("detach", help="分离（不删除）某月之前的分区")
        detach.add_argument("--before", required=True, help="YYYY-MM：分离早于这个月的分区")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        using = options["database"]
        try:
            getattr(self, "_" + options["action"])(options, using)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _status(self, options, using):
        for table in partitioning.status(using=using):
            state = "按月分区" if table.partitioned else "未分区"
            self.stdout.write(f"{table.table}: {state}，约 {table.rows:,} 行，{_size(table.bytes)}")
            for part in table.partitions:
                self.stdout.write(f"  {part.name}  {part.bound}  约 {part.rows:,} 行  {_size(part.bytes)}")
            default = [p for p in table.partitions if p.name.endswith("_default")]
            if default and default[0].rows:
                self.stdout.write(
                    f"  注意：默认分区里有 {default[0].rows:,} 行，说明缺少对应月份的分区（运行 ensure）。"
                )

    def _enable(self, options, using):
        tables = [t.strip() for t in options["tables"].split(",") if t.strip()]
        for done in partitioning.enable(tables, months_ahead=options["months_ahead"], using=using):
            self.stdout.write(
                f"{done.table}: 已转换为按月分区，{done.rows:,} 行，{len(done.partitions)} 个分区"
                f"（{done.partitions[0]} … {done.partitions[-1]}），用时 {done.seconds:,.1f} 秒"
            )
            for fk in done.dropped_foreign_keys:
                self.stdout.write(f"  已删除指向它的外键约束 {fk}（完整性由服务层在同一事务中保证）")

    def _ensure(self, options, using):
        created = partitioning.ensure(months_ahead=options["months_ahead"], using=using)
        if not partitioning.partitioned_tables(using=using):
            self.stdout.write("没有已分区的表，无需操作。")
        elif created:
            self.stdout.write("已创建分区：" + "、".join(created))
        else:
            self.stdout.write("分区已齐全，无需创建。")

    def _detach(self, options, using):
        detached = partitioning.detach(before=_month(options["before"]), using=using)
        if not detached:
            self.stdout.write("没有早于该月的分区。")
        for name, rows in detached:
            self.stdout.write(
                f"已分离 {name}（{rows:,} 行）：它仍是数据库中的普通表，可用 pg_dump -t {name} 归档后 DROP。"
            )
