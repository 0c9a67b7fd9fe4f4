"""居民互动指数 (resident interaction index), defined openly; every weight in config.py.

Per neighbourhood and month:

- reach = households with at least one interaction ÷ households;
- depth = weighted interactions per 100 households, normalised as min(depth ÷ depth_target, 1);
- responsiveness = the mean of the three rates (响应率, 解决率, 满意率) of the neighbourhood's
  cases reported that month (the rates with no data are left out; a month with none leaves the
  part out and the weights of the others are renormalised);
- index = 100 × Σ weight·part ÷ Σ weight.

Interactions come from the providers (insight.providers): reports and ratings (cases, attributed
to a household through the registry's phone hash where the reporter is registered), visits
received (visits), suggestions, supports and deliberations attended (participation), volunteer
hours (volunteers) and events attended (events).
`compute_month` stores the rows (reading the cases' monthly rollup for the rates); `check_month`
recomputes them from the raw case rows and compares."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from gongzhi.cases import metrics
from gongzhi.cases.models import Case
from gongzhi.insight import config, providers
from gongzhi.insight.models import InteractionIndex
from gongzhi.insight.periods import month_bounds
from gongzhi.insight.providers import IndexContext
from gongzhi.registry.models import Household
from gongzhi.territory.models import Area, AreaKind

FIELDS = ("households", "reached", "weighted", "reach", "depth", "responsiveness", "value")


@dataclass
class Computed:
    area: Area
    households: int = 0
    reached: int = 0
    weighted: float = 0.0
    reach: float = 0.0
    depth: float = 0.0
    responsiveness: float | None = None
    value: float = 0.0
    counts: dict = field(default_factory=dict)
    rates: dict = field(default_factory=dict)


def _neighbourhood_of(subdistrict: Area) -> tuple[list[Area], dict[int, int]]:
    """The subdistrict's neighbourhoods, and every area id under them → its neighbourhood's id."""
    neighbourhoods = list(
        Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.NEIGHBOURHOOD).order_by("path")
    )
    by_path = {n.path: n.pk for n in neighbourhoods}
    owner: dict[int, int] = {}
    for pk, path in Area.objects.filter(path__startswith=subdistrict.path).values_list("pk", "path"):
        parts = path.strip("/").split("/")
        for i in range(len(parts), 0, -1):
            hit = by_path.get("/" + "/".join(parts[:i]) + "/")
            if hit is not None:
                owner[pk] = hit
                break
    return neighbourhoods, owner


def _rates(subdistrict: Area, month: dt.date, *, use_rollup: bool) -> dict[int, dict]:
    """The three rates of each neighbourhood's cases reported in the month, per neighbourhood."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    start, end = month_bounds(first)
    out: dict[int, dict] = {}
    for grid in Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.GRID):
        # The month's rows by the (subdistrict, created_at) index (the dashboard's own date filter
        # casts the column); still every case of the grid in the month, as use_rollup requires.
        month_cases = Case.objects.filter(subdistrict=subdistrict, created_at__gte=start, created_at__lt=end)
        board = metrics.dashboard(month_cases, root=grid, since=first, until=last, use_rollup=use_rollup)
        for area, tally in board.by_area:
            out[area.pk] = {
                "response_rate": tally.response_rate,
                "resolution_rate": tally.resolution_rate,
                "satisfaction_rate": tally.satisfaction_rate,
            }
    return out


