"""Every write of events and registrations. A registration's moves go through
`transitions.TRANSITIONS`; seats are taken and given back on the locked event row, whose
`seats_taken` a database constraint keeps within capacity."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.cases.phonecodes import CodeRefused, normalise_phone
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError, NotFound
from gongzhi.core.events import DomainSignal
from gongzhi.events import transitions
from gongzhi.events.models import (
    ACTIVE,
    SEATED,
    Allocation,
    Attendance,
    Event,
    EventSession,
    EventStatus,
    Kind,
    ListeningItem,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
    Series,
)
from gongzhi.events.transitions import Action
from gongzhi.registry.crypto import blind_index, mask_phone
from gongzhi.registry.models import Resident
from gongzhi.territory.models import Area

R = RegistrationStatus
# kwargs: event_id, registration_id, action, subdistrict_id — after commit (the interaction index
# and volunteers' points observe attendance and feedback through it).
registration_changed = DomainSignal()

CHECK_IN_EARLY = dt.timedelta(hours=2)
CHECK_IN_LATE = dt.timedelta(hours=1)


@dataclass
class SessionSpec:
    starts_at: dt.datetime
    ends_at: dt.datetime
    topic: str = ""


def _text(value: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("请填写%(field)s。") % {"field": label}, details={"field": label})
    return value[:limit]


@transaction.atomic
def create_event(
    *,
    actor: User,
    area: Area,
    kind: str,
    title: str,
    venue: str,
    capacity: int,
    registration_opens_at: dt.datetime,
    registration_closes_at: dt.datetime,
    sessions: list[SessionSpec],
    allocation: str = Allocation.FIRST_COME,
    waitlist_limit: int = 0,
    fee: Decimal | int = 0,
    min_age: int | None = None,
    max_age: int | None = None,
    residents_only: bool = False,
    audience_note: str = "",
    description: str = "",
    series: Series | None = None,
    completion_sessions: int | None = None,
    organization=None,
) -> Event:
    permissions.require(actor, "event.manage", area)
    if kind not in Kind.values:
        raise DomainError(_("请选择活动类型。"), details={"field": "kind"})
    if allocation not in Allocation.values:
        raise DomainError(_("请选择名额分配方式。"), details={"field": "allocation"})
    if area.subdistrict_id is None:
        raise DomainError(_("请选择街道或以下的区域。"), details={"field": "area"})
    if not isinstance(capacity, int) or capacity < 1 or capacity > 100000:
        raise DomainError(_("名额须为 1 到 100000 之间的整数。"), details={"field": "capacity"})
    if waitlist_limit < 0:
        raise DomainError(_("候补人数不能为负数。"), details={"field": "waitlist_limit"})
    if registration_closes_at <= registration_opens_at:
        raise DomainError(_("报名截止时间须晚于报名开始时间。"), details={"field": "registration_closes_at"})
    if min_age is not None and max_age is not None and max_age < min_age:
        raise DomainError(_("年龄范围无效。"), details={"field": "max_age"})
    if Decimal(fee) < 0:
        raise DomainError(_("费用不能为负数。"), details={"field": "fee"})
    if not sessions:
        raise DomainError(_("请至少安排一个场次。"), details={"field": "sessions"})
    ordered = sorted(sessions, key=lambda s: s.starts_at)
    for spec in ordered:
        if spec.ends_at <= spec.starts_at:
            raise DomainError(_("场次结束时间须晚于开始时间。"), details={"field": "sessions"})
    if ordered[0].starts_at < registration_closes_at - dt.timedelta(days=400):
        raise DomainError(_("场次时间与报名时间相差过远。"), details={"field": "sessions"})
    if completion_sessions is not None and not 1 <= completion_sessions <= len(ordered):
        raise DomainError(_("结业出勤次数须在 1 到场次数之间。"), details={"field": "completion_sessions"})
    if series is not None and series.subdistrict_id != area.subdistrict_id:
        raise DomainError(_("活动系列不属于该街道。"), details={"field": "series"})
    event = Event.objects.create(
        subdistrict_id=area.subdistrict_id,
        area=area,
        series=series,
        kind=kind,
        title=_text(title, _("活动名称"), 120),
        description=(description or "").strip()[:4000],
        venue=_text(venue, _("活动地点"), 200),
        organization=organization,
        organiser=actor,
        allocation=allocation,
        capacity=capacity,
        waitlist_limit=waitlist_limit,
        fee=fee,
        min_age=min_age,
        max_age=max_age,
        residents_only=residents_only,
        audience_note=(audience_note or "")[:80],
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        completion_sessions=completion_sessions,
    )
    EventSession.objects.bulk_create(
        EventSession(event=event, number=i, starts_at=s.starts_at, ends_at=s.ends_at, topic=s.topic[:120])
        for i, s in enumerate(ordered, start=1)
    )
    audit.record(actor=actor, action="event.create", target=event, data={"capacity": capacity})
    return event


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def publish_event(*, event: Event, actor: User) -> Event:
    event = _lock_event(event)
    permissions.require(actor, "event.manage", event)
    if event.status != EventStatus.DRAFT:
        raise DomainError(_("只有草稿状态的活动可以发布。"), code="invalid_transition")
    event.status = EventStatus.PUBLISHED
    event.version += 1
    event.save(update_fields=["status", "version", "updated_at"])
    audit.record(actor=actor, action="event.publish", target=event)
    return event


@transaction.atomic
def cancel_event(*, event: Event, actor: User, reason: str) -> Event:
    event = _lock_event(event)
    permissions.require(actor, "event.manage", event)
    if event.status in (EventStatus.HELD, EventStatus.CANCELLED):
        raise DomainError(_("活动已结束或已取消。"), code="invalid_transition")
    reason = _text(reason, _("取消原因"), 200)
    event.status = EventStatus.CANCELLED
    event.version += 1
    event.save(update_fields=["status", "version", "updated_at"])
    audit.record(actor=actor, action="event.cancel", target=event, data={"reason": reason})
    return event


def _log(registration: Registration, *, action: str, before: str, actor: User | None, now) -> None:
    RegistrationEvent.objects.create(
        registration=registration,
        at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=before,
        to_status=registration.status,
    )
    registration_changed.send_on_commit(
        sender=Registration,
        event_id=registration.event_id,
        registration_id=registration.pk,
        action=action,
        subdistrict_id=registration.subdistrict_id,
    )


def _move(registration: Registration, *, action: str, actor: User | None, now, fields=()) -> None:
    before = registration.status
    registration.status = transitions.target(before, action)
    registration.save(update_fields=["status", "updated_at", *fields])
    _log(registration, action=action, before=before, actor=actor, now=now)


def _next_queue(event: Event) -> int:
    return (event.registrations.aggregate(m=Max("queue"))["m"] or 0) + 1


def _first_session(event: Event) -> EventSession | None:
    return event.sessions.order_by("starts_at").first()


def _check_audience(event: Event, *, phone: str, birth_year: int | None, now) -> None:
    if event.min_age is not None or event.max_age is not None:
        if birth_year is None:
            raise DomainError(_("该活动有年龄要求，请填写出生年份。"), details={"field": "birth_year"})
        first = _first_session(event)
        year = timezone.localtime(first.starts_at if first else now).year
        age = year - birth_year
        if not 0 <= age <= 120:
            raise DomainError(_("出生年份无效。"), details={"field": "birth_year"})
        if (event.min_age is not None and age < event.min_age) or (
            event.max_age is not None and age > event.max_age
        ):
            raise DomainError(
                _("该活动面向 %(low)s–%(high)s 岁的居民。")
                % {"low": event.min_age or 0, "high": event.max_age or "∞"},
                code="audience",
            )
    if event.residents_only:
        known = Resident.objects.filter(
            subdistrict_id=event.subdistrict_id,
            phone_hash=blind_index(phone, kind="phone"),
            moved_out_on__isnull=True,
        ).exists()
        if not known:
            raise DomainError(_("该活动仅限本街道登记居民报名，请联系居委会。"), code="audience")


@transaction.atomic
def register(
    *,
    event: Event,
    name: str,
    phone: str,
    birth_year: int | None = None,
    actor: User | None = None,
    resident: Resident | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """报名. First come: a seat if one is free and nobody waits, else the waiting list, else
    refused. Lottery: an application, drawn after registration closes."""
    now = now or timezone.now()
    if actor is not None:
        permissions.require(actor, "event.manage", event)
    try:
        phone = normalise_phone(phone)
    except CodeRefused as exc:
        raise DomainError(exc.message, details={"field": "phone"}) from None
    name = _text(name, _("姓名"), 40)
    event = _lock_event(event)
    if event.status != EventStatus.PUBLISHED:
        raise DomainError(_("该活动当前不接受报名。"), code="closed")
    if now < event.registration_opens_at:
        raise DomainError(_("报名尚未开始。"), code="not_open")
    if now > event.registration_closes_at:
        raise DomainError(_("报名已截止。"), code="closed")
    phone_hash = blind_index(phone, kind="phone")
    if event.registrations.filter(phone_hash=phone_hash).exclude(status=R.CANCELLED).exists():
        raise Conflict(_("这个手机号已报名该活动。"), code="duplicate")
    _check_audience(event, phone=phone, birth_year=birth_year, now=now)
    if event.series_id and event.series.per_person_cap:
        held = Registration.objects.filter(
            event__series_id=event.series_id, phone_hash=phone_hash, status__in=ACTIVE
        ).count()
        if held >= event.series.per_person_cap:
            raise DomainError(
                _("%(series)s 每人最多报名 %(cap)s 门。")
                % {"series": event.series.name, "cap": event.series.per_person_cap},
                code="per_person_cap",
            )
    queue = None
    if event.allocation == Allocation.LOTTERY:
        status = R.APPLIED
    elif event.seats_left > 0 and not event.registrations.filter(status=R.WAITLISTED).exists():
        status = R.REGISTERED
    elif event.registrations.filter(status=R.WAITLISTED).count() < event.waitlist_limit:
        status, queue = R.WAITLISTED, _next_queue(event)
    else:
        raise Conflict(_("名额已满，候补也已满。"), code="full")
    registration = Registration.objects.create(
        subdistrict_id=event.subdistrict_id,
        area_id=event.area_id,
        event=event,
        name=name,
        phone_hash=phone_hash,
        phone_mask=mask_phone(phone),
        birth_year=birth_year,
        resident=resident,
        registered_by=actor,
        status=status,
        queue=queue,
        code=secrets.token_urlsafe(12),
    )
    if status in SEATED:
        event.seats_taken += 1
        event.save(update_fields=["seats_taken", "updated_at"])
    _log(registration, action=Action.REGISTER, before="", actor=actor, now=now)
    return registration


def _promote(event: Event, *, actor: User | None, now) -> list[Registration]:
    """Fill free seats from the front of the waiting list (event locked by the caller)."""
    promoted = []
    first = _first_session(event)
    if event.status != EventStatus.PUBLISHED or (first is not None and now >= first.starts_at):
        return promoted
    if event.allocation == Allocation.LOTTERY and event.lottery_drawn_at is None:
        return promoted
    while event.seats_left > 0:
        nxt = event.registrations.filter(status=R.WAITLISTED).order_by("queue", "pk").first()
        if nxt is None:
            break
        nxt.promoted_at = now
        _move(nxt, action=Action.PROMOTE, actor=actor, now=now, fields=["promoted_at"])
        event.seats_taken += 1
        promoted.append(nxt)
    event.save(update_fields=["seats_taken", "updated_at"])
    return promoted


def registration_by_code(code: str) -> Registration:
    registration = Registration.objects.select_related("event").filter(code=(code or "").strip()).first()
    if registration is None:
        raise NotFound(_("未找到该报名，请核对签到码。"))
    return registration


@transaction.atomic
def cancel_registration(
    *, registration: Registration, actor: User | None = None, code: str = "", now: dt.datetime | None = None
) -> Registration:
    """取消报名, by the registrant (with the code from their confirmation) or an organiser; a
    freed seat goes to the first on the waiting list."""
    now = now or timezone.now()
    event = _lock_event(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if actor is not None and actor.is_authenticated:
        permissions.require(actor, "event.manage", event)
    elif not code or not secrets.compare_digest(code, registration.code):
        raise NotFound(_("未找到该报名，请核对签到码。"))
    first = _first_session(event)
    if first is not None and now >= first.starts_at:
        raise DomainError(_("活动已开始，不能取消报名。"), code="started")
    was_seated = registration.status in SEATED
    registration.cancelled_at = now
    _move(registration, action=Action.CANCEL, actor=actor, now=now, fields=["cancelled_at"])
    if was_seated:
        event.seats_taken -= 1
        event.save(update_fields=["seats_taken", "updated_at"])
        _promote(event, actor=actor, now=now)
    return registration


def draw(applicant_ids: list[int], seats: int, seed: str) -> tuple[list[int], list[int]]:
    """The lottery: a seeded shuffle of the applicants in id order; the first `seats` win, the
    rest wait in drawn order. The same seed always draws the same result (it can be re-checked)."""
    order = sorted(applicant_ids)
    random.Random(seed).shuffle(order)
    return order[: max(seats, 0)], order[max(seats, 0) :]


@transaction.atomic
def draw_lottery(
    *, event: Event, actor: User, seed: str | None = None, now: dt.datetime | None = None
) -> tuple[int, int]:
    """抽签 after registration closes; returns (winners, waiting)."""
    now = now or timezone.now()
    event = _lock_event(event)
    permissions.require(actor, "event.manage", event)
    if event.allocation != Allocation.LOTTERY:
        raise DomainError(_("该活动不是抽签分配。"), code="invalid_transition")
    if event.lottery_drawn_at is not None:
        raise Conflict(_("该活动已抽签。"))
    if now < event.registration_closes_at:
        raise DomainError(_("报名截止后才能抽签。"), code="not_closed")
    seed = seed or secrets.token_hex(16)
    applicants = {r.pk: r for r in event.registrations.filter(status=R.APPLIED)}
    winners, waiting = draw(list(applicants), event.seats_left, f"{event.pk}:{seed}")
    for pk in winners:
        _move(applicants[pk], action=Action.WIN, actor=actor, now=now)
    for position, pk in enumerate(waiting, start=_next_queue(event)):
        applicants[pk].queue = position
        _move(applicants[pk], action=Action.LOSE, actor=actor, now=now, fields=["queue"])
    event.seats_taken += len(winners)
    event.lottery_seed = seed
    event.lottery_drawn_at = now
    event.save(update_fields=["seats_taken", "lottery_seed", "lottery_drawn_at", "updated_at"])
    audit.record(
        actor=actor, action="event.lottery", target=event, data={"seed": seed, "winners": len(winners)}
    )
    return len(winners), len(waiting)


def session_at(event: Event, now: dt.datetime) -> EventSession | None:
    """The session one can check in to now (from two hours before it to an hour after)."""
    for session in event.sessions.order_by("starts_at"):
        if session.starts_at - CHECK_IN_EARLY <= now <= session.ends_at + CHECK_IN_LATE:
            return session
    return None


@transaction.atomic
def check_in(
    *,
    code: str,
    actor: User,
    session: EventSession | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """签到 by the code in the registrant's QR: the door staff scan it on a phone."""
    now = now or timezone.now()
    registration = registration_by_code(code)
    permissions.require(actor, "event.checkin", registration.event)
    registration = (
        Registration.objects.select_for_update(of=("self",)).select_related("event").get(pk=registration.pk)
    )
    event = registration.event
    if event.status == EventStatus.CANCELLED:
        raise DomainError(_("活动已取消。"), code="closed")
    if registration.status not in (R.REGISTERED, R.ATTENDED):
        raise DomainError(
            _("该报名状态为“%(status)s”，不能签到。") % {"status": registration.get_status_display()},
            code="invalid_transition",
        )
    session = session or session_at(event, now)
    if session is None or session.event_id != event.pk:
        raise DomainError(_("现在不在该活动的签到时间内。"), code="not_now")
    if registration.attendances.filter(session=session).exists():
        raise Conflict(_("%(name)s 已签到过本场。") % {"name": registration.name}, code="already")
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                registration=registration, session=session, checked_in_at=now, checked_in_by=actor
            )
    except IntegrityError:
        raise Conflict(_("%(name)s 已签到过本场。") % {"name": registration.name}, code="already") from None
    _move(registration, action=Action.CHECK_IN, actor=actor, now=now)
    return attendance


