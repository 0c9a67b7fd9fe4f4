"""Scoped reads of visits and campaigns, and campaign coverage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.registry import selectors as registry
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.scope import overlapping, scoped
from gongzhi.visits.models import Campaign, Target, Visit
from gongzhi.visits.rules import VISIT_READERS


def _allowed(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.scope_id and VISIT_READERS.held_by(user))


def visits_for(user: User) -> QuerySet[Visit]:
    return scoped(Visit.objects.all(), user, roles=VISIT_READERS)


def visit_for(user: User, pk: int) -> Visit:
    visit = (
        visits_for(user)
        .select_related("household__dwelling", "organization", "visitor", "met", "campaign", "area")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise NotFound()
    return visit


def campaigns_for(user: User) -> QuerySet[Campaign]:
    """Campaigns whose area overlaps the user's scope (inside it, or containing it)."""
    if not _allowed(user):
        return Campaign.objects.none()
    return overlapping(Campaign.objects.all(), user)


def campaign_for(user: User, pk: int) -> Campaign:
    campaign = campaigns_for(user).select_related("area").filter(pk=pk).first()
    if campaign is None:
        raise NotFound()
    return campaign


@dataclass
class CoverageRow:
    area: Area
    total: int
    visited: int
    # Targets registered above this level (a household on an estate without a building).
    unplaced: bool = False

    @property
    def not_yet(self) -> int:
        return self.total - self.visited

    @property
    def percent(self) -> int | None:
        """None where there is nothing to visit (not "100%")."""
        return round(100 * self.visited / self.total) if self.total else None

    @property
    def label(self) -> str:
        if self.unplaced:
            return str(_("未落到本层级的对象（登记在上级区域）"))
        if self.area.kind == AreaKind.BUILDING and self.area.parent_id:
            estate = self.area.parent.name
            name = self.area.name
            return name if name.startswith(estate) else f"{estate}{name}"
        return self.area.name


LEVELS = (AreaKind.GRID, AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.BUILDING)


def coverage(user: User, campaign: Campaign, level: str) -> tuple[list[CoverageRow], CoverageRow, bool]:
    """Per area of `level` within the campaign area and the user's scope: how many targets, how
    many visited in the period. Returns the rows, the total row and whether the period is over
    (then every "not yet" is overdue)."""
    scope_path = user.scope.path if user.scope_id else "/nothing/"
    base = campaign.area.path if campaign.area.path.startswith(scope_path) else scope_path
    areas = list(
        Area.objects.filter(path__startswith=base, kind=level).select_related("parent").order_by("path")
    )
    depth_of = {a.path: a for a in areas}

    def bucket(path: str) -> str | None:
        for candidate in _prefixes(path):
            if candidate in depth_of:
                return candidate
        return None

    # Targets that lie above the level (an estate's households without a building) are counted
    # under None, so that every level's total is the same whole.
    totals: dict[str | None, int] = {a.path: 0 for a in areas} | {None: 0}
    visited: dict[str | None, int] = {a.path: 0 for a in areas} | {None: 0}
    period = (campaign.starts_on, campaign.ends_on)
    visits = visits_for(user).filter(visited_on__range=period, area__path__startswith=base)
    if campaign.target in (Target.HOUSEHOLDS, Target.BOTH):
        households = registry.occupied_households_for(user).filter(area__path__startswith=base)
        seen = set(visits.filter(household__isnull=False).values_list("household_id", flat=True))
        for pk, path in households.values_list("pk", "area__path").iterator():
            key = bucket(path)
            totals[key] += 1
            visited[key] += pk in seen
    if campaign.target in (Target.ORGANIZATIONS, Target.BOTH):
        organizations = registry.organizations_for(user).filter(area__path__startswith=base)
        seen = set(visits.filter(organization__isnull=False).values_list("organization_id", flat=True))
        for pk, path in organizations.values_list("pk", "area__path").iterator():
            key = bucket(path)
            totals[key] += 1
            visited[key] += pk in seen
    rows = [CoverageRow(a, totals[a.path], visited[a.path]) for a in areas]
    if totals[None]:
        rows.append(CoverageRow(campaign.area, totals[None], visited[None], unplaced=True))
    total = CoverageRow(campaign.area, sum(totals.values()), sum(visited.values()))
    return rows, total, timezone.localdate() > campaign.ends_on


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]


def not_yet_visited(user: User, campaign: Campaign, area: Area, *, limit: int = 200):
    """Households of `area` not yet visited in the campaign period (for the worker's to-do list)."""
    period = (campaign.starts_on, campaign.ends_on)
    seen = visits_for(user).filter(visited_on__range=period, household__isnull=False).values("household_id")
    return (
        registry.occupied_households_for(user)
        .filter(area__path__startswith=area.path)
        .exclude(pk__in=seen)
        .select_related("dwelling", "head")
        .order_by("dwelling__address")[:limit]
    )