def compute(subdistrict: Area, month: dt.date, *, use_rollup: bool = True) -> list[Computed]:
    settings = config.get("index")
    kind_weights: dict[str, float] = settings["interaction_weights"]
    part_weights: dict[str, float] = settings["part_weights"]
    target = float(settings["depth_target"])
    start, end = month_bounds(month)
    neighbourhoods, owner = _neighbourhood_of(subdistrict)
    results = {n.pk: Computed(area=n) for n in neighbourhoods}

    household_area: dict[int, int] = {}
    for pk, area_id in (
        Household.objects.filter(subdistrict=subdistrict).values_list("pk", "area_id").iterator()
    ):
        nb = owner.get(area_id)
        if nb is not None:
            household_area[pk] = nb
            results[nb].households += 1

    counts: dict[int, Counter] = defaultdict(Counter)
    reached: dict[int, set[int]] = defaultdict(set)
    ctx = IndexContext(subdistrict=subdistrict, start=start, end=end)
    for provider in providers.active():
        if provider.interactions is None:
            continue
        for item in provider.interactions(ctx):
            nb = owner.get(item.area_id)
            if nb is None:
                continue
            counts[nb][item.kind] += item.n
            if item.household_id is not None and household_area.get(item.household_id) == nb:
                reached[nb].add(item.household_id)

    rates = _rates(subdistrict, month, use_rollup=use_rollup)
    for pk, result in results.items():
        # Volunteer hours are fractional: rounded, so the stored and recomputed sums agree
        # whatever order the rows came in.
        result.counts = {k: round(v, 4) if isinstance(v, float) else v for k, v in sorted(counts[pk].items())}
        result.reached = len(reached[pk])
        result.weighted = round(sum(kind_weights.get(k, 0.0) * n for k, n in counts[pk].items()), 6)
        if result.households:
            result.reach = result.reached / result.households
            per_hundred = 100 * result.weighted / result.households
            result.depth = min(per_hundred / target, 1.0) if target > 0 else 0.0
        result.rates = rates.get(pk, {})
        present = [v for v in result.rates.values() if v is not None]
        result.responsiveness = sum(present) / len(present) if present else None
        parts = {"reach": result.reach, "depth": result.depth, "responsiveness": result.responsiveness}
        weights = {k: w for k, w in part_weights.items() if parts.get(k) is not None and w > 0}
        total = sum(weights.values())
        value = 100 * sum(w * parts[k] for k, w in weights.items()) / total if total else 0.0
        result.value = round(max(0.0, min(100.0, value)), 4)
        result.reach = round(result.reach, 6)
        result.depth = round(result.depth, 6)
        if result.responsiveness is not None:
            result.responsiveness = round(result.responsiveness, 6)
    return list(results.values())


@transaction.atomic
def compute_month(
    subdistrict: Area, month: dt.date, *, now: dt.datetime | None = None
) -> list[InteractionIndex]:
    """Compute and store the month's index of every neighbourhood of the subdistrict."""
    now = now or timezone.now()
    month = month.replace(day=1)
    rows = []
    for result in compute(subdistrict, month):
        row, _created = InteractionIndex.objects.update_or_create(
            area=result.area,
            month=month,
            defaults={
                "subdistrict": subdistrict,
                **{name: getattr(result, name) for name in FIELDS},
                "counts": result.counts,
                "rates": result.rates,
                "computed_at": now,
            },
        )
        rows.append(row)
    return rows


def check_month(subdistrict: Area, month: dt.date) -> list[str]:
    """Recompute the month from the raw rows (no rollup) and compare with what is stored;
    returns the differences (empty when they agree)."""
    month = month.replace(day=1)
    stored = {r.area_id: r for r in InteractionIndex.objects.filter(subdistrict=subdistrict, month=month)}
    problems = []
    for result in compute(subdistrict, month, use_rollup=False):
        row = stored.pop(result.area.pk, None)
        if row is None:
            problems.append(f"{result.area.name} {month:%Y-%m}: 未计算")
            continue
        for name in FIELDS:
            mine, theirs = getattr(result, name), getattr(row, name)
            if (mine is None) != (theirs is None) or (mine is not None and abs(mine - theirs) > 1e-6):
                problems.append(f"{result.area.name} {month:%Y-%m} {name}: 存储 {theirs} ≠ 重算 {mine}")
        if row.counts != result.counts:
            problems.append(
                f"{result.area.name} {month:%Y-%m} counts: 存储 {row.counts} ≠ 重算 {result.counts}"
            )
    for row in stored.values():
        problems.append(f"{row.area_id} {month:%Y-%m}: 多余的记录")
    return problems


def drilldown(row: InteractionIndex) -> list[dict]:
    """What moved the index since the month before: each interaction kind's count and its
    weighted change, and the parts."""
    weights = config.get("index")["interaction_weights"]
    before_month = (row.month - dt.timedelta(days=1)).replace(day=1)
    before = InteractionIndex.objects.filter(area_id=row.area_id, month=before_month).first()
    previous = before.counts if before else {}
    kinds = sorted(set(row.counts) | set(previous))
    lines = [
        {
            "kind": kind,
            "now": row.counts.get(kind, 0),
            "before": previous.get(kind, 0),
            "weighted_change": weights.get(kind, 0.0) * (row.counts.get(kind, 0) - previous.get(kind, 0)),
        }
        for kind in kinds
    ]
    lines.sort(key=lambda line: -abs(line["weighted_change"]))
    for part in ("reach", "depth", "responsiveness", "value"):
        lines.append(
            {
                "kind": part,
                "now": getattr(row, part),
                "before": getattr(before, part) if before else None,
                "weighted_change": None,
            }
        )
    return lines
