"""Community-space pages: the rooms of the scope (and a form to add one), and a room's day with
its slots, the form to book a free slot and the neighbourhood's approve / refuse / cancel."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.events import rooms, selectors
from gongzhi.events.models import HOLDING
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import staff_page
from gongzhi.territory.models import Area, AreaKind


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


def _time(value: str | None, field: str) -> dt.time:
    try:
        return dt.time.fromisoformat((value or "").strip())
    except ValueError:
        raise FieldError(field, _("时间格式应为 HH:MM。")) from None


def _number(value: str | None, field: str, label: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise FieldError(field, _("%(f)s须为整数。") % {"f": label}) from None


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "event.view")
    can_manage = permissions.has(user, "event.manage", user.scope)
    areas = (
        Area.objects.filter(
            path__startswith=user.scope.path,
            kind__in=[AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE],
            subdistrict__isnull=False,
        ).order_by("path")[:300]
        if can_manage
        else []
    )
    return render(
        request,
        "events/rooms.html",
        {
            "rooms": list(selectors.rooms_for(user).select_related("area")[:200]),
            "can_manage": can_manage,
            "areas": areas,
        },
    )


@require_POST
@staff_page
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    post = request.POST
    try:
        area = Area.objects.filter(pk=post.get("area") or 0, path__startswith=user.scope.path).first()
        if area is None:
            raise FieldError("area", _("请选择场地所在区域。"))
        room = rooms.create_room(
            actor=user,
            area=area,
            name=post.get("name", ""),
            capacity=_number(post.get("capacity"), "capacity", _("容纳人数")),
            opens_at=_time(post.get("opens_at"), "opens_at"),
            closes_at=_time(post.get("closes_at"), "closes_at"),
            slot_minutes=_number(post.get("slot_minutes") or "120", "slot_minutes", _("每段时长")),
            equipment=post.get("equipment", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("events:rooms")
    messages.success(request, _("已添加场地。"))
    return redirect("events:room", pk=room.pk)


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@staff_page
def room(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.room_for(user, pk)
    day = _day(request.GET.get("on"))
    taken = {
        b.starts_at: b for b in selectors.bookings_for(user).filter(room=item, on=day, status__in=HOLDING)
    }
    slots = [(start, end, taken.get(start)) for start, end in rooms.slots_of(item)]
    return render(
        request,
        "events/room.html",
        {
            "room": item,
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "slots": slots,
            "can_manage": permissions.has(user, "event.manage", item),
            "requests": list(
                selectors.bookings_for(user)
                .filter(room=item, status="requested", on__gte=timezone.localdate())
                .order_by("on", "starts_at")[:100]
            ),
        },
    )


@require_POST
@staff_page
def book(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.room_for(user, pk)
    post = request.POST
    day = _day(post.get("on"))
    try:
        rooms.book(
            actor=user,
            room=item,
            on=day,
            starts_at=_time(post.get("starts_at"), "starts_at"),
            booker=post.get("booker", ""),
            purpose=post.get("purpose", ""),
            attendees=_number(post.get("attendees"), "attendees", _("预计人数")),
        )
        messages.success(request, _("已提交预约，待居委会审批。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('events:room', args=[item.pk])}?on={day.isoformat()}")


@require_POST
@staff_page
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    booking = selectors.bookings_for(user).filter(pk=pk).first()
    if booking is None:
        raise NotAllowed()
    try:
        rooms.decide(
            actor=user,
            booking=booking,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已处理。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('events:room', args=[booking.room_id])}?on={booking.on.isoformat()}")
