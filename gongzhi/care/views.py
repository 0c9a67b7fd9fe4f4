"""Care pages: the morning round (phone first), a cared-for person with the 30-second check-in
form and their timeline, alerts with acknowledge/close, figures and the overdue map."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.care import selectors, services, transitions
from gongzhi.care.models import AlertState, Mode, Outcome
from gongzhi.cases.models import Category
from gongzhi.cases.selectors import category_tree
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import int_or_none, page_of, staff_page


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    """今日关爱: what is due by today, overdue first."""
    user = request.user
    _require(user, "care.view")
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    dues = selectors.round_for(user, today=today, mine=mine)
    return render(
        request,
        "care/index.html",
        {
            "page": page_of(request, dues, 50),
            "today": today,
            "mine": mine,
            "open_alerts": selectors.alerts_for(user).exclude(state=AlertState.CLOSED).count(),
        },
    )


def _cases_from(post) -> list[services.CaseSpec]:
    title = (post.get("case_title") or "").strip()
    if not title:
        return []
    category = Category.objects.filter(
        active=True, parent__isnull=False, pk=int_or_none(post.get("case_category"))
    ).first()
    if category is None:
        raise FieldError("cases", _("发起工单请选择具体类别。"))
    return [services.CaseSpec(category, title, (post.get("case_description") or "").strip() or title)]


@staff_page
def recipient(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = selectors.recipient_for(user, pk)
    context = {
        "recipient": person,
        "assignments": person.assignments.filter(active=True).select_related(
            "user", "volunteer", "organization"
        ),
        "open_due": person.dues.filter(met_at__isnull=True).first(),
        "alerts": selectors.alerts_for(user).filter(recipient=person).exclude(state=AlertState.CLOSED),
        "modes": Mode.choices,
        "outcomes": Outcome.choices,
        "can_check_in": permissions.has(user, "care.check_in", person),
        "categories": category_tree(),
        "form": request.POST,
    }
    if request.method == "POST":
        try:
            check_in = services.record_check_in(
                actor=user,
                recipient=person,
                mode=request.POST.get("mode", ""),
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
                photo=request.FILES.get("photo"),
                cases=_cases_from(request.POST),
            )
        except DomainError as exc:
            context["error"] = exc.message
            context["timeline"] = selectors.timeline(user, person)
            return render(request, "care/recipient.html", context, status=exc.status)
        text = _("已记录：%(name)s %(outcome)s。") % {
            "name": person.resident.name,
            "outcome": check_in.get_outcome_display(),
        }
        if person.alerts.filter(check_in=check_in).exists():
            text += _("已向居委和备岗发出预警。")
        messages.success(request, text)
        return redirect("care:index")
    context["timeline"] = selectors.timeline(user, person)
    return render(request, "care/recipient.html", context)


@staff_page
def people(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "care.view")
    qs = selectors.recipients_for(user).filter(active=True).select_related("resident__dwelling", "area")
    risk = request.GET.get("risk", "")
    if risk:
        qs = qs.filter(risk=risk)
    return render(
        request,
        "care/people.html",
        {
            "page": page_of(request, qs, 50),
            "risk": risk,
            "can_enrol": permissions.has(user, "care.manage", user.scope),
        },
    )


@staff_page
def alerts(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "carealert.view")
    state = request.GET.get("state", "open")
    qs = selectors.alerts_for(user).select_related("recipient__resident", "area")
    if state in AlertState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "care/alerts.html",
        {"page": page_of(request, qs, 50), "state": state, "states": AlertState.choices},
    )


@staff_page
def alert(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.alert_for(user, pk)
    context = {
        "alert": item,
        "actions": [
            a
            for a in transitions.actions_from(item.state)
            if permissions.has(user, transitions.permission(a), item)
        ],
        "labels": transitions.LABELS,
    }
    if request.method == "POST":
        try:
            services.act_on_alert(
                actor=user,
                alert=item,
                action=request.POST.get("action", ""),
                resolution=request.POST.get("resolution", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "care/alert.html", context, status=exc.status)
        messages.success(request, _("已处理。"))
        return redirect("care:alert", pk=item.pk)
    return render(request, "care/alert.html", context)


@staff_page
def figures(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "care.view")
    today = timezone.localdate()
    days = int_or_none(request.GET.get("days")) or 7
    rows, total = selectors.figures(user, today=today, silent_days=max(1, min(days, 90)))
    overdue = selectors.overdue_by_area(user, today=today)
    return render(
        request,
        "care/figures.html",
        {
            "rows": rows,
            "total": total,
            "days": days,
            "units": selectors.by_member_unit(user),
            "overdue": overdue,
            "since": today - dt.timedelta(days=30),
        },
    )
