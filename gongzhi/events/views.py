"""Event pages. Staff: the list, a new event, an event with its registrations and actions, and
the door's check-in by scanning the registrant's QR code on a phone. Public (no account): upcoming
events of a subdistrict, registering with a phone and its one-time code, "my registration" with
its QR code, cancelling and feedback; iCalendar feeds."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.cases import phonecodes
from gongzhi.cases.models import Category
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.core.throttle import throttled
from gongzhi.events import selectors, services
from gongzhi.events.calendar_feed import calendar_of
from gongzhi.events.models import Allocation, EventStatus, Kind, RegistrationStatus
from gongzhi.registry.web import page_of, staff_page
from gongzhi.territory.models import Area, AreaKind

R = RegistrationStatus
REGISTRATIONS_PER_HOUR = 30


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "event.view")
    events = selectors.listing_for(user)
    status = request.GET.get("status", "")
    if status:
        events = events.filter(status=status)
    return render(
        request,
        "events/index.html",
        {
            "page": page_of(request, events, 30),
            "status": status,
            "statuses": EventStatus.choices,
            "can_manage": permissions.has(user, "event.manage", user.scope),
            "can_checkin": permissions.has(user, "event.checkin", user.scope),
            "public_url": reverse("events:public_list", args=[user.scope.subdistrict_id or user.scope_id])
            if user.scope.subdistrict_id
            else "",
        },
    )


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _moment(value: str, field: str) -> dt.datetime:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise DomainError(_("请填写有效的时间（%(field)s）。") % {"field": field})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@staff_page
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "event.manage")
    areas = list(
        Area.objects.filter(
            path__startswith=user.scope.path,
            kind__in=[AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD],
        ).order_by("path")[:200]
    )
    error = None
    post = request.POST
    if request.method == "POST":
        try:
            area = next((a for a in areas if a.pk == _int(post.get("area"))), None)
            if area is None:
                raise DomainError(_("请选择面向的区域。"))
            first = _moment(post.get("first_starts_at", ""), _("首次活动时间"))
            count = _int(post.get("session_count"), 0)
            if not 1 <= count <= 52:
                raise DomainError(_("场次数须在 1 到 52 之间。"))
            minutes = _int(post.get("minutes"), 0)
            if not 10 <= minutes <= 720:
                raise DomainError(_("每次时长须在 10 到 720 分钟之间。"))
            sessions = [
                services.SessionSpec(
                    first + dt.timedelta(weeks=i), first + dt.timedelta(weeks=i, minutes=minutes)
                )
                for i in range(count)
            ]
            capacity = _int(post.get("capacity"), 0)
            event = services.create_event(
                actor=user,
                area=area,
                kind=post.get("kind", ""),
                title=post.get("title", ""),
                description=post.get("description", ""),
                venue=post.get("venue", ""),
                capacity=capacity,
                waitlist_limit=_int(post.get("waitlist_limit"), 0),
                allocation=post.get("allocation", Allocation.FIRST_COME),
                min_age=_int(post.get("min_age")),
                max_age=_int(post.get("max_age")),
                residents_only=post.get("residents_only") == "on",
                audience_note=post.get("audience_note", ""),
                registration_opens_at=_moment(post.get("registration_opens_at", ""), _("报名开始")),
                registration_closes_at=_moment(post.get("registration_closes_at", ""), _("报名截止")),
                sessions=sessions,
                completion_sessions=_int(post.get("completion_sessions")),
            )
        except DomainError as exc:
            error = exc.message
        else:
            if post.get("publish") == "on":
                services.publish_event(event=event, actor=user)
            messages.success(request, _("已创建活动“%(title)s”。") % {"title": event.title})
            return redirect("events:detail", event.pk)
    now = timezone.localtime()
    return render(
        request,
        "events/new.html",
        {
            "areas": areas,
            "kinds": Kind.choices,
            "allocations": Allocation.choices,
            "error": error,
            "post": post,
            "default_open": now.strftime("%Y-%m-%dT%H:%M"),
            "default_close": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT18:00"),
            "default_first": (now + dt.timedelta(days=10)).strftime("%Y-%m-%dT19:00"),
        },
        status=400 if error else 200,
    )


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    event = selectors.event_for(user, pk)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "sessions": event.sessions.all(),
            "registrations": selectors.registrations_of(user, event),
            "figures": selectors.figures_of(event),
            "can_manage": permissions.has(user, "event.manage", event),
            "can_checkin": permissions.has(user, "event.checkin", event),
            "now": timezone.now(),
            "items": event.items.select_related("case", "suggestion")
            if event.kind == Kind.LISTENING_DAY
            else None,
            "categories": Category.objects.filter(active=True, parent__isnull=False).order_by("code")[:300]
            if event.kind == Kind.LISTENING_DAY
            else (),
        },
    )


@staff_page
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """倾听日纪要: what was heard and what happened to each item (its case's status)."""
    event = selectors.event_for(request.user, pk)
    if event.kind != Kind.LISTENING_DAY:
        raise Http404
    return render(
        request,
        "events/minutes.html",
        {
            "event": event,
            "sessions": event.sessions.all(),
            "items": event.items.select_related("case", "suggestion", "recorded_by"),
            "figures": selectors.figures_of(event),
        },
    )


@require_POST
@staff_page
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    event = selectors.event_for(user, pk)
    post = request.POST
    try:
        if action == "publish":
            services.publish_event(event=event, actor=user)
        elif action == "cancel":
            services.cancel_event(event=event, actor=user, reason=post.get("reason", ""))
        elif action == "draw":
            won, waiting = services.draw_lottery(event=event, actor=user, seed=post.get("seed") or None)
            messages.info(
                request,
                _("抽签完成：中签 %(won)s 人，候补 %(waiting)s 人。") % {"won": won, "waiting": waiting},
            )
        elif action == "finish":
            services.finish_event(event=event, actor=user)
        elif action == "register":
            services.register(
                event=event,
                name=post.get("name", ""),
                phone=post.get("phone", ""),
                birth_year=_int(post.get("birth_year")),
                actor=user,
            )
        elif action == "item":
            services.record_item(
                event=event,
                actor=user,
                text=post.get("text", ""),
                raised_by=post.get("raised_by", ""),
                address=post.get("address", ""),
                answer=post.get("answer", ""),
            )
        elif action == "raise_case":
            item = event.items.filter(pk=_int(post.get("item"))).first()
            if item is None:
                raise DomainError(_("未找到该问题。"), code="not_found")
            category = Category.objects.filter(pk=_int(post.get("category")), active=True).first()
            case = services.raise_case(item=item, actor=user, category=category)
            messages.info(request, _("已转为工单 %(number)s。") % {"number": case.number})
        elif action == "raise_suggestion":
            item = event.items.filter(pk=_int(post.get("item"))).first()
            if item is None:
                raise DomainError(_("未找到该问题。"), code="not_found")
            suggestion = services.raise_suggestion(item=item, actor=user)
            messages.info(request, _("已转为居民建议 %(ref)s，审核后公开。") % {"ref": suggestion.ref})
        elif action == "cancel_registration":
            registration = (
                selectors.registrations_of(user, event).filter(pk=_int(post.get("registration"))).first()
            )
            if registration is None:
                raise DomainError(_("未找到该报名。"), code="not_found")
            services.cancel_registration(registration=registration, actor=user)
        else:
            raise DomainError(_("未知的操作。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已完成。"))
    return redirect("events:detail", event.pk)


@staff_page
def checkin_start(request: HttpRequest) -> HttpResponse:
    """The door: type the code (or scan the QR with the phone's camera, which opens checkin)."""
    _require(request.user, "event.checkin")
    code = (request.GET.get("code") or "").strip()
    if code:
        return redirect("events:checkin", code.rstrip("/").rsplit("/", 1)[-1])
    return render(request, "events/checkin_start.html", {})


@require_http_methods(["GET", "POST"])
@staff_page
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    registration = services.registration_by_code(code)
    event = registration.event
    permissions.require(user, "event.checkin", event)
    now = timezone.now()
    done = error = None
    if request.method == "POST":
        try:
            done = services.check_in(code=code, actor=user, now=now)
        except DomainError as exc:
            error = exc.message
        registration.refresh_from_db()
    return render(
        request,
        "events/checkin.html",
        {
            "registration": registration,
            "event": event,
            "session": services.session_at(event, now),
            "attended": registration.attendances.count(),
            "done": done,
            "error": error,
        },
        status=409 if error else 200,
    )


# --- public pages -----------------------------------------------------------------------------


def _subdistrict(pk: int) -> Area:
    area = Area.objects.filter(pk=pk, kind=AreaKind.SUBDISTRICT).first()
    if area is None:
        raise Http404
    return area


def public_list(request: HttpRequest, subdistrict: int) -> HttpResponse:
    area = _subdistrict(subdistrict)
    return render(
        request,
        "events/public/list.html",
        {"subdistrict": area, "events": selectors.public_events(area).prefetch_related("sessions")},
    )


def _purpose(event) -> str:
    return f"event:{event.pk}"


@require_http_methods(["GET", "POST"])
def public_event(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = selectors.public_event(pk)
    except DomainError:
        raise Http404 from None
    post = request.POST
    error = sent = None
    status = 200
    if request.method == "POST":
        if throttled(request, "event-register", REGISTRATIONS_PER_HOUR):
            error, status = _("操作太频繁，请稍后再试。"), 429
        elif post.get("step") == "code":
            try:
                phonecodes.send_code(
                    phone=post.get("phone", ""), purpose=_purpose(event), subdistrict=event.subdistrict
                )
                sent = True
            except DomainError as exc:
                error, status = exc.message, exc.status
        else:
            if not phonecodes.verify_code(
                phone=post.get("phone", ""), purpose=_purpose(event), code=post.get("code", "")
            ):
                error, status, sent = _("验证码不正确或已过期。"), 400, True
            else:
                try:
                    registration = services.register(
                        event=event,
                        name=post.get("name", ""),
                        phone=post.get("phone", ""),
                        birth_year=_int(post.get("birth_year")),
                    )
                except DomainError as exc:
                    error, status = exc.message, exc.status
                else:
                    target = reverse("events:mine", args=[registration.code])
                    if request.headers.get("HX-Request"):
                        response = HttpResponse(status=204)
                        response["HX-Redirect"] = target
                        return response
                    return redirect(target)
    template = "events/public/_form.html" if request.headers.get("HX-Request") else "events/public/event.html"
    return render(
        request,
        template,
        {
            "event": event,
            "sessions": event.sessions.all(),
            "error": error,
            "sent": sent,
            "post": post,
            "open": event.status == EventStatus.PUBLISHED
            and event.registration_opens_at <= timezone.now() <= event.registration_closes_at,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest, code: str) -> HttpResponse:
    """我的报名: the QR code to show at the door, cancel, and feedback after attending."""
    try:
        registration = services.registration_by_code(code)
    except DomainError:
        raise Http404 from None
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                services.cancel_registration(registration=registration, code=code)
                messages.success(request, _("已取消报名。"))
            elif request.POST.get("action") == "feedback":
                services.give_feedback(
                    code=code,
                    rating=_int(request.POST.get("rating"), 0),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("感谢您的评价。"))
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("events:mine", code)
        registration.refresh_from_db()
    checkin_url = request.build_absolute_uri(reverse("events:checkin", args=[registration.code]))
    qr = segno.make(checkin_url, error="m").svg_inline(scale=6, title=_("签到二维码"))
    return render(
        request,
        "events/public/mine.html",
        {
            "registration": registration,
            "event": registration.event,
            "sessions": registration.event.sessions.all(),
            "qr": qr if registration.status in (R.REGISTERED, R.ATTENDED) else "",
            "position": registration.event.registrations.filter(
                status=R.WAITLISTED, queue__lt=registration.queue or 0
            ).count()
            + 1
            if registration.status == R.WAITLISTED
            else None,
            "error": error,
        },
        status=400 if error else 200,
    )


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def feed(request: HttpRequest, subdistrict: int) -> HttpResponse:
    area = _subdistrict(subdistrict)
    events = selectors.public_events(area).prefetch_related("sessions")
    base = request.build_absolute_uri(reverse("events:public_event", args=[0]))[: -len("0/")]
    return _ics(calendar_of(events, name=f"{area.name}社区活动", base_url=base), f"events-{area.pk}.ics")


def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = selectors.public_event(pk)
    except DomainError:
        raise Http404 from None
    return _ics(calendar_of([event], name=event.title), f"event-{event.pk}.ics")
