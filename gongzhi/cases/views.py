"""Staff pages for the case loop: the work queue, case detail with its actions, intake, the
dashboard and the outbox. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.rules import administrator_home
from gongzhi.cases import actions as case_actions
from gongzhi.cases import export, forms, metrics, selectors, services
from gongzhi.cases.actions import ACTIONS
from gongzhi.cases.models import Attachment, Case
from gongzhi.core import rules as permissions
from gongzhi.core.dbrouter import use_replica
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import subtree


def available_actions(user, case: Case) -> list[str]:
    """The actions this user may take on this case now (what to show; the service decides)."""
    return case_actions.available(user, case)


def _bound_form(name: str, case: Case, data=None, files=None):
    form = (
        ACTIONS[name].form(data, files, prefix=name) if data is not None else ACTIONS[name].form(prefix=name)
    )
    if hasattr(form, "limit_units"):
        form.limit_units(case.subdistrict_id)
    if name == "assign" and data is None:
        tier = case.tier or case.category.default_tier
        unit = services.default_unit(case, tier)
        form.initial = {"tier": tier, "unit": unit.pk if unit else None}
    if name == "reclassify" and data is None:
        asked = services.pending_reclassification(case)
        form.initial = {"category": asked.pk} if asked else {}
    if name in ("consult", "coordinate") and data is None:
        form.initial = {"held_on": timezone.localdate()}
    return form


def _run(name: str, case: Case, user, data: dict, version: int) -> Case:
    common = {"case": case, "actor": user, "expected_version": version}
    note = data.get("note", "")
    photos = data.get("photos", [])
    if name == "accept":
        return services.accept_case(note=note, **common)
    if name == "assign":
        return services.assign_case(tier=data["tier"], unit=data["unit"], note=note, **common)
    if name == "reject":
        return services.reject_case(reason=note, **common)
    if name == "escalate":
        return services.escalate_case(reason=note, unit=data.get("unit"), **common)
    if name in ("consult", "coordinate"):
        record = services.record_consultation if name == "consult" else services.record_coordination
        return record(
            held_on=data["held_on"],
            participants=list(data["participants"]),
            decision=note,
            lead_unit=data["lead_unit"],
            co_units=list(data.get("co_units") or []),
            **common,
        )
    if name == "reply":
        return services.reply_case(text=note, photos_=photos, **common)
    if name == "verify":
        return services.verify_case(passed=data["passed"], note=note, photos_=photos, **common)
    if name == "close":
        return services.close_case(note=note, **common)
    if name == "suspend_request":
        return services.request_suspension(reason=note, **common)
    if name == "suspend_approve":
        return services.approve_suspension(approved=data["approved"], note=note, **common)
    if name == "resume":
        return services.resume_case(note=note, **common)
    if name == "reopen":
        return services.reopen_case(reason=note, **common)
    if name == "merge":
        master = selectors.case_for(user, data["master"].strip())
        return services.merge_case(master=master, note=note, **common)
    if name == "rate":
        return services.rate_case(
            rating=data["rating"], solved=data["solved"], comment=data.get("comment", ""), **common
        )
    if name in ("reclassify", "reclassify_request"):
        service = services.reclassify_case if name == "reclassify" else services.request_reclassification
        return service(category=data["category"], reason=note, **common)
    if name == "onsite_check":
        return services.check_onsite(passed=data["passed"], note=note, **common)
    if name == "note":
        return services.add_note(case=case, actor=user, note=note, photos_=photos)
    raise Http404


def _detail_context(
    request: HttpRequest, case: Case, *, errors: dict | None = None, open_action: str = ""
) -> dict:
    names = available_actions(request.user, case)
    action_forms = []
    for name in names:
        form = errors[name] if errors and name in errors else _bound_form(name, case)
        action_forms.append((name, ACTIONS[name].label, form))
    return {
        "case": case,
        "events": selectors.timeline(case),
        "photos": case.attachments.all(),
        "consultations": case.consultations.select_related("lead_unit").prefetch_related("participants"),
        "co_units": list(case.co_units.order_by("name")),
        "action_forms": action_forms,
        "open_action": open_action,
        "now": timezone.now(),
        "duplicates": case.duplicates.all(),
        "duplicates_query": urlencode(
            {
                "exclude": case.number,
                "title": case.title,
                "description": case.description[:500],
                "area": case.area_id,
                **({"lat": case.lat, "lng": case.lng} if case.lat is not None else {}),
            }
        )
        if "merge" in names
        else "",
    }


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.has(user, "case.list"):
        # 三员分立: the administrators read no cases; they land on their own page.
        home = administrator_home(user)
        if home is not None:
            return redirect(home)
        raise PermissionDenied(_("您的角色没有工单列表。"))
    # Everyone lands on what waits for their action now (待我处理), not on one tab of it.
    view = request.GET.get("view") or "todo"
    areas = (
        subtree(user.scope, kinds=[AreaKind.GRID, AreaKind.NEIGHBOURHOOD]).order_by("path")
        if user.scope_id
        else Area.objects.none()
    )
    form = forms.QueueFilterForm(request.GET or None, areas=areas)
    filters = selectors.QueueFilters(view=view)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.QueueFilters(
            view=view,
            status=data["status"] or "open",
            category=data["category"],
            area=data["area"],
            source=data["source"],
            tier=data["tier"],
            overdue=data["overdue"],
            since=data["since"],
            until=data["until"],
            q=data["q"],
        )
    try:
        rows, cursor = selectors.queue(user, filters, after=request.GET.get("after", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        rows, cursor = [], ""
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "rows": rows,
        "cursor": cursor,
        "form": form,
        "view": view,
        "query": query.urlencode(),
        "now": timezone.now(),
        "soon": timezone.now() + timezone.timedelta(hours=24),
        "can_create": permissions.has(user, "case.create", user.scope),
        "filtering": any(k not in ("view", "after") and v for k, v in request.GET.items()),
        "views": [
            ("todo", _("待我处理")),
            ("mine", _("我的")),
            ("unit", _("本单位")),
            ("tier", _("本层级")),
            ("all", _("全部")),
        ],
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "cases/_queue_rows.html", context)
    return render(request, "cases/queue.html", context)


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = selectors.case_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "cases/detail.html", _detail_context(request, case))


@login_required
@require_POST
def act(request: HttpRequest, number: str, name: str) -> HttpResponse:
    if name not in ACTIONS:
        raise Http404
    try:
        case = selectors.case_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = _bound_form(name, case, request.POST, request.FILES)
    status = 200
    try:
        version = int(request.POST.get("version", case.version))
    except ValueError:
        version = case.version
    if not form.is_valid():
        context = _detail_context(request, case, errors={name: form}, open_action=name)
        context["error"] = _("请检查填写的内容。")
        status = 422
    else:
        data = dict(form.cleaned_data)
        if "photos" in form.fields:
            data["photos"] = form.cleaned_data.get("photos") or []
        try:
            _run(name, case, request.user, data, version)
            case = selectors.case_for(request.user, number)
            context = _detail_context(request, case)
            context["success"] = _("已%(action)s。") % {"action": ACTIONS[name].label}
        except NotFound as exc:
            context = _detail_context(request, case, errors={name: form}, open_action=name)
            context["error"] = exc.message
            status = 404
        except DomainError as exc:
            case.refresh_from_db()
            context = _detail_context(request, case, errors={name: form}, open_action=name)
            context["error"] = exc.message
            status = exc.status
    if request.htmx:
        return render(request, "cases/_case_body.html", context, status=status)
    if status == 200:
        messages.success(request, context.get("success", ""))
        return redirect("cases:detail", number=case.number)
    return render(request, "cases/detail.html", context, status=status)


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A case photo, served only to users who may see the case."""
    try:
        case = selectors.case_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    item = get_object_or_404(Attachment, pk=pk, case=case)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.scope_id or not permissions.has(user, "case.create", user.scope):
        raise PermissionDenied(_("您的角色不能登记工单。"))
    areas = subtree(user.scope).exclude(kind__in=[AreaKind.DISTRICT]).order_by("path")
    form = forms.StaffIntakeForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.create_case(
                actor=user,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                source=data["source"],
                area=data["area"],
                lat=data["lat"],
                lng=data["lng"],
                address=data["address"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                photos_=data["photos"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记，工单编号 %(n)s。") % {"n": case.number})
            return redirect("cases:detail", number=case.number)
    status = 422 if request.method == "POST" else 200
    return render(request, "cases/new.html", {"form": form}, status=status)


@login_required
def onsite(request: HttpRequest) -> HttpResponse:
    """现场即办: record a problem found and solved on the spot, in one step on a phone."""
    user = request.user
    if not user.scope_id or not permissions.has(user, "case.onsite", user.scope):
        raise PermissionDenied(_("只有网格员和居民区工作人员可以登记现场即办。"))
    areas = subtree(user.scope).exclude(kind__in=[AreaKind.DISTRICT]).order_by("path")
    form = forms.OnsiteForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.handle_on_site(
                actor=user,
                category=data["category"],
                title=data["title"],
                found=data["found"],
                done=data["done"],
                area=data["area"],
                lat=data["lat"],
                lng=data["lng"],
                address=data["address"],
                photos_before=data["photos_before"],
                photos_after=data["photos_after"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记现场即办并结案，工单编号 %(n)s。") % {"n": case.number})
            return redirect("cases:detail", number=case.number)
    status = 422 if request.method == "POST" else 200
    return render(request, "cases/onsite.html", {"form": form}, status=status)


def _month_of(value: str, today: dt.date) -> dt.date:
    """ "YYYY-MM" → its first day; anything else → this month."""
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@login_required
def onsite_sample(request: HttpRequest) -> HttpResponse:
    """抽查样本: the month's random sample of 现场即办 cases a dispatcher checks (call or visit)."""
    user = request.user
    if not user.scope_id or not permissions.has(user, "case.onsite_check", user.scope):
        raise PermissionDenied(_("只有调度员可以抽查现场即办。"))
    today = timezone.localdate()
    month = _month_of(request.GET.get("month", ""), today)
    sample = selectors.onsite_sample(user, month=month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "sample": sample,
        "share": round(selectors.ONSITE_SAMPLE_SHARE * 100),
        "minimum": selectors.ONSITE_SAMPLE_MINIMUM,
        "previous": previous,
        "following": following if following <= today else None,
    }
    return render(request, "cases/onsite_sample.html", context)


def _board_for(request: HttpRequest):
    """The dashboard's root, period and figures from the query string (the page and its export)."""
    user = request.user
    if not permissions.has(user, "dashboard.view") or not user.scope_id:
        raise PermissionDenied(_("您没有查看统计的权限。"))
    root = user.scope
    area_id = request.GET.get("area")
    if area_id and area_id.isdigit():
        chosen = Area.objects.filter(pk=int(area_id)).first()
        if chosen and permissions.has(user, "area.view", chosen):
            root = chosen
    form = forms.QueueFilterForm(request.GET or None)
    since = until = None
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    month = request.GET.get("month", "")
    if month:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise DomainError(_("月份格式应为 YYYY-MM。")) from None
        since, until = (
            first,
            (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1),
        )
    board = metrics.dashboard_for(user, root=root, since=since, until=until)
    return root, form, since, until, board


@login_required
@use_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    """Rates and volumes of the user's area: the leaders' and dispatchers' subdistrict, the
    neighbourhood committee's and the grid worker's own area."""
    user = request.user
    try:
        root, form, since, until, board = _board_for(request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:dashboard")
    chart = {
        "months": [m for m, _t in board.by_month],
        "volume": [t.total for _m, t in board.by_month],
        "satisfaction": [_pct(t.satisfaction_rate) for _m, t in board.by_month],
        "response": [_pct(t.response_rate) for _m, t in board.by_month],
        "resolution": [_pct(t.resolution_rate) for _m, t in board.by_month],
        "areas": [a.name for a, _t in board.by_area],
        "area_total": [t.total for _a, t in board.by_area],
        "area_overdue": [t.overdue for _a, t in board.by_area],
    }
    children = Area.objects.filter(parent=root).order_by("code")
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "cases/dashboard.html",
        {
            "board": board,
            "root": root,
            "chart": chart,
            "children": children,
            "form": form,
            "ancestors_ok": root != user.scope,
            "export_query": request.GET.urlencode(),
            "last_month": last_month,
            "this_month": today.strftime("%Y-%m"),
        },
    )


@login_required
@use_replica
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The monthly report (月报) as xlsx: ?month=YYYY-MM, or the dashboard's own filters."""
    try:
        root, _form, since, until, board = _board_for(request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    cases = selectors.cases_for(request.user).filter(selectors.scope_filter(root))
    if since:
        cases = cases.filter(created_at__date__gte=since)
    if until:
        cases = cases.filter(created_at__date__lte=until)
    body = export.monthly_report(board, cases, root=root, since=since, until=until)
    label = request.GET.get("month") or f"{since or ''}_{until or ''}".strip("_") or "all"
    response = HttpResponse(body, content_type=export.XLSX)
    filename = f"yuebao-{root.code}-{label}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def print_case(request: HttpRequest, number: str) -> HttpResponse:
    """A printable page of one case: facts, result and the whole timeline, for the paper file."""
    try:
        case = selectors.case_for(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "cases/print.html",
        {
            "case": case,
            "events": selectors.timeline(case),
            "co_units": list(case.co_units.order_by("name")),
            "consultations": case.consultations.select_related("lead_unit").prefetch_related("participants"),
            "printed_at": timezone.now(),
        },
    )


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.has(user, "outbox.view"):
        raise PermissionDenied(_("您没有查看短信记录的权限。"))
    items = selectors.messages_for(user)[:200]
    return render(request, "cases/outbox.html", {"items": items})
