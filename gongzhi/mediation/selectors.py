"""Scoped reads of disputes, the overdue list and the figures (received, mediated, agreed,
held after three months)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotFound
from gongzhi.mediation.models import Dispute, Party, Status
from gongzhi.mediation.rules import DISPUTE_READERS
from gongzhi.territory.scope import scoped


def disputes_for(user: User) -> QuerySet[Dispute]:
    return scoped(Dispute.objects.all(), user, roles=DISPUTE_READERS)


def dispute_for(user: User, pk: int) -> Dispute:
    dispute = (
        disputes_for(user)
        .select_related("area", "mediator", "case", "referred_case", "registered_by")
        .filter(pk=pk)
        .first()
    )
    if dispute is None:
        raise NotFound()
    return dispute


def listing_for(user: User, *, status: str = "", kind: str = "") -> QuerySet[Dispute]:
    """The ledger page's rows, with what the list shows fetched in the same query."""
    qs = disputes_for(user).select_related("area", "mediator").prefetch_related("parties")
    if status == "open":
        qs = qs.filter(status__in=[Status.APPLIED, Status.ACCEPTED, Status.MEDIATING])
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def overdue_for(user: User, now: dt.datetime | None = None) -> QuerySet[Dispute]:
    now = now or timezone.now()
    return disputes_for(user).filter(
        Q(status=Status.APPLIED, accept_due_at__lt=now)
        | Q(status__in=[Status.ACCEPTED, Status.MEDIATING], mediation_due_at__lt=now)
    )


def follow_ups_due_for(user: User, on: dt.date | None = None) -> QuerySet[Dispute]:
    """Agreed disputes whose three-month check has come."""
    on = on or timezone.localdate()
    return disputes_for(user).filter(status=Status.AGREED, agreement__held_check_on__lte=on)


def mask_name(name: str) -> str:
    """王*英 / 李* : the family name and, for longer names, the last character."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def party_name(user: User, party: Party, dispute: Dispute) -> str:
    if permissions.has(user, "dispute.parties", dispute):
        return party.name
    return mask_name(party.name)


@dataclass
class Figures:
    received: int
    accepted: int
    agreed: int
    held: int
    broken: int
    failed: int
    open: int

    @property
    def agreement_rate(self) -> int | None:
        """Agreements out of the disputes mediated to an end (agreed or failed)."""
        ended = self.agreed + self.failed
        return round(100 * self.agreed / ended) if ended else None

    @property
    def held_rate(self) -> int | None:
        """Agreements that held at the three-month check, out of those checked."""
        checked = self.held + self.broken
        return round(100 * self.held / checked) if checked else None


AGREED_OR_AFTER = [Status.AGREED, Status.HELD, Status.BROKEN]


def figures_for(user: User, *, since: dt.date | None = None, until: dt.date | None = None) -> Figures:
    """Disputes received in the period (by application date) and where they stand now. One query."""
    qs = disputes_for(user)
    if since:
        qs = qs.filter(applied_at__date__gte=since)
    if until:
        qs = qs.filter(applied_at__date__lte=until)
    row = qs.aggregate(
        received=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        agreed=Count("pk", filter=Q(status__in=AGREED_OR_AFTER)),
        held=Count("pk", filter=Q(status=Status.HELD)),
        broken=Count("pk", filter=Q(status=Status.BROKEN)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        open=Count("pk", filter=Q(status__in=[Status.APPLIED, Status.ACCEPTED, Status.MEDIATING])),
    )
    return Figures(**row)
