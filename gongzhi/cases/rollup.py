"""The dashboard's monthly rollup of finished cases (`CaseMonthly`).

A dashboard over five years of a district used to aggregate every case row (seconds at a million
cases, see docs/scale.md). Cases that are finished — closed, rated, rejected, merged — hardly
change, so their counts are kept per area × month of report × assigned unit, and only the open
cases (about 1 %) are counted live. The rollup is exact, not an estimate:

- `refresh(case)` recomputes the one bucket the case belongs to from the case rows, under a row
  lock on the bucket, inside the transaction that changed the case. The case services call it
  whenever a case enters, leaves or changes within the finished set (`services._base._apply`).
  Recomputing (instead of adding ±1) cannot drift, and the lock orders concurrent refreshes of
  a bucket so that the later one counts the earlier one's case.
- `rebuild()` recomputes every bucket at once: after a bulk load (`gongzhi generate`), after a
  restore, or to repair (`gongzhi rollup rebuild`); `check()` compares the table with a rebuild
  without writing (`gongzhi rollup check`).

A bucket's area is the case's area, or its ancestor two levels below the subdistrict if the
area is deeper (a building's neighbourhood), so a district dashboard reads a few rows per
neighbourhood and month. Dashboards rooted deeper than one level below the subdistrict read
raw rows (gongzhi.cases.metrics), which are few there.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gongzhi.cases.models import FINISHED_STATUSES, Case, CaseMonthly, Rating, Source, Status
from gongzhi.territory.models import Area

# How far below the subdistrict the rollup keeps areas apart.
LEVELS_BELOW_SUBDISTRICT = 2

COUNT_FIELDS = (
    "total",
    "responded",
    "responded_in_time",
    "unresponded",
    "rated",
    "solved",
    "satisfied",
    "basically",
    "unsatisfied",
    "closed",
    "onsite",
)


def sums() -> dict[str, Any]:
    """The stable part of the three rates for a set of finished cases (metrics._counts is the
    live counterpart; both follow the definitions in metrics.DEFINITIONS)."""
    closed = Q(closed_at__isnull=False, status__in=[Status.CLOSED, Status.RATED])
    handling = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    return {
        "total": Count("id"),
        "responded": Count("id", filter=Q(responded_at__isnull=False)),
        "responded_in_time": Count(
            "id", filter=Q(responded_at__isnull=False, responded_at__lte=F("response_due"))
        ),
        # Due for response once the deadline passes; metrics subtracts those not yet past it.
        "unresponded": Count("id", filter=Q(responded_at__isnull=True, response_due__isnull=False)),
        "rated": Count("id", filter=~Q(rating="")),
        "solved": Count("id", filter=Q(solved=True) & ~Q(rating="")),
        "satisfied": Count("id", filter=Q(rating=Rating.SATISFIED)),
        "basically": Count("id", filter=Q(rating=Rating.BASICALLY)),
        "unsatisfied": Count("id", filter=Q(rating=Rating.UNSATISFIED)),
        "closed": Count("id", filter=closed),
        "onsite": Count("id", filter=Q(source=Source.ONSITE)),
        "handling": Sum(handling, filter=closed),
    }


def rollup_path(path: str, subdistrict_id: int | None) -> str:
    """The path of the area a case in the area with `path` is counted under."""
    ids = path.strip("/").split("/")
    if subdistrict_id is None or str(subdistrict_id) not in ids:
        return path
    keep = ids.index(str(subdistrict_id)) + LEVELS_BELOW_SUBDISTRICT + 1
    return "/" + "/".join(ids[:keep]) + "/"


def rollup_area_id(path: str, subdistrict_id: int | None) -> int:
    return int(rollup_path(path, subdistrict_id).strip("/").split("/")[-1])


def covers(root: Area) -> bool:
    """Whether a dashboard rooted at `root` can read the rollup: its rows (the areas one level
    below the root) must not be finer than the rollup's areas."""
    if root.subdistrict_id is None:
        return True
    ids = root.path.strip("/").split("/")
    below = len(ids) - 1 - ids.index(str(root.subdistrict_id))
    return below + 1 <= LEVELS_BELOW_SUBDISTRICT


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def month_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month.year, month.month, 1))


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _values(row: dict[str, Any]) -> dict[str, Any]:
    handling = row.get("handling")
    out = {name: row[name] for name in COUNT_FIELDS}
    out["handling_seconds"] = handling.total_seconds() if handling else 0.0
    return out


