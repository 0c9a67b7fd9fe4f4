"""Scoped reads of owners' committees, their votes and audits, and the lists of what is due."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.committees.models import Audit, AuditKind, Committee, Finding, OwnersVote, Stage, Works
from gongzhi.committees.rules import COMMITTEE_READERS
from gongzhi.core.errors import NotFound
from gongzhi.territory.scope import scoped

ANNUAL_AUDIT_LIST_BY = (10, 31)  # the subdistrict lists the estates due for audit by the end of October


def committees_for(user: User) -> QuerySet[Committee]:
    return scoped(Committee.objects.all(), user, roles=COMMITTEE_READERS)


def committee_for(user: User, pk: int) -> Committee:
    committee = (
        committees_for(user)
        .select_related("area", "property_manager", "residents_committee")
        .filter(pk=pk)
        .first()
    )
    if committee is None:
        raise NotFound()
    return committee


def overdue_for(user: User, today: dt.date | None = None) -> QuerySet[Committee]:
    """Committees whose current step is past its due date (the subdistrict's list)."""
    today = today or timezone.localdate()
    return (
        committees_for(user)
        .filter(due_on__lt=today)
        .exclude(stage=Stage.DISSOLVED)
        .select_related("area")
        .order_by("due_on")
    )


def due_within(user: User, days: int, today: dt.date | None = None) -> QuerySet[Committee]:
    today = today or timezone.localdate()
    return (
        committees_for(user)
        .filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=days))
        .exclude(stage=Stage.DISSOLVED)
        .select_related("area")
        .order_by("due_on")
    )


def votes_for(user: User) -> QuerySet[OwnersVote]:
    return scoped(OwnersVote.objects.all(), user, roles=COMMITTEE_READERS)


def vote_for(user: User, pk: int) -> OwnersVote:
    vote = votes_for(user).select_related("committee", "area").filter(pk=pk).first()
    if vote is None:
        raise NotFound()
    return vote


def audits_for(user: User) -> QuerySet[Audit]:
    return scoped(Audit.objects.all(), user, roles=COMMITTEE_READERS)


def audit_due(user: User, year: int) -> QuerySet[Committee]:
    """Committees in term without an annual audit of `year` (listed by the end of next October)."""
    done = Audit.objects.filter(committee=OuterRef("pk"), kind=AuditKind.ANNUAL, year=year)
    return (
        committees_for(user)
        .exclude(stage__in=[Stage.NONE, Stage.PREPARATORY, Stage.FIRST_ASSEMBLY, Stage.DISSOLVED])
        .filter(~Exists(done))
        .select_related("area")
    )


def open_findings(user: User) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(audit__in=audits_for(user), remedied_on__isnull=True)
        .select_related("audit__committee")
        .order_by("due_on")
    )


def audit_for(user: User, pk: int) -> Audit:
    record = audits_for(user).select_related("committee", "area").filter(pk=pk).first()
    if record is None:
        raise NotFound()
    return record


def finding_for(user: User, pk: int) -> Finding:
    finding = Finding.objects.filter(audit__in=audits_for(user), pk=pk).select_related("audit").first()
    if finding is None:
        raise NotFound()
    return finding


def works_for(user: User) -> QuerySet[Works]:
    return scoped(Works.objects.all(), user, roles=COMMITTEE_READERS)


def works_one_for(user: User, pk: int) -> Works:
    works = works_for(user).select_related("committee", "area", "vote").filter(pk=pk).first()
    if works is None:
        raise NotFound()
    return works
