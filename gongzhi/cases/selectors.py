"""Every scoped read of cases. Views, the API, exports and dashboards call these; none builds
its own query. A user sees the cases in its scope subtree; a handler only its unit's cases."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from gongzhi.accounts.models import User
from gongzhi.cases.models import (
    OPEN_STATUSES,
    Action,
    Case,
    CaseEvent,
    Category,
    OutboundMessage,
    Source,
    Status,
)
from gongzhi.cases.rules import CASE_VIEWERS, DISPATCHERS, HANDLERS, LEADERS, TIER_HOLDERS
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.registry.crypto import mask_phone
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.scope import scope_filter

# The one scope filter lives in territory; re-exported for the dashboards and the rollup.
__all__ = ["scope_filter"]


def cases_for(user: User) -> QuerySet[Case]:
    """All cases the user may see. Mirrors the "case.view" permission as a query."""
    if not user.is_authenticated or not user.is_active or user.scope_id is None:
        return Case.objects.none()
    in_scope = scope_filter(user.scope)
    if CASE_VIEWERS.held_by(user):
        return Case.objects.filter(in_scope)
    if HANDLERS.held_by(user) and user.unit_id:
        return (
            Case.objects.filter(in_scope)
            .filter(Q(assigned_unit_id=user.unit_id) | Q(co_units=user.unit_id))
            .distinct()
        )
    return Case.objects.none()


def sees_whole_scope(user: User) -> bool:
    """Whether `cases_for(user)` is every case of the user's area (not only a unit's), so that
    counts may come from the area-keyed rollup."""
    return bool(user.is_authenticated and user.scope_id and CASE_VIEWERS.held_by(user))


def case_for(user: User, number: str) -> Case:
    """One case by number, or NotFound when it does not exist or lies outside the user's view."""
    case = (
        cases_for(user)
        .select_related("area", "category", "category__parent", "assigned_unit", "subdistrict", "master")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def messages_for(user: User) -> QuerySet[OutboundMessage]:
    """Messages to reporters of the cases the user may see, newest first."""
    in_cases = Q(case__in=cases_for(user))
    if CASE_VIEWERS.held_by(user):
        # One-time codes for the public pages of the user's area (in the demo's outbox only
        # these show the code: a real SMS channel blanks it once sent).
        in_cases |= Q(case__isnull=True) & scope_filter(user.scope, area_field="subdistrict")
    return OutboundMessage.objects.filter(in_cases).select_related("case").order_by("-created_at")


def reporter_phone_for(user: User, phone: str) -> str:
    """The one rule for a reporter's number on every staff page (the case, the outbox): in full
    for those who call reporters back (`outbox.phone`), masked by the registry's helper (the same
    138****5678 as a resident's number) for everyone else."""
    if not phone:
        return ""
    return phone if permissions.has(user, "outbox.phone") else mask_phone(phone)


def events_since(case: Case) -> dt.datetime:
    return case.created_at - dt.timedelta(days=1)


def timeline(case: Case) -> QuerySet[CaseEvent]:
    """A case's events in order. The lower bound on time changes no answer (no event precedes
    its case; a day's margin for clock skew) but lets PostgreSQL skip the months before the
    case where events are partitioned by month (`gongzhi partition`, docs/scale.md)."""
    return (
        case.events.filter(created_at__gte=events_since(case))
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("seq")
    )


@dataclass
class QueueFilters:
    view: str = "all"  # todo | mine | unit | tier | all
    status: str = ""  # a status, "open" (default) or "any"
    category: int | None = None
    area: int | None = None
    source: str = ""
    tier: int | None = None
    overdue: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""
    extra: dict = field(default_factory=dict)


def _cursor_encode(case: Case) -> str:
    raw = f"{case.next_due.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _cursor_decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        due, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment = parse_datetime(due)
        if moment is None:
            raise ValueError(due)
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("分页参数无效。", code="bad_cursor") from exc


def needs_action(user: User) -> Q:
    """The cases waiting for this user's action now (the queue's 待我处理, where everyone lands):
    dispatchers take in new reports, verify replies and close verified cases; leaders decide
    suspensions and tier-3 coordination; a unit's members handle what is assigned to their unit;
    and every open case past its deadline in the user's list needs someone now."""
    now = timezone.now()
    wanted = Q(status__in=OPEN_STATUSES, next_due__lt=now)
    if DISPATCHERS.held_by(user):
        wanted |= Q(status__in=[Status.REPORTED, Status.ACCEPTED, Status.REPLIED, Status.VERIFIED])
    if LEADERS.held_by(user):
        wanted |= Q(suspension_requested=True) | Q(status=Status.ASSIGNED, tier=3)
    if user.unit_id:
        co_handled = Case.co_units.through.objects.filter(unit_id=user.unit_id).values("case_id")
        wanted |= Q(status=Status.ASSIGNED) & (Q(assigned_unit_id=user.unit_id) | Q(pk__in=co_handled))
    return wanted


def _within_subdistrict(user: User) -> Q:
    """For a scope below a subdistrict (a grid, a neighbourhood): its subdistrict as well. The
    filter changes no answer (every case of the scope is in that subdistrict) but lets SQLite and
    PostgreSQL walk the (subdistrict, next_due, id) index in the queue's order and stop after a
    page, instead of reading the scope's whole history and sorting it (docs/scale.md, "The grid
    worker's deep page"). Used only for pages over finished cases too: for open cases the
    (area, status) index is narrower."""
    scope = user.scope
    if scope is None or scope.kind in (AreaKind.SUBDISTRICT, AreaKind.DISTRICT) or not scope.subdistrict_id:
        return Q()
    return Q(subdistrict_id=scope.subdistrict_id)


def queue(user: User, filters: QueueFilters, *, after: str = "", limit: int = 25) -> tuple[list[Case], str]:
    """A page of the user's work queue, most urgent first (overdue, then due soonest), with the
    cursor of the next page ("" at the end). Keyset pagination on (next_due, id)."""
    qs = cases_for(user)
    if filters.view == "todo":
        qs = qs.filter(needs_action(user))
    elif filters.view == "mine":
        qs = (
            qs.filter(Q(assigned_unit_id=user.unit_id) | Q(reported_by=user))
            if user.unit_id
            else qs.filter(reported_by=user)
        )
    elif filters.view == "unit":
        qs = (
            qs.filter(Q(assigned_unit_id=user.unit_id) | Q(co_units=user.unit_id))
            if user.unit_id
            else qs.none()
        )
    elif filters.view == "tier":
        tiers = [tier for tier, holders in TIER_HOLDERS.items() if holders.held_by(user)]
        qs = qs.filter(tier__in=tiers) if tiers else qs
    status = filters.status or "open"
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status != "any":
        qs = qs.filter(status=status)
    if status not in ("open", *OPEN_STATUSES):
        qs = qs.filter(_within_subdistrict(user))
    if filters.category:
        qs = qs.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.area:
        area = Area.objects.filter(pk=filters.area).first()
        qs = qs.filter(area__path__startswith=area.path) if area else qs.none()
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.overdue:
        qs = qs.filter(next_due__lt=timezone.now(), status__in=OPEN_STATUSES)
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    if filters.q:
        qs = qs.filter(
            Q(number=filters.q.strip())
            | Q(title__contains=filters.q.strip())
            | Q(address__contains=filters.q.strip())
        )
    if after:
        due, pk = _cursor_decode(after)
        qs = qs.filter(Q(next_due__gt=due) | Q(next_due=due, pk__gt=pk))
    rows = list(
        qs.select_related("area", "category", "assigned_unit").order_by("next_due", "pk")[: limit + 1]
    )
    next_cursor = _cursor_encode(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).select_related("parent")


def public_categories() -> QuerySet[Category]:
    """The second-level categories the public form offers, in the deployment's order: those with a
    public position (`Category.public_sort`); every active one if the deployment chose none."""
    leaves = Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
    chosen = leaves.filter(public_sort__isnull=False)
    if chosen.exists():
        return chosen.select_related("parent").order_by("public_sort", "sort", "code")
    return leaves.select_related("parent").order_by("parent__sort", "sort", "code")


def category_tree() -> list[tuple[Category, list[Category]]]:
    items = list(categories())
    tops = [c for c in items if c.parent_id is None]
    return [(top, [c for c in items if c.parent_id == top.pk]) for top in tops]


def track_public(number: str, phone_last4: str) -> Case:
    """A case as its reporter finds it: by number and the last four digits of the phone."""
    number, phone_last4 = (number or "").strip(), (phone_last4 or "").strip()
    if not number or len(phone_last4) != 4 or not phone_last4.isdigit():
        raise DomainError("请输入工单编号和手机号后四位。")
    case = (
        Case.objects.select_related("category", "area", "master")
        .filter(number=number, reporter_phone_last4=phone_last4)
        .exclude(reporter_phone_last4="")
        .first()
    )
    if case is None:
        raise NotFound("没有找到这个编号的工单，或手机号后四位不符。")
    return case


def public_timeline(case: Case) -> list[CaseEvent]:
    """What the reporter may see: the steps, without staff names or internal notes."""
    public_actions = {
        "report",
        "accept",
        "assign",
        "escalate",
        "reply",
        "close",
        "rate",
        "reopen",
        "merge",
        "reject",
    }
    return [e for e in timeline(case) if e.action in public_actions]


def cases_about_resident(user: User, resident) -> QuerySet[Case]:
    """Cases in the user's view about a registry resident: filed at the dwelling's address or
    reported from the resident's phone (compared on the server, never shown)."""
    cond = Q(pk__in=[])
    if resident.dwelling_id:
        cond |= Q(address=resident.dwelling.address)
    phone = resident.unseal("phone")
    if phone:
        cond |= Q(reporter_phone=phone)
    return cases_for(user).filter(cond).distinct().select_related("category").order_by("-created_at")[:20]


# ---------------------------------------------------------------- 现场即办 spot checks

# At least one on-site case in ten is checked each month, and never fewer than three where there
# are that many: the sample a dispatcher works through (docs/case-loop.md).
ONSITE_SAMPLE_SHARE = 0.1
ONSITE_SAMPLE_MINIMUM = 3


@dataclass
class OnsiteSample:
    month: dt.date
    total: int  # on-site cases recorded that month in the scope
    cases: list[Case]  # the sample, oldest first; each with .checked and .passed set
    checked: int


def _draw(month: dt.date, number: str) -> float:
    """The case's draw in [0, 1) for the month: a keyed hash of its number, so the sample is the
    same for every dispatcher and every look all month, and nobody who records cases (or reads
    the code) can tell which ones will be drawn without the server's secret."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"onsite-sample:{month:%Y-%m}:{number}".encode(), hashlib.sha256
    ).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def onsite_sample(
    user: User,
    *,
    month: dt.date,
    share: float = ONSITE_SAMPLE_SHARE,
    minimum: int = ONSITE_SAMPLE_MINIMUM,
) -> OnsiteSample:
    """The month's random spot-check sample of the 现场即办 cases in the user's scope. A case is in
    it when its draw is below `share` (so a case stays in as more are recorded), topped up with the
    lowest draws to `minimum`. Three queries whatever the month's size."""
    month = month.replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(following, dt.time.min, tzinfo=zone)
    recorded = cases_for(user).filter(source=Source.ONSITE, created_at__gte=start, created_at__lt=end)
    draws = sorted((_draw(month, number), pk) for pk, number in recorded.values_list("pk", "number"))
    chosen = [pk for draw, pk in draws if draw < share]
    if len(chosen) < minimum:
        chosen = [pk for _draw_value, pk in draws[: min(minimum, len(draws))]]
    cases = list(
        Case.objects.filter(pk__in=chosen).select_related("area", "category").order_by("created_at", "pk")
    )
    checks = {
        e.case_id: bool((e.data or {}).get("passed"))
        for e in CaseEvent.objects.filter(case_id__in=chosen, action=Action.ONSITE_CHECK).only(
            "case_id", "data"
        )
    }
    for case in cases:
        case.checked = case.pk in checks
        case.passed = checks.get(case.pk)
    return OnsiteSample(month=month, total=len(draws), cases=cases, checked=len(checks))
