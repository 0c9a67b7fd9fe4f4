"""Scoped reads of 志愿+: volunteers, opportunities, ledgers, hours, stars and figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.registry.models import Resident
from gongzhi.territory.scope import scoped
from gongzhi.volunteers.models import (
    Credential,
    EntryKind,
    GoodDeed,
    Opportunity,
    PointsEntry,
    Redemption,
    Reward,
    ServiceRecord,
    Signup,
    Volunteer,
)
from gongzhi.volunteers.rules import VOLUNTEER_READERS

DEFAULT_STARS = (100, 300, 600, 1000, 1500)


def volunteers_for(user: User) -> QuerySet[Volunteer]:
    return scoped(Volunteer.objects.all(), user, roles=VOLUNTEER_READERS)


def volunteer_for(user: User, pk: int) -> Volunteer:
    volunteer = (
        volunteers_for(user)
        .select_related("area", "resident", "organization", "party_unit")
        .filter(pk=pk)
        .first()
    )
    if volunteer is None:
        raise NotFound()
    return volunteer


def credentials_for(user: User) -> QuerySet[Credential]:
    """Training, awards and evaluations of the volunteers the user may read."""
    return Credential.objects.filter(volunteer__in=volunteers_for(user))


def opportunities_for(user: User) -> QuerySet[Opportunity]:
    return scoped(Opportunity.objects.all(), user, roles=VOLUNTEER_READERS)


def opportunity_for(user: User, pk: int) -> Opportunity:
    opportunity = (
        opportunities_for(user).select_related("scenario", "area", "organiser").filter(pk=pk).first()
    )
    if opportunity is None:
        raise NotFound()
    return opportunity


def signups_for(user: User) -> QuerySet[Signup]:
    return scoped(Signup.objects.all(), user, roles=VOLUNTEER_READERS)


def deeds_for(user: User) -> QuerySet[GoodDeed]:
    return scoped(GoodDeed.objects.all(), user, roles=VOLUNTEER_READERS)


def entries_for(user: User) -> QuerySet[PointsEntry]:
    return scoped(PointsEntry.objects.all(), user, roles=VOLUNTEER_READERS)


def records_for(user: User) -> QuerySet[ServiceRecord]:
    return scoped(ServiceRecord.objects.all(), user, roles=VOLUNTEER_READERS)


def rewards_for(user: User) -> QuerySet[Reward]:
    return scoped(Reward.objects.all(), user, roles=VOLUNTEER_READERS)


def redemptions_for(user: User) -> QuerySet[Redemption]:
    return scoped(Redemption.objects.all(), user, roles=VOLUNTEER_READERS)


def star_thresholds() -> tuple[int, ...]:
    return tuple(getattr(settings, "GONGZHI_VOLUNTEER_STARS", DEFAULT_STARS))


def stars(hours: Decimal | float | int) -> int:
    """1–5 stars by cumulative hours (100/300/600/1000/1500 by default)."""
    return sum(1 for threshold in star_thresholds() if hours >= threshold)


def hours_of(volunteer: Volunteer) -> Decimal:
    return ServiceRecord.objects.filter(volunteer=volunteer).aggregate(total=Sum("hours"))[
        "total"
    ] or Decimal(0)


def hours_by_volunteer(ids) -> dict[int, Decimal]:
    rows = (
        ServiceRecord.objects.filter(volunteer_id__in=list(ids))
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
    )
    return {row["volunteer_id"]: row["total"] or Decimal(0) for row in rows}


def with_totals(qs: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Volunteers with their points balance and hours as two subquery sums (one query for a page)."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    points = (
        PointsEntry.objects.filter(volunteer=OuterRef("pk"))
        .values("volunteer")
        .annotate(t=Sum("points"))
        .values("t")
    )
    hours = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"))
        .values("volunteer")
        .annotate(t=Sum("hours"))
        .values("t")
    )
    return qs.annotate(
        balance=Coalesce(Subquery(points), 0),
        total_hours=Coalesce(
            Subquery(hours), Decimal(0), output_field=ServiceRecord._meta.get_field("hours")
        ),
    )


@dataclass
class Figures:
    registered: int
    verified: int
    active: int
    residents: int
    hours: Decimal
    earned: int
    redeemed: int
    no_shows: int
    party_members: int

    @property
    def share_of_residents(self) -> float | None:
        return round(100 * self.registered / self.residents, 1) if self.residents else None

    @property
    def redemption_ratio(self) -> float | None:
        """Points spent over points earned: Shanghai's 易存难兑 shows as a low ratio."""
        return round(100 * self.redeemed / self.earned, 1) if self.earned else None


def figures(user: User, *, days: int = 90, today: dt.date | None = None) -> Figures:
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
    volunteers = volunteers_for(user).filter(active=True)
    records = records_for(user)
    entries = entries_for(user)
    earned = entries.filter(kind__in=[EntryKind.SERVICE, EntryKind.DEED, EntryKind.CORRECTION], points__gt=0)
    redeemed = entries.filter(kind=EntryKind.REDEEM).aggregate(t=Sum("points"))["t"] or 0
    refunded = entries.filter(kind=EntryKind.REFUND).aggregate(t=Sum("points"))["t"] or 0
    counts = volunteers.aggregate(
        registered=Count("id"),
        verified=Count("id", filter=Q(verification="verified")),
        party=Count("id", filter=Q(party_member=True)),
    )
    residents = scoped(
        Resident.objects.filter(moved_out_on__isnull=True), user, roles=VOLUNTEER_READERS
    ).count()
    return Figures(
        registered=counts["registered"],
        verified=counts["verified"],
        active=records.filter(started_at__gte=since).values("volunteer_id").distinct().count(),
        residents=residents,
        hours=records.aggregate(t=Sum("hours"))["t"] or Decimal(0),
        earned=earned.aggregate(t=Sum("points"))["t"] or 0,
        redeemed=-redeemed - refunded,
        no_shows=signups_for(user).filter(state="no_show").count(),
        party_members=counts["party"],
    )
