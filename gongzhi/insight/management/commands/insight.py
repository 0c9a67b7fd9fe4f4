"""`gongzhi insight …`: the Monday job, the monthly index and its check, the supervision scan.

gongzhi insight weekly [--week 2026-06-01] [--area CODE]     draft every grid's report
gongzhi insight index compute|check [--month 2026-06] [--area CODE]
gongzhi insight scan [--area CODE]                           run every supervision rule
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongzhi.insight import index, reports, supervision
from gongzhi.insight.periods import monday_of
from gongzhi.territory.models import Area, AreaKind


class Command(BaseCommand):
    help = "网格例会周报、居民互动指数（计算与核对）、智慧监督扫描"

    def add_arguments(self, parser) -> None:
        parser.add_argument("job", choices=["weekly", "index", "scan"])
        parser.add_argument("mode", nargs="?", choices=["compute", "check"], default="compute")
        parser.add_argument("--area", help="区域编码（默认：全部街道）")
        parser.add_argument("--week", help="该周任一天（默认：本周）")
        parser.add_argument("--month", help="YYYY-MM（默认：上月）")

    def _subdistricts(self, code: str | None) -> list[Area]:
        if not code:
            return list(Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("code"))
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"没有编码为 {code} 的区域")
        if area.kind == AreaKind.SUBDISTRICT:
            return [area]
        return list(
            Area.objects.filter(path__startswith=area.path, kind=AreaKind.SUBDISTRICT).order_by("code")
        )

    def handle(self, *args, job: str, mode: str, area=None, week=None, month=None, **options) -> None:
        started = time.perf_counter()
        subdistricts = self._subdistricts(area)
        if job == "weekly":
            day = dt.date.fromisoformat(week) if week else timezone.localdate()
            made = sum(len(reports.generate_week(root=s, week_start=monday_of(day))) for s in subdistricts)
            self.stdout.write(f"已生成 {made} 个网格的例会报告（{monday_of(day)} 起一周）")
        elif job == "index":
            if month:
                try:
                    first = dt.date.fromisoformat(f"{month}-01")
                except ValueError:
                    raise CommandError("月份格式应为 YYYY-MM") from None
            else:
                first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
            if mode == "compute":
                rows = sum(len(index.compute_month(s, first)) for s in subdistricts)
                self.stdout.write(f"已计算 {first:%Y-%m} 的居民互动指数：{rows} 个居民区")
            else:
                problems = [p for s in subdistricts for p in index.check_month(s, first)]
                for line in problems:
                    self.stdout.write(line)
                if problems:
                    raise CommandError(f"{len(problems)} 处与原始数据重算的结果不一致")
                self.stdout.write(f"{first:%Y-%m} 的居民互动指数与原始数据重算一致")
        else:
            found = new = 0
            for subdistrict in subdistricts:
                result = supervision.scan(subdistrict=subdistrict)
                found += sum(result.found.values())
                new += sum(result.new.values())
            self.stdout.write(f"监督规则发现 {found} 条（新增预警 {new} 条）")
        self.stdout.write(f"用时 {time.perf_counter() - started:.2f} 秒")
