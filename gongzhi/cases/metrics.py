"""The three rates every unit is judged by, and the volumes beside them.

Definitions (shown on the dashboard next to each figure):

- response rate (响应率) = cases whose first response (acceptance, dispatch or rejection) came
  by the response deadline / cases due for response (responded, or whose deadline has passed).
- resolution rate (解决率) = rated cases the reporter judged solved / rated cases.
- satisfaction rate (满意率) = Σ weight(rating) / rated cases; by default 满意 and 基本满意 weigh 1,
  不满意 0 (GONGZHI_SATISFACTION_WEIGHTS).

Counts are made in SQL per (area, month) or (unit, month) over the user's scoped cases, and
rolled up to the level asked for in Python, since the number of areas is small.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongzhi.cases.models import OPEN_STATUSES, Case, Rating
from gongzhi.territory.models import Area

DEFINITIONS = {
    "response_rate": "响应率 = 在响应时限内首次响应（受理、派遣或不予受理）的工单数 ÷ 应响应的工单数（已响应或响应时限已过）",
    "resolution_rate": "解决率 = 反映人评价为“问题已解决”的工单数 ÷ 已评价工单数",
    "satisfaction_rate": "满意率 = （满意 + 基本满意）÷ 已评价工单数（权重可配置）",
}


@dataclass
class Tally:
    total: int = 0
    due_for_response: int = 0
    responded_in_time: int = 0
    rated: int = 0
    solved: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    handling_hours_sum: float = 0.0

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def response_rate(self) -> float | None:
        return self.responded_in_time / self.due_for_response if self.due_for_response else None

    @property
    def resolution_rate(self) -> float | None:
        return self.solved / self.rated if self.rated else None

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.rated:
            return None
        weights = settings.GONGZHI_SATISFACTION_WEIGHTS
        score = (
            self.satisfied * weights.get(Rating.SATISFIED, 1.0)
            + self.basically * weights.get(Rating.BASICALLY, 1.0)
            + self.unsatisfied * weights.get(Rating.UNSATISFIED, 0.0)
        )
        return score / self.rated

    @property
    def average_handling_hours(self) -> float | None:
        return self.handling_hours_sum / self.closed if self.closed else None


def _counts(qs: QuerySet[Case], group: list[str], now: dt.datetime) -> dict[tuple, Tally]:
    handling = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = (
        qs.annotate(month=TruncMonth("created_at"))
        .values(*group)
        .annotate(
            total=Count("id"),
            due_for_response=Count("id", filter=Q(responded_at__isnull=False) | Q(response_due__lt=now)),
            responded_in_time=Count(
                "id", filter=Q(responded_at__isnull=False, responded_at__lte=F("response_due"))
            ),
            rated=Count("id", filter=~Q(rating="")),
            solved=Count("id", filter=Q(solved=True) & ~Q(rating="")),
            satisfied=Count("id", filter=Q(rating=Rating.SATISFIED)),
            basically=Count("id", filter=Q(rating=Rating.BASICALLY)),
            unsatisfied=Count("id", filter=Q(rating=Rating.UNSATISFIED)),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, next_due__lt=now)),
            closed=Count("id", filter=Q(closed_at__isnull=False, status__in=["closed", "rated"])),
            handling=Avg(handling, filter=Q(closed_at__isnull=False, status__in=["closed", "rated"])),
        )
        .order_by()
    )
    out: dict[tuple, Tally] = {}
    for row in rows:
        key = tuple(row[g] for g in group)
        handling_avg = row.pop("handling")
        tally = Tally(
            **{k: row[k] for k in Tally.__dataclass_fields__ if k in row and k != "handling_hours_sum"}
        )
        if handling_avg is not None:
            tally.handling_hours_sum = handling_avg.total_seconds() / 3600 * tally.closed
        out[key] = tally
    return out


@dataclass
class Dashboard:
    overall: Tally
    by_area: list[tuple[Area, Tally]]
    by_unit: list[tuple[str, Tally]]
    by_month: list[tuple[str, Tally]]
    definitions: dict = field(default_factory=lambda: DEFINITIONS)


def dashboard(
    qs: QuerySet[Case], *, root: Area, since: dt.date | None = None, until: dt.date | None = None
) -> Dashboard:
    """Rates and volumes for the scoped cases `qs`, by the areas one level below `root`, by unit
    and by month."""
    now = timezone.now()
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    by_area_month = _counts(qs, ["area_id", "month"], now)
    children = list(Area.objects.filter(parent=root).order_by("code"))
    area_paths = dict(Area.objects.filter(path__startswith=root.path).values_list("id", "path"))
    overall = Tally()
    per_child: dict[int, Tally] = defaultdict(Tally)
    per_month: dict[str, Tally] = defaultdict(Tally)
    for (area_id, month), tally in by_area_month.items():
        overall.add(tally)
        label = (
            timezone.localtime(month).strftime("%Y-%m")
            if month and timezone.is_aware(month)
            else str(month)[:7]
        )
        per_month[label].add(tally)
        path = area_paths.get(area_id, "")
        for child in children:
            if path.startswith(child.path):
                per_child[child.pk].add(tally)
                break
    by_unit_raw = _counts(qs, ["assigned_unit__name"], now)
    return Dashboard(
        overall=overall,
        by_area=[(c, per_child[c.pk]) for c in children if c.pk in per_child],
        by_unit=sorted(((k[0] or "未派遣", v) for k, v in by_unit_raw.items()), key=lambda kv: -kv[1].total),
        by_month=sorted(per_month.items()),
    )
