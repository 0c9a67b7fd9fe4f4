"""The three rates every unit is judged by, and the volumes beside them.

Definitions (shown on the dashboard next to each figure):

- response rate (响应率) = cases whose first response (acceptance, dispatch or rejection) came
  by the response deadline / cases due for response (responded, or whose deadline has passed).
- resolution rate (解决率) = rated cases the reporter judged solved / rated cases.
- handled on the spot (现场即办) = cases a grid or neighbourhood worker found and solved on the
  spot, recorded as reported, handled and closed at once: counted as closed and responded in
  time, with no rating (no reporter to ask), and shown as their own volume.
- satisfaction rate (满意率) = Σ weight(rating) / rated cases; by default 满意 and 基本满意 weigh 1,
  不满意 0 (GONGZHI_SATISFACTION_WEIGHTS).

Counts are made in SQL per (area, month) and per unit over the user's scoped cases — finished
cases of whole months from the monthly rollup (gongzhi.cases.rollup) where the viewer sees
every case of an area — and rolled up to the level asked for in Python, since the number of
areas is small.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import rollup, selectors
from gongzhi.cases.models import FINISHED_STATUSES, OPEN_STATUSES, Case, CaseMonthly, Rating, Source
from gongzhi.territory.models import Area

DEFINITIONS = {
    "response_rate": gettext_lazy(
        "响应率 = 在响应时限内首次响应（受理、派遣或不予受理）的工单数 ÷ 应响应的工单数（已响应或响应时限已过）"
    ),
    "resolution_rate": gettext_lazy("解决率 = 反映人评价为“问题已解决”的工单数 ÷ 已评价工单数"),
    "satisfaction_rate": gettext_lazy("满意率 = （满意 + 基本满意）÷ 已评价工单数（权重可配置）"),
    "onsite": gettext_lazy(
        "现场即办 = 网格员或居民区工作人员发现后当场解决、一步登记并结案的工单数（计入办结数，不计入评价）"
    ),
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
    # Handled on the spot (现场即办): reported, handled and closed at once by a grid worker.
    onsite: int = 0
    handling_hours_sum: float = 0.0

    def add(self, other: Tally) -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in _TALLY_FIELDS:
            mine[name] += theirs[name]

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


_TALLY_FIELDS = tuple(Tally.__dataclass_fields__)


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
            onsite=Count("id", filter=Q(source=Source.ONSITE)),
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
    definitions: dict = field(default_factory=lambda: {key: str(text) for key, text in DEFINITIONS.items()})
    from_rollup: bool = False


def _label(month: dt.date | dt.datetime | None) -> str:
    if isinstance(month, dt.datetime):
        return (timezone.localtime(month) if timezone.is_aware(month) else month).strftime("%Y-%m")
    if isinstance(month, dt.date):
        return month.strftime("%Y-%m")
    return str(month)[:7]


def _whole_months(since: dt.date | None, until: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """[first, end) of the calendar months lying wholly inside [since, until] (None: unbounded)."""
    first = end = None
    if since is not None:
        first = since if since.day == 1 else rollup.next_month(since.replace(day=1))
    if until is not None:
        after = rollup.next_month(until.replace(day=1))
        end = after if after - dt.timedelta(days=1) == until else until.replace(day=1)
    return first, end


class _Board:
    """Tallies gathered per (area, month) and per unit name, from raw rows and the rollup."""

    def __init__(self) -> None:
        self.by_area_month: dict[tuple[int, str], Tally] = defaultdict(Tally)
        self.by_unit: dict[str | None, Tally] = defaultdict(Tally)

    def add_counts(self, qs: QuerySet[Case], now: dt.datetime) -> None:
        for (area_id, month), tally in _counts(qs, ["area_id", "month"], now).items():
            self.by_area_month[area_id, _label(month)].add(tally)
        for (unit,), tally in _counts(qs, ["assigned_unit__name"], now).items():
            self.by_unit[unit].add(tally)

    def add_rollup(self, buckets: QuerySet[CaseMonthly], not_due: QuerySet[Case]) -> None:
        sums = {name: Sum(name) for name in (*rollup.COUNT_FIELDS, "handling_seconds")}
        for row in buckets.values("area_id", "month").annotate(**sums).order_by():
            self.by_area_month[row["area_id"], _label(row["month"])].add(_tally(row))
        unit_rows = list(buckets.values("unit_id").annotate(**sums).order_by())
        names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in unit_rows]).values_list("pk", "name"))
        for row in unit_rows:
            self.by_unit[names.get(row["unit_id"])].add(_tally(row))
        # Finished, never responded, response deadline still ahead: not yet due for response.
        for row in (
            not_due.annotate(month=TruncMonth("created_at"))
            .values("area_id", "month", "assigned_unit__name")
            .annotate(n=Count("id"))
            .order_by()
        ):
            self.by_area_month[row["area_id"], _label(row["month"])].due_for_response -= row["n"]
            self.by_unit[row["assigned_unit__name"]].due_for_response -= row["n"]


def _tally(row: dict) -> Tally:
    return Tally(
        total=row["total"],
        due_for_response=row["responded"] + row["unresponded"],
        responded_in_time=row["responded_in_time"],
        rated=row["rated"],
        solved=row["solved"],
        satisfied=row["satisfied"],
        basically=row["basically"],
        unsatisfied=row["unsatisfied"],
        closed=row["closed"],
        onsite=row["onsite"],
        handling_hours_sum=(row["handling_seconds"] or 0.0) / 3600,
    )


def dashboard_for(
    user: User, *, root: Area, since: dt.date | None = None, until: dt.date | None = None
) -> Dashboard:
    """The dashboard a user sees under `root` (an area the user may view): the user's cases,
    through the rollup when the user sees every case of the area."""
    return dashboard(
        selectors.cases_for(user),
        root=root,
        since=since,
        until=until,
        use_rollup=selectors.sees_whole_scope(user) and user.scope.contains(root),
    )


def dashboard(
    qs: QuerySet[Case],
    *,
    root: Area,
    since: dt.date | None = None,
    until: dt.date | None = None,
    use_rollup: bool = False,
) -> Dashboard:
    """Rates and volumes for the scoped cases `qs` under `root`, by the areas one level below
    `root`, by unit and by month.

    `use_rollup=True` promises that `qs` is every case under `root` (the viewer's scope is an
    area that contains `root`, not a unit; `dashboard_for` decides this from the user): finished cases of whole months are then read from the monthly rollup
    (gongzhi.cases.rollup) and only open cases and partial months from the case rows. The
    figures are the same either way (tested); the rollup is what keeps a district's five years
    under a second."""
    now = timezone.now()
    qs = qs.filter(selectors.scope_filter(root))
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    board = _Board()
    first, end = _whole_months(since, until)
    from_rollup = use_rollup and rollup.covers(root) and (first is None or end is None or first < end)
    if from_rollup:
        whole = Q()
        if first is not None:
            whole &= Q(created_at__gte=rollup.month_start(first))
        if end is not None:
            whole &= Q(created_at__lt=rollup.month_start(end))
        live = Q(status__in=OPEN_STATUSES) | ~whole if whole else Q(status__in=OPEN_STATUSES)
        # The open cases are few: pick them by the (subdistrict, status, …) index first; grouping
        # the scope directly tempts SQLite into scanning all of it by the area index (35× slower).
        board.add_counts(Case.objects.filter(pk__in=qs.filter(live).values("pk")), now)
        buckets = CaseMonthly.objects.filter(selectors.scope_filter(root))
        if first is not None:
            buckets = buckets.filter(month__gte=first)
        if end is not None:
            buckets = buckets.filter(month__lt=end)
        not_due = Case.objects.filter(
            pk__in=qs.filter(
                whole, status__in=FINISHED_STATUSES, responded_at__isnull=True, response_due__gte=now
            ).values("pk")
        )
        board.add_rollup(buckets, not_due)
    else:
        board.add_counts(qs, now)

    children = list(Area.objects.filter(parent=root).order_by("code"))
    area_paths = dict(Area.objects.filter(path__startswith=root.path).values_list("id", "path"))
    overall = Tally()
    per_child: dict[int, Tally] = defaultdict(Tally)
    per_month: dict[str, Tally] = defaultdict(Tally)
    for (area_id, label), tally in board.by_area_month.items():
        overall.add(tally)
        per_month[label].add(tally)
        path = area_paths.get(area_id, "")
        for child in children:
            if path.startswith(child.path):
                per_child[child.pk].add(tally)
                break
    return Dashboard(
        overall=overall,
        by_area=[(c, per_child[c.pk]) for c in children if c.pk in per_child],
        by_unit=sorted(
            ((k or gettext("未派遣"), v) for k, v in board.by_unit.items()), key=lambda kv: -kv[1].total
        ),
        by_month=sorted(per_month.items()),
        from_rollup=from_rollup,
    )
