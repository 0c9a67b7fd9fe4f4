"""Scoped reads of care: who is cared for, dues, check-ins, alerts, a person's timeline, figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.care.models import (
    REACHED,
    Alert,
    AlertState,
    AssigneeKind,
    Assignment,
    CareGroup,
    CheckIn,
    Due,
    Recipient,
)
from gongzhi.care.rules import CARE_READERS, CARE_WORKERS
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotFound
from gongzhi.registry import selectors as registry
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.scope import overlapping, scoped


def recipients_for(user: User) -> QuerySet[Recipient]:
    return scoped(Recipient.objects.all(), user, roles=CARE_READERS)


def recipient_for(user: User, pk: int) -> Recipient:
    recipient = recipients_for(user).select_related("resident__dwelling", "area").filter(pk=pk).first()
    if recipient is None:
        raise NotFound()
    return recipient


def groups_for(user: User) -> QuerySet[CareGroup]:
    """Saved groups whose area is inside the user's scope or contains it."""
    if not CARE_READERS.held_by(user):
        return CareGroup.objects.none()
    return overlapping(CareGroup.objects.all(), user)


def group_for(user: User, pk: int) -> CareGroup:
    group = groups_for(user).select_related("area").filter(pk=pk).first()
    if group is None:
        raise NotFound()
    return group


def assignments_for(user: User) -> QuerySet[Assignment]:
    return scoped(Assignment.objects.all(), user, roles=CARE_READERS)


def assignment_for(user: User, pk: int) -> Assignment:
    assignment = (
        assignments_for(user)
        .select_related("recipient__resident", "user", "volunteer", "organization")
        .filter(pk=pk)
        .first()
    )
    if assignment is None:
        raise NotFound()
    return assignment


@dataclass
class Candidates:
    """Who may be assigned to a cared-for person, for the assignment form."""

    staff: list
    volunteers: list
    units: list


def candidates_for(recipient: Recipient) -> Candidates:
    """Staff who may do contacts where the person lives, the active volunteers and the
    organisations (alliance member units) of the person's subdistrict."""
    from gongzhi.registry.models import Organization
    from gongzhi.volunteers.models import Volunteer

    ancestors = [int(x) for x in recipient.area.path.strip("/").split("/") if x]
    staff = [
        u
        for u in User.objects.filter(
            is_active=True, scope_id__in=ancestors, groups__name__in=CARE_WORKERS.codes
        )
        .select_related("scope")
        .distinct()
        .order_by("username")
        if permissions.has(u, "care.check_in", recipient)
    ]
    volunteers = list(
        Volunteer.objects.filter(subdistrict_id=recipient.subdistrict_id, active=True).order_by("name", "pk")[
            :500
        ]
    )
    units = list(
        Organization.objects.filter(subdistrict_id=recipient.subdistrict_id).order_by("name", "pk")[:500]
    )
    return Candidates(staff, volunteers, units)


STAFF_KINDS = (AssigneeKind.GRIDWORKER, AssigneeKind.NEIGHBOURHOOD)
VOLUNTEER_KINDS = (AssigneeKind.VOLUNTEER, AssigneeKind.NEIGHBOUR)


def dues_for(user: User) -> QuerySet[Due]:
    return scoped(Due.objects.all(), user, roles=CARE_READERS)


def check_ins_for(user: User) -> QuerySet[CheckIn]:
    return scoped(CheckIn.objects.all(), user, roles=CARE_READERS)


def alerts_for(user: User) -> QuerySet[Alert]:
    return scoped(Alert.objects.all(), user, roles=CARE_READERS)


