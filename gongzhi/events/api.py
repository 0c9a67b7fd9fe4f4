"""The events router of the REST API (/api/events/): events of the caller's scope with their
sessions and figures, creating and running them, registrations (phones masked), registering on
someone's behalf, cancelling, the lottery, check-in by code — all through the same services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.events import rooms, selectors, services
from gongzhi.events.models import HOLDING, Event, ListeningItem, Registration
from gongzhi.territory.models import Area

router = Router(tags=["events"])
PAGE = 100
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class EventsQuery(Schema):
    status: str = ""
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class EventsSessionOut(Schema):
    id: int
    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    topic: str


class EventsEventOut(Schema):
    id: int
    kind: str
    title: str
    venue: str
    status: str
    allocation: str
    area_id: int
    series_id: int | None
    capacity: int
    seats_taken: int
    waitlist_limit: int
    fee: Decimal
    min_age: int | None
    max_age: int | None
    residents_only: bool
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    lottery_drawn_at: dt.datetime | None


class EventsFiguresOut(Schema):
    capacity: int
    seated: int
    waiting: int
    applied: int
    cancelled: int
    attended: int
    no_show: int
    completed: int | None
    rating: float | None
    fill_rate: int
    attendance_rate: int | None


class EventsEventDetailOut(EventsEventOut):
    description: str
    sessions: list[EventsSessionOut]
    figures: EventsFiguresOut


class EventsSessionIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    topic: str = ""


class EventsEventIn(Schema):
    area_id: int
    kind: str
    title: str
    venue: str
    capacity: int
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    sessions: list[EventsSessionIn]
    allocation: str = "first_come"
    waitlist_limit: int = 0
    fee: Decimal = Field(Decimal(0), ge=0, le=100000, decimal_places=2)
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    residents_only: bool = False
    audience_note: str = ""
    description: str = ""
    completion_sessions: int | None = None
    publish: bool = False


class EventsRegistrationOut(Schema):
    id: int
    event_id: int
    name: str
    phone: str
    status: str
    queue: int | None
    attended_sessions: int
    created_at: dt.datetime


class EventsRegistrationIn(Schema):
    name: str
    phone: str
    birth_year: int | None = Field(None, ge=1900, le=2100)


class EventsReasonIn(Schema):
    reason: str = ""


class EventsDrawIn(Schema):
    seed: str = Field("", max_length=64)


class EventsCheckInIn(Schema):
    code: str = Field(max_length=40)
    session_id: int | None = None


class EventsCheckInOut(Schema):
    registration_id: int
    name: str
    session_number: int
    checked_in_at: dt.datetime


def _aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _event(e: Event) -> dict:
    return {
        f: getattr(e, f)
        for f in (
            "kind",
            "title",
            "venue",
            "status",
            "allocation",
            "area_id",
            "series_id",
            "capacity",
            "seats_taken",
            "waitlist_limit",
            "fee",
            "min_age",
            "max_age",
            "residents_only",
            "registration_opens_at",
            "registration_closes_at",
            "lottery_drawn_at",
        )
    } | {"id": e.pk}


def _detail(e: Event) -> dict:
    f = selectors.figures_of(e)
    return _event(e) | {
        "description": e.description,
        "sessions": [
            {"id": s.pk, "number": s.number, "starts_at": s.starts_at, "ends_at": s.ends_at, "topic": s.topic}
            for s in e.sessions.all()
        ],
        "figures": f.__dict__ | {"fill_rate": f.fill_rate, "attendance_rate": f.attendance_rate},
    }


def _registration(r: Registration) -> dict:
    return {
        "id": r.pk,
        "event_id": r.event_id,
        "name": r.name,
        "phone": r.phone_mask,
        "status": r.status,
        "queue": r.queue,
        "attended_sessions": getattr(r, "attended_sessions", 0),
        "created_at": r.created_at,
    }


@router.get("/events", response={200: list[EventsEventOut], 422: ErrorOut}, summary="活动列表")
def events(request: HttpRequest, query: Query[EventsQuery]):
    qs = selectors.events_for(request.auth)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [_event(e) for e in qs.order_by("pk")[: query.limit]]


@router.get("/events/{pk}", response={200: EventsEventDetailOut, **ERRORS}, summary="一个活动")
def event(request: HttpRequest, pk: int):
    return _detail(selectors.event_for(request.auth, pk))


@router.post("/events", response={201: EventsEventDetailOut, **ERRORS}, summary="新建活动")
def create(request: HttpRequest, body: EventsEventIn):
    area = Area.objects.filter(pk=body.area_id).first()
    if area is None:
        raise DomainError(_("区域不存在。"), details={"field": "area_id"})
    created = services.create_event(
        actor=request.auth,
        area=area,
        kind=body.kind,
        title=body.title,
        venue=body.venue,
        capacity=body.capacity,
        registration_opens_at=_aware(body.registration_opens_at),
        registration_closes_at=_aware(body.registration_closes_at),
        sessions=[
            services.SessionSpec(_aware(s.starts_at), _aware(s.ends_at), s.topic) for s in body.sessions
        ],
        allocation=body.allocation,
        waitlist_limit=body.waitlist_limit,
        fee=body.fee,
        min_age=body.min_age,
        max_age=body.max_age,
        residents_only=body.residents_only,
        audience_note=body.audience_note,
        description=body.description,
        completion_sessions=body.completion_sessions,
    )
    if body.publish:
        created = services.publish_event(event=created, actor=request.auth)
    return 201, _detail(created)


@router.post("/events/{pk}/publish", response={200: EventsEventDetailOut, **ERRORS}, summary="发布活动")
def publish(request: HttpRequest, pk: int):
    return _detail(services.publish_event(event=selectors.event_for(request.auth, pk), actor=request.auth))


@router.post("/events/{pk}/cancel", response={200: EventsEventDetailOut, **ERRORS}, summary="取消活动")
def cancel(request: HttpRequest, pk: int, body: EventsReasonIn):
    e = services.cancel_event(
        event=selectors.event_for(request.auth, pk), actor=request.auth, reason=body.reason
    )
    return _detail(e)


@router.post("/events/{pk}/draw", response={200: EventsEventDetailOut, **ERRORS}, summary="抽签")
def draw(request: HttpRequest, pk: int, body: EventsDrawIn):
    e = selectors.event_for(request.auth, pk)
    services.draw_lottery(event=e, actor=request.auth, seed=body.seed or None)
    return _detail(selectors.event_for(request.auth, pk))


@router.post("/events/{pk}/finish", response={200: EventsEventDetailOut, **ERRORS}, summary="结束活动")
def finish(request: HttpRequest, pk: int):
    e = selectors.event_for(request.auth, pk)
    services.finish_event(event=e, actor=request.auth)
    return _detail(selectors.event_for(request.auth, pk))


@router.get(
    "/events/{pk}/registrations", response={200: list[EventsRegistrationOut], **ERRORS}, summary="报名名单"
)
def registrations(request: HttpRequest, pk: int):
    e = selectors.event_for(request.auth, pk)
    return [_registration(r) for r in selectors.registrations_of(request.auth, e)[:5000]]


@router.post(
    "/events/{pk}/registrations", response={201: EventsRegistrationOut, **ERRORS}, summary="代居民报名"
)
def register(request: HttpRequest, pk: int, body: EventsRegistrationIn):
    e = selectors.event_for(request.auth, pk)
    r = services.register(
        event=e, name=body.name, phone=body.phone, birth_year=body.birth_year, actor=request.auth
    )
    return 201, _registration(r)


@router.post(
    "/events/{pk}/registrations/{rid}/cancel",
    response={200: EventsRegistrationOut, **ERRORS},
    summary="取消报名（空出的名额由候补递补）",
)
def cancel_registration(request: HttpRequest, pk: int, rid: int):
    e = selectors.event_for(request.auth, pk)
    r = selectors.registrations_of(request.auth, e).filter(pk=rid).first()
    if r is None:
        raise NotFound()
    return _registration(services.cancel_registration(registration=r, actor=request.auth))


class EventsItemOut(Schema):
    id: int
    event_id: int
    text: str
    raised_by: str
    answer: str
    case_number: str | None
    case_status: str | None
    suggestion_ref: str | None = None
    suggestion_status: str | None = None


class EventsItemIn(Schema):
    text: str
    raised_by: str = ""
    address: str = ""
    answer: str = ""


class EventsRaiseCaseIn(Schema):
    category_id: int


def _item(i: ListeningItem) -> dict:
    return {
        "id": i.pk,
        "event_id": i.event_id,
        "text": i.text,
        "raised_by": i.raised_by,
        "answer": i.answer,
        "case_number": i.case.number if i.case_id else None,
        "case_status": i.case.status if i.case_id else None,
        "suggestion_ref": i.suggestion.ref if i.suggestion_id else None,
        "suggestion_status": i.suggestion.status if i.suggestion_id else None,
    }


@router.get("/events/{pk}/items", response={200: list[EventsItemOut], **ERRORS}, summary="倾听日问题及去向")
def items(request: HttpRequest, pk: int):
    e = selectors.event_for(request.auth, pk)
    return [_item(i) for i in e.items.select_related("case", "suggestion")]


@router.post("/events/{pk}/items", response={201: EventsItemOut, **ERRORS}, summary="记录倾听日问题")
def add_item(request: HttpRequest, pk: int, body: EventsItemIn):
    e = selectors.event_for(request.auth, pk)
    i = services.record_item(
        event=e,
        actor=request.auth,
        text=body.text,
        raised_by=body.raised_by,
        address=body.address,
        answer=body.answer,
    )
    return 201, _item(i)


@router.post("/events/{pk}/items/{iid}/case", response={200: EventsItemOut, **ERRORS}, summary="问题转为工单")
def item_case(request: HttpRequest, pk: int, iid: int, body: EventsRaiseCaseIn):
    from gongzhi.cases.models import Category

    e = selectors.event_for(request.auth, pk)
    i = e.items.filter(pk=iid).first()
    if i is None:
        raise NotFound()
    category = Category.objects.filter(pk=body.category_id, active=True).first()
    services.raise_case(item=i, actor=request.auth, category=category)
    return _item(e.items.select_related("case", "suggestion").get(pk=iid))


@router.post(
    "/events/{pk}/items/{iid}/suggestion", response={200: EventsItemOut, **ERRORS}, summary="问题转为居民建议"
)
def item_suggestion(request: HttpRequest, pk: int, iid: int):
    e = selectors.event_for(request.auth, pk)
    i = e.items.filter(pk=iid).first()
    if i is None:
        raise NotFound()
    services.raise_suggestion(item=i, actor=request.auth)
    return _item(e.items.select_related("case", "suggestion").get(pk=iid))


@router.post("/checkin", response={200: EventsCheckInOut, **ERRORS}, summary="凭签到码签到")
def checkin(request: HttpRequest, body: EventsCheckInIn):
    session = None
    if body.session_id is not None:
        from gongzhi.events.models import EventSession

        session = EventSession.objects.filter(pk=body.session_id).first()
        if session is None:
            raise NotFound()
    a = services.check_in(code=body.code, actor=request.auth, session=session)
    return {
        "registration_id": a.registration_id,
        "name": a.registration.name,
        "session_number": a.session.number,
        "checked_in_at": a.checked_in_at,
    }


# --- community spaces (社区场地) ------------------------------------------------------------------


class EventsRoomOut(Schema):
    id: int
    area_id: int
    name: str
    capacity: int
    equipment: str
    opens_at: dt.time
    closes_at: dt.time
    slot_minutes: int
    active: bool


class EventsSlotOut(Schema):
    starts_at: dt.time
    ends_at: dt.time
    booking_id: int | None
    status: str = Field(description="free | requested | approved")


class EventsBookingIn(Schema):
    on: dt.date
    starts_at: dt.time = Field(description="the start of one of the room's slots")
    booker: str = Field(description="预约团队/单位")
    purpose: str
    attendees: int = Field(ge=1, le=2000)


class EventsBookingOut(Schema):
    id: int
    room_id: int
    on: dt.date
    starts_at: dt.time
    ends_at: dt.time
    booker: str
    purpose: str
    attendees: int
    status: str
    note: str


class EventsDecisionIn(Schema):
    note: str = ""


def _booking(b) -> dict:
    return {
        f: getattr(b, f)
        for f in (
            "id",
            "room_id",
            "on",
            "starts_at",
            "ends_at",
            "booker",
            "purpose",
            "attendees",
            "status",
            "note",
        )
    }


@router.get("/rooms", response={200: list[EventsRoomOut], **ERRORS}, summary="社区场地")
def rooms_list(request: HttpRequest):
    return list(selectors.rooms_for(request.auth)[:500])


@router.get("/rooms/{pk}/slots", response={200: list[EventsSlotOut], **ERRORS}, summary="场地某日的时段")
def room_slots(request: HttpRequest, pk: int, on: dt.date | None = None):
    room = selectors.room_for(request.auth, pk)
    day = on or timezone.localdate()
    taken = {
        b.starts_at: b
        for b in selectors.bookings_for(request.auth).filter(room=room, on=day, status__in=HOLDING)
    }
    return [
        {
            "starts_at": start,
            "ends_at": end,
            "booking_id": taken[start].pk if start in taken else None,
            "status": taken[start].status if start in taken else "free",
        }
        for start, end in rooms.slots_of(room)
    ]


@router.post("/rooms/{pk}/bookings", response={201: EventsBookingOut, **ERRORS}, summary="预约场地时段")
def room_book(request: HttpRequest, pk: int, payload: EventsBookingIn):
    room = selectors.room_for(request.auth, pk)
    booking = rooms.book(
        actor=request.auth,
        room=room,
        on=payload.on,
        starts_at=payload.starts_at,
        booker=payload.booker,
        purpose=payload.purpose,
        attendees=payload.attendees,
    )
    return 201, _booking(booking)


@router.post(
    "/bookings/{pk}/{decision}",
    response={200: EventsBookingOut, **ERRORS},
    summary="审批或取消场地预约",
    description="decision: approve | refuse (a note is required) | cancel",
)
def booking_decide(request: HttpRequest, pk: int, decision: str, payload: EventsDecisionIn):
    booking = selectors.bookings_for(request.auth).filter(pk=pk).first()
    if booking is None:
        raise NotFound()
    return _booking(rooms.decide(actor=request.auth, booking=booking, decision=decision, note=payload.note))
