"""Thin views over the text services and selectors: htmx partials for intake, pages for
administrators (model versions) and leaders (hot issues)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.cases import transitions
from gongzhi.cases.models import Action
from gongzhi.cases.selectors import cases_for
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.territory.models import Area
from gongzhi.territory.selectors import area_at
from gongzhi.text import selectors, services
from gongzhi.text.models import ModelVersion, Suggestion


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _place(request: HttpRequest) -> tuple[Area | None, float | None, float | None]:
    """The report's point and subdistrict from the query: lat/lng, an `area` or `subdistrict` id."""
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    area = None
    for key in ("area", "subdistrict"):
        raw = request.GET.get(key, "")
        if raw.isdigit():
            area = Area.objects.filter(pk=int(raw)).first()
            if area:
                break
    if area is None and lat is not None and lng is not None:
        area = area_at(lat, lng)
    if area is None and request.user.is_authenticated and getattr(request.user, "scope", None):
        scope = request.user.scope
        area = scope if scope.subdistrict_id or scope.kind == "subdistrict" else None
    return area, lat, lng


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Top-3 categories for the text typed so far (staff and public forms alike); the unit only
    for staff."""
    title, description = request.GET.get("title", "")[:120], request.GET.get("description", "")[:4000]
    area, _lat, _lng = _place(request)
    version, _bundle = services.active_model()
    result = None
    if version is not None and (title.strip() or description.strip()):
        result = services.suggest(title, description, area)
    return render(
        request,
        "text/_suggest.html",
        {
            "no_model": version is None,
            "result": result,
            "show_unit": request.user.is_authenticated,
            "empty": not (title.strip() or description.strip()),
        },
    )


@login_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    if not permissions.has(request.user, "text.duplicates"):
        return HttpResponseForbidden(_("您没有查看疑似重复工单的权限。"))
    area, lat, lng = _place(request)
    exclude = None
    number = request.GET.get("exclude", "").strip()
    if number:
        exclude = cases_for(request.user).filter(number=number).first()
    found = selectors.likely_duplicates(
        request.GET.get("title", "")[:120],
        request.GET.get("description", "")[:4000],
        lat,
        lng,
        area,
        user=request.user,
        exclude=exclude,
    )
    return render(
        request,
        "text/_duplicates.html",
        {
            "duplicates": found,
            "case": exclude,
            "can_merge": exclude is not None
            and permissions.has(request.user, "case.merge", exclude)
            and transitions.allowed(exclude.status, Action.MERGE),
        },
    )


@require_GET
def public_duplicates(request: HttpRequest) -> HttpResponse:
    """ "Others reported this too": number, title and status only, nothing personal."""
    area, lat, lng = _place(request)
    found = selectors.likely_duplicates(
        request.GET.get("title", "")[:120], request.GET.get("description", "")[:4000], lat, lng, area, limit=3
    )
    return render(request, "text/_public_duplicates.html", {"duplicates": found})


@login_required
def models_page(request: HttpRequest) -> HttpResponse:
    if not permissions.has(request.user, "text.manage"):
        return HttpResponseForbidden(_("只有系统管理员可以管理文本模型。"))
    versions = list(ModelVersion.objects.defer("blob")[:50])
    suggestions = Suggestion.objects.all()
    total = suggestions.count()
    stats = {
        "total": total,
        "accepted": suggestions.filter(accepted=True).count(),
        "in_top3": suggestions.filter(in_top3=True).count(),
    }
    return render(request, "text/models.html", {"versions": versions, "stats": stats})


@login_required
@require_POST
def train(request: HttpRequest) -> HttpResponse:
    if not permissions.has(request.user, "text.manage"):
        return HttpResponseForbidden(_("只有系统管理员可以管理文本模型。"))
    if request.POST.get("now") == "1":
        try:
            result = services.train_category_model(actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已训练 v%(v)d：%(r)s") % {"v": result.version.version, "r": result.reason}
            )
    else:
        services.train_category_model_task.enqueue()
        messages.success(request, _("训练任务已排队，由后台任务进程执行。"))
    return redirect("text:models")


@login_required
@require_POST
def activate(request: HttpRequest, version: int) -> HttpResponse:
    item = get_object_or_404(ModelVersion.objects.defer("blob"), version=version)
    try:
        services.activate_version(version=item, actor=request.user)
    except DomainError as exc:
        return HttpResponseForbidden(exc.message)
    messages.success(request, _("已启用 v%(v)d。") % {"v": item.version})
    return redirect("text:models")


@login_required
@require_GET
def hot_page(request: HttpRequest) -> HttpResponse:
    if not permissions.has(request.user, "text.hot"):
        return HttpResponseForbidden(_("您没有查看热点问题的权限。"))
    try:
        days = max(7, min(365, int(request.GET.get("days", "90"))))
    except ValueError:
        days = 90
    issues = selectors.hot_issues_for(request.user, days=days)
    can_escalate = permissions.has(request.user, "text.hot_escalate")
    return render(
        request, "text/hot.html", {"issues": issues[:30], "days": days, "can_escalate": can_escalate}
    )


@login_required
@require_POST
def hot_escalate(request: HttpRequest) -> HttpResponse:
    """Turn a hot issue (the case numbers posted from the hot page) into a tier-3 coordination."""
    numbers = [n for n in request.POST.getlist("case") if n][:200]
    cases = list(cases_for(request.user).filter(number__in=numbers))
    try:
        master = services.escalate_hot_issue(cases=cases, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("text:hot")
    messages.success(request, _("工单 %(n)s 已提交街道协调。") % {"n": master.number})
    return redirect("cases:detail", master.number)