def alert_for(user: User, pk: int) -> Alert:
    alert = (
        alerts_for(user)
        .select_related("recipient__resident", "area", "due", "check_in")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise NotFound()
    return alert


def round_for(user: User, *, today: dt.date, mine: bool = False) -> QuerySet[Due]:
    """The open contacts due by today in the user's scope (overdue first), for the morning round."""
    qs = (
        dues_for(user)
        .filter(met_at__isnull=True, due_on__lte=today, recipient__active=True)
        .select_related("recipient__resident__dwelling", "recipient__area")
        .order_by("due_on", "recipient__area_id", "id")
    )
    if mine:
        qs = qs.filter(recipient__assignments__active=True, recipient__assignments__user=user)
    return qs


@dataclass
class TimelineItem:
    at: dt.datetime
    kind: str
    label: str
    text: str
    url: str = ""


def timeline(user: User, recipient: Recipient) -> list[TimelineItem]:
    """Contacts, visits, cases, tags and services of a cared-for person, for a user who may see
    the person (the caller has checked `care.view`). Tags only for those who may see tags, and
    the reading is written to the access log."""
    from django.urls import reverse

    from gongzhi.accounts.models import AccessLog
    from gongzhi.visits.selectors import visits_for
    from gongzhi.volunteers.models import ServiceRecord

    resident = recipient.resident
    items: list[TimelineItem] = []
    check_ins = list(
        check_ins_for(user)
        .filter(recipient=recipient)
        .select_related("by_user", "by_volunteer")
        .prefetch_related("cases")[:200]
    )
    for c in check_ins:
        items.append(
            TimelineItem(
                c.at,
                "check_in",
                f"{c.get_mode_display()} · {c.get_outcome_display()}",
                f"{c.by} {c.note}".strip(),
            )
        )
        for case in c.cases.all():
            items.append(
                TimelineItem(
                    case.created_at,
                    "case",
                    _("工单"),
                    f"{case.number} {case.title}",
                    reverse("cases:detail", args=[case.pk]),
                )
            )
    visits = visits_for(user).filter(
        Q(met=resident) | Q(household_id=resident.household_id) if resident.household_id else Q(met=resident)
    )
    for v in visits.select_related("visitor")[:100]:
        moment = timezone.make_aware(dt.datetime.combine(v.visited_on, dt.time(12)))
        items.append(
            TimelineItem(moment, "visit", _("走访"), v.findings[:80], reverse("visits:detail", args=[v.pk]))
        )
    for record in ServiceRecord.objects.filter(
        source_ref__in=[f"checkin:{c.pk}" for c in check_ins]
    ).select_related("volunteer"):
        items.append(
            TimelineItem(record.started_at, "service", _("志愿服务"), f"{record.volunteer} {record.hours}h")
        )
    if permissions.has(user, "resident.tags", resident):
        for tag in registry.tags_of(user, resident):
            moment = timezone.make_aware(dt.datetime.combine(tag.valid_from, dt.time(0)))
            text = tag.tag.name + (f"（{_('至')} {tag.valid_until}）" if tag.valid_until else "")
            items.append(TimelineItem(moment, "tag", _("标签"), text))
        AccessLog.objects.create(
            user=user, action="view:care_tags", object_type="resident", object_id=str(resident.pk)
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items


@dataclass
class AreaFigures:
    area: Area
    covered: int = 0
    due: int = 0
    on_time: int = 0
    not_contacted: int = 0
    alerts_open: int = 0

    @property
    def on_time_rate(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


def figures(
    user: User, *, today: dt.date, days: int = 30, silent_days: int = 7
) -> tuple[list[AreaFigures], AreaFigures]:
    """Per child area of the user's scope (grid, neighbourhood…): people covered, contacts due in
    the last `days` and how many were made on time, people not reached for `silent_days`, open
    alerts. A fixed number of queries whatever the number of areas."""
    scope = user.scope
    children = list(Area.objects.filter(parent=scope).order_by("kind", "name")) if scope else []
    rows = {c.path: AreaFigures(c) for c in children}
    total = AreaFigures(scope)

    def bucket(path: str) -> AreaFigures | None:
        for prefix, row in rows.items():
            if path.startswith(prefix):
                return row
        return None

    since = today - dt.timedelta(days=days)
    last_reached = (
        CheckIn.objects.filter(recipient=OuterRef("pk"), outcome__in=REACHED).order_by("-at").values("at")[:1]
    )
    silent_since = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=silent_days), dt.time.min)
    )
    people = recipients_for(user).filter(active=True).annotate(last=Subquery(last_reached))
    for path, last, enrolled in people.values_list("area__path", "last", "enrolled_on"):
        silent = (last is None and enrolled <= today - dt.timedelta(days=silent_days)) or (
            last is not None and last < silent_since
        )
        for row in (bucket(path), total):
            if row is not None:
                row.covered += 1
                row.not_contacted += silent
    dues = dues_for(user).filter(due_on__gte=since, due_on__lt=today)
    for path, met_at, due_on in dues.values_list("area__path", "met_at", "due_on"):
        made = met_at is not None and timezone.localtime(met_at).date() <= due_on
        for row in (bucket(path), total):
            if row is not None:
                row.due += 1
                row.on_time += made
    for path in alerts_for(user).exclude(state=AlertState.CLOSED).values_list("area__path", flat=True):
        for row in (bucket(path), total):
            if row is not None:
                row.alerts_open += 1
    return list(rows.values()), total


def by_member_unit(user: User) -> list[dict]:
    """Per alliance member unit (an organisation assigned as carer): people it looks after."""
    return list(
        Assignment.objects.filter(active=True, organization__isnull=False, recipient__in=recipients_for(user))
        .values("organization__name")
        .annotate(people=Count("recipient", distinct=True))
        .order_by("-people", "organization__name")
    )


def overdue_for(user: User, *, today: dt.date, risk: str = "", grid: Area | None = None) -> QuerySet[Due]:
    """The open dues past their day in the user's scope, for the map and its click-through;
    optionally of one risk level, or of the people living in one grid."""
    qs = round_for(user, today=today).filter(due_on__lt=today)
    if risk:
        qs = qs.filter(recipient__risk=risk)
    if grid is not None:
        qs = qs.filter(recipient__area__path__startswith=grid.path)
    return qs


def grids_for(user: User) -> QuerySet[Area]:
    """The grids inside the user's scope (a grid worker: their own), for the map's filter."""
    if user.scope_id is None:
        return Area.objects.none()
    return Area.objects.filter(kind=AreaKind.GRID, path__startswith=user.scope.path).order_by("path")


def area_in_scope(user: User, pk: int) -> Area:
    """An area inside the user's scope (a building or estate the map draws)."""
    area = Area.objects.filter(pk=pk, path__startswith=user.scope.path).first() if user.scope_id else None
    if area is None:
        raise NotFound()
    return area


def overdue_by_area(user: User, *, today: dt.date) -> list[tuple[Area, int]]:
    """How many people are overdue in each estate/building area (for the map, from the outlines)."""
    counts: dict[int, int] = {}
    for area_id in (
        round_for(user, today=today).filter(due_on__lt=today).values_list("recipient__area_id", flat=True)
    ):
        counts[area_id] = counts.get(area_id, 0) + 1
    areas = Area.objects.in_bulk(list(counts))
    return [(areas[pk], n) for pk, n in counts.items()]