@transaction.atomic
def finish_event(*, event: Event, actor: User, now: dt.datetime | None = None) -> int:
    """活动结束: after the last session, registrations never checked in become no-shows."""
    now = now or timezone.now()
    event = _lock_event(event)
    permissions.require(actor, "event.manage", event)
    if event.status != EventStatus.PUBLISHED:
        raise DomainError(_("只有已发布的活动可以结束。"), code="invalid_transition")
    last = event.sessions.order_by("-ends_at").first()
    if last is not None and now < last.ends_at:
        raise DomainError(_("最后一个场次结束后才能结束活动。"), code="not_over")
    missing = list(event.registrations.filter(status=R.REGISTERED, attendances__isnull=True))
    for registration in missing:
        _move(registration, action=Action.NO_SHOW, actor=actor, now=now)
    event.status = EventStatus.HELD
    event.version += 1
    event.save(update_fields=["status", "version", "updated_at"])
    audit.record(actor=actor, action="event.finish", target=event, data={"no_show": len(missing)})
    return len(missing)


@transaction.atomic
def give_feedback(*, code: str, rating: int, comment: str = "") -> Registration:
    """活动评价 by someone who attended (once)."""
    registration = Registration.objects.select_for_update().get(pk=registration_by_code(code).pk)
    if registration.status != R.ATTENDED:
        raise DomainError(_("签到参加活动后才能评价。"), code="not_attended")
    if registration.rating is not None:
        raise Conflict(_("您已评价过该活动。"))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(_("请选择 1 到 5 分。"), details={"field": "rating"})
    registration.rating = rating
    registration.comment = (comment or "").strip()[:400]
    registration.save(update_fields=["rating", "comment", "updated_at"])
    registration_changed.send_on_commit(
        sender=Registration,
        event_id=registration.event_id,
        registration_id=registration.pk,
        action="feedback",
        subdistrict_id=registration.subdistrict_id,
    )
    return registration