def refresh(case: Case) -> None:
    """Recompute the bucket of `case` (call inside the transaction that changed it)."""
    area = case.area
    path = rollup_path(area.path, case.subdistrict_id)
    month = month_of(case.created_at)
    unit_id = case.assigned_unit_id or 0
    with transaction.atomic():
        bucket, _created = CaseMonthly.objects.select_for_update().get_or_create(
            area_id=int(path.strip("/").split("/")[-1]),
            month=month,
            unit_id=unit_id,
            defaults={"subdistrict_id": case.subdistrict_id},
        )
        rows = Case.objects.filter(
            subdistrict_id=case.subdistrict_id,
            created_at__gte=month_start(month),
            created_at__lt=month_start(next_month(month)),
            status__in=FINISHED_STATUSES,
            area__path__startswith=path,
        )
        rows = rows.filter(assigned_unit_id=unit_id) if unit_id else rows.filter(assigned_unit__isnull=True)
        values = _values(rows.aggregate(**sums()))
        if not values["total"]:
            bucket.delete()
            return
        for name, value in values.items():
            setattr(bucket, name, value)
        bucket.save()


def _computed(
    subdistrict_ids: list[int] | None = None,
    *,
    case_model: type = Case,
    area_model: type = Area,
) -> dict[tuple[int, dt.date, int], dict[str, Any]]:
    """Every bucket, computed from the case rows (grouped by exact area in SQL, folded here)."""
    areas = area_model.objects.all()
    cases = case_model.objects.filter(status__in=FINISHED_STATUSES)
    if subdistrict_ids is not None:
        areas = areas.filter(subdistrict_id__in=subdistrict_ids)
        cases = cases.filter(subdistrict_id__in=subdistrict_ids)
    target = {
        pk: rollup_area_id(path, sub) for pk, path, sub in areas.values_list("id", "path", "subdistrict_id")
    }
    grouped = (
        cases.annotate(month=TruncMonth("created_at"))
        .values("area_id", "subdistrict_id", "assigned_unit_id", "month")
        .annotate(**sums())
        .order_by()
    )
    out: dict[tuple[int, dt.date, int], dict[str, Any]] = defaultdict(
        lambda: {name: 0 for name in (*COUNT_FIELDS, "handling_seconds")}
    )
    for row in grouped.iterator(chunk_size=5000):
        month = row["month"]
        month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        key = (target[row["area_id"]], month.replace(day=1), row["assigned_unit_id"] or 0)
        bucket = out[key]
        bucket["subdistrict_id"] = row["subdistrict_id"]
        for name, value in _values(row).items():
            bucket[name] += value
    return out


def rebuild(
    subdistrict_ids: list[int] | None = None,
    *,
    case_model: type = Case,
    area_model: type = Area,
    rollup_model: type = CaseMonthly,
) -> int:
    """Recompute the rollup (of some subdistricts, or all) from the case rows; returns the
    number of buckets. The models can be passed in for a data migration."""
    computed = _computed(subdistrict_ids, case_model=case_model, area_model=area_model)
    with transaction.atomic():
        existing = rollup_model.objects.all()
        if subdistrict_ids is not None:
            existing = existing.filter(subdistrict_id__in=subdistrict_ids)
        existing.delete()
        rollup_model.objects.bulk_create(
            (
                rollup_model(area_id=area_id, month=month, unit_id=unit_id, **values)
                for (area_id, month, unit_id), values in computed.items()
            ),
            batch_size=2000,
        )
    return len(computed)


def check(subdistrict_ids: list[int] | None = None) -> list[str]:
    """Differences between the rollup table and a fresh computation (empty when they agree)."""
    computed = _computed(subdistrict_ids)
    stored = CaseMonthly.objects.all()
    if subdistrict_ids is not None:
        stored = stored.filter(subdistrict_id__in=subdistrict_ids)
    problems = []
    seen = set()
    for bucket in stored:
        key = (bucket.area_id, bucket.month, bucket.unit_id)
        seen.add(key)
        want = computed.get(key)
        have = {name: getattr(bucket, name) for name in (*COUNT_FIELDS, "handling_seconds")}
        if want is None:
            problems.append(f"{key}: stored but no finished case")
            continue
        for name, value in have.items():
            if abs(value - want[name]) > (1.0 if name == "handling_seconds" else 0):
                problems.append(f"{key}: {name} {value} ≠ {want[name]}")
    problems += [f"{key}: missing" for key in computed.keys() - seen]
    return problems
