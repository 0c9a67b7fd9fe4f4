"""Community spaces (社区场地) and their bookings: a room's opening hours cut into slots, one
booking per slot (a request holds it until the neighbourhood approves or refuses it; two
requests for the same slot at once: the database's partial unique constraint keeps one), the
capacity and the date checked, every write audited."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.events.models import HOLDING, Booking, BookingStatus, Room
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area

B = BookingStatus
MAX_DAYS_AHEAD = 90


def slots_of(room: Room) -> list[tuple[dt.time, dt.time]]:
    """The room's slots of a day: its opening hours cut into `slot_minutes`, the last one whole."""
    day = dt.date(2000, 1, 3)
    start = dt.datetime.combine(day, room.opens_at)
    close = dt.datetime.combine(day, room.closes_at)
    step = dt.timedelta(minutes=room.slot_minutes)
    slots = []
    while start + step <= close:
        slots.append((start.time(), (start + step).time()))
        start += step
    return slots


@transaction.atomic
def create_room(
    *,
    actor: User,
    area: Area,
    name: str,
    capacity: int,
    opens_at: dt.time,
    closes_at: dt.time,
    slot_minutes: int = 120,
    equipment: str = "",
) -> Room:
    permissions.require(actor, "event.manage", area)
    name = " ".join((name or "").split())
    if not name:
        raise FieldError("name", _("请填写场地名称。"))
    if area.subdistrict_id is None:
        raise FieldError("area", _("请选择街道以下的区域。"))
    if not 1 <= capacity <= 2000:
        raise FieldError("capacity", _("容纳人数须在 1 到 2000 之间。"))
    if closes_at <= opens_at:
        raise FieldError("closes_at", _("关闭时间须晚于开放时间。"))
    if not 30 <= slot_minutes <= 720:
        raise FieldError("slot_minutes", _("每段时长须在 30 到 720 分钟之间。"))
    room = Room(
        subdistrict_id=area.subdistrict_id,
        area=area,
        name=name[:60],
        capacity=capacity,
        equipment=" ".join((equipment or "").split())[:200],
        opens_at=opens_at,
        closes_at=closes_at,
        slot_minutes=slot_minutes,
    )
    if not slots_of(room):
        raise FieldError("slot_minutes", _("开放时间内放不下一个完整时段。"))
    room.save()
    audit.record(actor=actor, action="events.room.create", target=room, data={"name": room.name})
    return room


def book(
    *,
    actor: User,
    room: Room,
    on: dt.date,
    starts_at: dt.time,
    booker: str,
    purpose: str,
    attendees: int,
    now: dt.datetime | None = None,
) -> Booking:
    """Request a slot for a group or unit. Two requests for the same slot at once: one is kept,
    the other is told the slot is taken."""
    try:
        with transaction.atomic():
            return _book(actor, room, on, starts_at, booker, purpose, attendees, now or timezone.now())
    except IntegrityError:
        raise Conflict(_("该时段已被预约，请选择其他时段。"), code="slot_taken") from None


def _book(actor, room, on, starts_at, booker, purpose, attendees, now) -> Booking:
    permissions.require(actor, "event.manage", room)
    if not room.active:
        raise DomainError(_("该场地暂停预约。"))
    today = timezone.localdate(now)
    if on < today:
        raise FieldError("on", _("不能预约已过去的日期。"))
    if on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise FieldError("on", _("最多提前 %(n)s 天预约。") % {"n": MAX_DAYS_AHEAD})
    slot = dict(slots_of(room)).get(starts_at)
    if slot is None:
        raise FieldError("starts_at", _("请选择场地开放时间内的时段。"))
    if on == today and starts_at <= timezone.localtime(now).time():
        raise FieldError("starts_at", _("该时段已开始，不能预约。"))
    booker = " ".join((booker or "").split())
    purpose = " ".join((purpose or "").split())
    if not booker:
        raise FieldError("booker", _("请填写预约的团队或单位。"))
    if not purpose:
        raise FieldError("purpose", _("请填写用途。"))
    if not 1 <= attendees <= room.capacity:
        raise FieldError("attendees", _("预计人数须在 1 到容纳人数 %(n)s 之间。") % {"n": room.capacity})
    if Booking.objects.filter(room=room, on=on, starts_at=starts_at, status__in=HOLDING).exists():
        raise Conflict(_("该时段已被预约，请选择其他时段。"), code="slot_taken")
    booking = Booking.objects.create(
        subdistrict_id=room.subdistrict_id,
        area_id=room.area_id,
        room=room,
        on=on,
        starts_at=starts_at,
        ends_at=slot,
        booker=booker[:80],
        purpose=purpose[:200],
        attendees=attendees,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="events.booking.request",
        target=booking,
        data={"room": room.pk, "on": on.isoformat(), "starts_at": starts_at.isoformat()},
    )
    return booking


# decision -> (states it may follow, the state it leads to)
DECISIONS = {
    "approve": ((B.REQUESTED,), B.APPROVED),
    "refuse": ((B.REQUESTED,), B.REFUSED),
    "cancel": ((B.REQUESTED, B.APPROVED), B.CANCELLED),
}


@transaction.atomic
def decide(*, actor: User, booking: Booking, decision: str, note: str = "") -> Booking:
    """The neighbourhood approves or refuses a request; either side cancels one (the slot frees)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    permissions.require(actor, "event.manage", booking)
    if decision not in DECISIONS:
        raise DomainError(_("未知的操作。"))
    before, after = DECISIONS[decision]
    if booking.status not in before:
        raise Conflict(
            _("该预约当前为“%(status)s”，不能再处理。") % {"status": booking.get_status_display()},
            code="invalid_transition",
        )
    note = " ".join((note or "").split())
    if decision == "refuse" and len(note) < 2:
        raise FieldError("note", _("请写明不批准的原因。"))
    booking.status = after
    booking.note = note[:200]
    booking.decided_by = actor
    booking.save(update_fields=["status", "note", "decided_by", "updated_at"])
    audit.record(
        actor=actor,
        action=f"events.booking.{decision}",
        target=booking,
        data={"from": before[0], "to": after},
    )
    return booking