@transaction.atomic
def record_item(
    *, event: Event, actor: User, text: str, raised_by: str = "", address: str = "", answer: str = ""
) -> ListeningItem:
    """A problem heard at a listening day, with the answer given on the spot (if any)."""
    event = _lock_event(event)
    permissions.require(actor, "event.manage", event)
    if event.kind != Kind.LISTENING_DAY:
        raise DomainError(_("只有倾听日可以记录居民反映的问题。"), code="not_listening_day")
    if event.status not in (EventStatus.PUBLISHED, EventStatus.HELD):
        raise DomainError(_("活动未发布或已取消。"), code="closed")
    return ListeningItem.objects.create(
        subdistrict_id=event.subdistrict_id,
        area_id=event.area_id,
        event=event,
        text=_text(text, _("反映的问题"), 2000),
        raised_by=(raised_by or "").strip()[:40],
        address=(address or "").strip()[:200],
        answer=(answer or "").strip()[:400],
        recorded_by=actor,
    )


def _item_still_open(item: ListeningItem, actor: User) -> ListeningItem:
    """The item, locked, for its organiser, while it is neither a case nor a suggestion: an item
    goes one way only, and of two clicks at once the second waits and is refused."""
    item = (
        ListeningItem.objects.select_for_update(of=("self",)).select_related("event", "area").get(pk=item.pk)
    )
    permissions.require(actor, "event.manage", item.event)
    if item.case_id is not None:
        raise Conflict(_("该问题已转为工单。"))
    if item.suggestion_id is not None:
        raise Conflict(_("该问题已转为居民建议。"))
    return item


