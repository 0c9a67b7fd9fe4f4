"""Party-organisation coverage of the new sectors (两新组织, shops, 小个专) per grid and
neighbourhood, and pairing coverage of neighbourhoods. A unit is covered on a day when a
coverage row spans it (started_on ≤ day < ended_on); "not visited" counts the units with no
visit in the chosen visit campaign's period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cobuilding.models import Coverage
from gongzhi.registry import selectors as registry
from gongzhi.registry.models import OrganizationKind
from gongzhi.territory.models import Area, AreaKind
from gongzhi.visits import selectors as visits
from gongzhi.visits.models import Campaign

# The units that "全覆盖" is counted over.
NEW_SECTOR_KINDS = (OrganizationKind.ENTERPRISE, OrganizationKind.SOCIAL_ORGANIZATION, OrganizationKind.SHOP)
LEVELS = (AreaKind.GRID, AreaKind.NEIGHBOURHOOD)


@dataclass
class CoverageRow:
    area: Area | None
    units: int = 0
    covered: int = 0
    not_visited: int | None = None

    @property
    def uncovered(self) -> int:
        return self.units - self.covered

    @property
    def rate(self) -> int | None:
        return round(100 * self.covered / self.units) if self.units else None

    @property
    def label(self) -> str:
        return self.area.name if self.area else "—"


def covered_q(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": on})
    )


def _bucket(path: str, paths: list[str]) -> str | None:
    for candidate in paths:
        if path.startswith(candidate):
            return candidate
    return None


def new_sector_units(user: User):
    return registry.organizations_for(user).filter(kind__in=NEW_SECTOR_KINDS)


def figures(
    user: User, *, level: str = AreaKind.GRID, on: dt.date | None = None, campaign: Campaign | None = None
) -> tuple[list[CoverageRow], CoverageRow]:
    """One row per area of `level` within the user's scope (a constant number of queries)."""
    on = on or timezone.localdate()
    if not user.is_authenticated or user.scope_id is None:
        return [], CoverageRow(None)
    scope = user.scope
    areas = list(Area.objects.filter(path__startswith=scope.path, kind=level).order_by("path"))
    if not areas:
        areas = [scope]
    paths = sorted((a.path for a in areas), key=len, reverse=True)
    rows = {a.path: CoverageRow(a, not_visited=0 if campaign else None) for a in areas}
    other = CoverageRow(None, not_visited=0 if campaign else None)
    units = list(new_sector_units(user).values_list("pk", "area__path"))
    unit_ids = [pk for pk, _path in units]
    covered = set(
        Coverage.objects.filter(covered_q(on), unit_id__in=unit_ids).values_list("unit_id", flat=True)
    )
    seen: set[int] = set()
    if campaign is not None:
        seen = set(
            visits.visits_for(user)
            .filter(organization__isnull=False, visited_on__range=(campaign.starts_on, campaign.ends_on))
            .values_list("organization_id", flat=True)
        )
    total = CoverageRow(scope, not_visited=0 if campaign else None)
    for pk, path in units:
        key = _bucket(path, paths)
        for row in (rows.get(key, other), total):
            row.units += 1
            row.covered += pk in covered
            if campaign is not None:
                row.not_visited += pk not in seen
    result = [rows[a.path] for a in areas]
    if other.units:
        result.append(other)
    return result, total


def uncovered_units(user: User, *, on: dt.date | None = None, area: Area | None = None):
    """The units to work on: not covered on the day, in `area` (or the whole scope)."""
    on = on or timezone.localdate()
    qs = new_sector_units(user)
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    covered = Coverage.objects.filter(covered_q(on)).values("unit_id")
    return qs.exclude(pk__in=covered).select_related("area").order_by("area__path", "name")


def history(user: User, *, months: int = 12, today: dt.date | None = None) -> list[tuple[dt.date, int, int]]:
    """(first day of month, units, covered) for the last `months` months: the trend of the rate.
    Units are today's units; coverage is what the rows said on each day."""
    today = today or timezone.localdate()
    unit_ids = list(new_sector_units(user).values_list("pk", flat=True))
    rows = list(
        Coverage.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "started_on", "ended_on")
    )
    points = []
    year, month = today.year, today.month
    for _i in range(months):
        day = dt.date(year, month, 1)
        count = len({u for u, start, end in rows if start <= day and (end is None or end > day)})
        points.append((day, len(unit_ids), count))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(points))


@dataclass
class PairingRow:
    area: Area
    pairings: int = 0

    @property
    def paired(self) -> bool:
        return self.pairings > 0


def pairing_coverage(user: User, *, on: dt.date | None = None) -> tuple[list[PairingRow], int, int]:
    """Per neighbourhood in scope: how many pairings are active on the day. Returns the rows,
    the neighbourhoods paired and the neighbourhoods in all."""
    from gongzhi.cobuilding.selectors import pairings_for

    on = on or timezone.localdate()
    if not user.is_authenticated or user.scope_id is None:
        return [], 0, 0
    neighbourhoods = list(
        Area.objects.filter(path__startswith=user.scope.path, kind=AreaKind.NEIGHBOURHOOD).order_by("path")
    )
    counts: dict[int, int] = {}
    active = (
        pairings_for(user)
        .filter(starts_on__lte=on, ends_on__gte=on)
        .filter(Q(ended_early_on__isnull=True) | Q(ended_early_on__gte=on))
    )
    for area_id in active.values_list("area_id", flat=True):
        counts[area_id] = counts.get(area_id, 0) + 1
    rows = [PairingRow(a, counts.get(a.pk, 0)) for a in neighbourhoods]
    return rows, sum(1 for r in rows if r.paired), len(rows)


def unit_points(user: User, *, on: dt.date | None = None) -> list[dict]:
    """The new-sector units of the scope with a point, covered or not on the day (for the map)."""
    on = on or timezone.localdate()
    units = list(new_sector_units(user).exclude(lat=None).values_list("pk", "name", "lat", "lng")[:3000])
    covered = set(
        Coverage.objects.filter(covered_q(on), unit_id__in=[u[0] for u in units]).values_list(
            "unit_id", flat=True
        )
    )
    return [
        {"id": pk, "name": name, "lat": lat, "lng": lng, "covered": pk in covered}
        for pk, name, lat, lng in units
    ]