@transaction.atomic
def raise_case(
    *, item: ListeningItem, actor: User, category, title: str = "", now: dt.datetime | None = None
):
    """One click: the heard problem becomes a case (source 倾听日) in the case loop."""
    from gongzhi.cases import services as case_services
    from gongzhi.cases.models import Source as CaseSource

    item = _item_still_open(item, actor)
    if category is None:
        raise DomainError(_("请选择工单类别。"), details={"field": "category"})
    case = case_services.create_case(
        actor=actor,
        category=category,
        title=(title or item.text)[:120].strip() or _("倾听日反映的问题"),
        description=_("%(event)s 现场反映：%(text)s") % {"event": item.event.title, "text": item.text},
        source=CaseSource.LISTENING,
        area=item.area,
        address=item.address,
        reporter_name=item.raised_by,
        now=now,
    )
    item.case = case
    item.save(update_fields=["case", "updated_at"])
    return case


@transaction.atomic
def raise_suggestion(*, item: ListeningItem, actor: User, title: str = "", now: dt.datetime | None = None):
    """One click: an idea heard at a listening day becomes a suggestion (人民建议, channel 会议)
    entered by staff for the resident; it goes through moderation like any other."""
    from gongzhi.participation.models import Channel
    from gongzhi.participation.services import enter_suggestion

    item = _item_still_open(item, actor)
    suggestion = enter_suggestion(
        actor=actor,
        area=item.area,
        title=(title or item.text)[:80].strip() or _("倾听日听到的建议"),
        body=_("%(event)s 现场听到：%(text)s") % {"event": item.event.title, "text": item.text},
        channel=Channel.MEETING,
        author_name=item.raised_by,
        now=now,
    )
    item.suggestion = suggestion
    item.save(update_fields=["suggestion", "updated_at"])
    return suggestion
