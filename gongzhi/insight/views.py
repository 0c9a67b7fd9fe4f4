"""insight pages: weekly reports, the interaction index, supervision alerts, the cockpit."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import Unit
from gongzhi.cases.models import Category
from gongzhi.cases.selectors import cases_for
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.insight import exports, reports, selectors, transitions
from gongzhi.insight.models import DecisionKind
from gongzhi.insight.periods import monday_of
from gongzhi.registry.web import client_ip, int_or_none, staff_page
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.scope import scope_filter


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def display(sections: list[dict]) -> list[dict]:
    """Sections with each table's rows paired with their links, for the templates."""
    out = []
    for section in sections:
        tables = [{**t, "items": table_items(t)} for t in section["tables"]]
        out.append({**section, "tables": tables})
    return out


def table_items(table) -> list[tuple[list, str]]:
    rows = table["rows"] if isinstance(table, dict) else table.rows
    links = (table["links"] if isinstance(table, dict) else table.links) or []
    return [(row, links[i] if i < len(links) else "") for i, row in enumerate(rows)]


def _grids_for(user) -> list[Area]:
    scope = user.scope
    grids = Area.objects.filter(path__startswith=scope.path, kind=AreaKind.GRID)
    if scope.kind in (AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.BUILDING):
        return []
    return list(grids.order_by("path"))


@staff_page
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "weeklyreport.view")
    week = monday_of(_date(request.GET.get("week"), timezone.localdate()))
    if request.method == "POST":
        _require(user, "weeklyreport.edit")
        grids = _grids_for(user)
        for grid in grids:
            reports.generate_report(grid=grid, week_start=week, actor=user)
        messages.success(request, _("已生成 %(n)d 个网格的例会报告。") % {"n": len(grids)})
        return redirect(f"{request.path}?week={week:%Y-%m-%d}")
    week_reports = list(
        selectors.reports_for(user).filter(week_start=week).select_related("area").order_by("area__path")
    )
    return render(
        request,
        "insight/reports.html",
        {
            "week": week,
            "previous": week - dt.timedelta(days=7),
            "next": week + dt.timedelta(days=7),
            "reports": week_reports,
            "rollup": _rollup(week_reports),
            "can_generate": permissions.has(user, "weeklyreport.edit", user.scope) and bool(_grids_for(user)),
        },
    )


def _rollup(week_reports) -> dict | None:
    if len(week_reports) < 2:
        return None
    table = reports.subdistrict_rollup(week_reports)
    return {"title": table.title, "columns": table.columns, "items": table_items(table)}


@staff_page
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = selectors.report_for(user, pk)
    can_edit = permissions.has(user, "weeklyreport.edit", report) and not report.frozen
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "agenda":
                reports.edit_agenda(report=report, actor=user, agenda=request.POST.get("agenda", ""))
                messages.success(request, _("议程已保存。"))
            elif action == "refresh":
                reports.refresh_report(report=report, actor=user)
                messages.success(request, _("已按最新数据重新生成。"))
            elif action == "freeze":
                reports.freeze_report(report=report, actor=user)
                messages.success(request, _("报告已定稿，数据不再变化。"))
            elif action == "decide":
                _decide(request, report)
                messages.success(request, _("决定已记录，并已写入工单。"))
            else:
                raise DomainError(_("未知的操作。"))
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            messages.error(request, exc.message)
        return redirect("insight:report", pk=report.pk)
    open_cases = []
    if can_edit:
        open_cases = list(
            cases_for(user)
            .filter(
                scope_filter(report.area),
                status__in=["accepted", "assigned", "replied", "verified", "suspended"],
            )
            .order_by("-created_at")
            .values("pk", "number", "title")[:100]
        )
    return render(
        request,
        "insight/report.html",
        {
            "report": report,
            "sections": display(report.sections),
            "decisions": report.decisions.select_related("owner", "case"),
            "can_edit": can_edit,
            "actions": transitions.available(transitions.REPORT_ACTIONS, report.status) if can_edit else [],
            "units": Unit.objects.filter(active=True).order_by("name") if can_edit else [],
            "categories": Category.objects.filter(active=True, parent__isnull=False).order_by("code")
            if can_edit
            else [],
            "open_cases": open_cases,
            "kinds": DecisionKind.choices,
            "pdf_available": exports.pdf_font() is not None,
        },
    )


def _decide(request: HttpRequest, report) -> None:
    post = request.POST
    kind = post.get("kind", "")
    owner = Unit.objects.filter(pk=int_or_none(post.get("owner"))).first()
    due_on = None
    try:
        due_on = dt.date.fromisoformat(post.get("due_on", ""))
    except ValueError:
        raise DomainError(_("请填写完成期限。")) from None
    case = None
    if kind == DecisionKind.CASE_ACTION:
        case = cases_for(request.user).filter(pk=int_or_none(post.get("case"))).first()
    category = Category.objects.filter(pk=int_or_none(post.get("category"))).first()
    reports.record_decision(
        report=report,
        actor=request.user,
        kind=kind,
        text=post.get("text", ""),
        owner=owner,
        due_on=due_on,
        case=case,
        category=category,
    )


@staff_page
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = selectors.report_for(request.user, pk)
    data, content_type, name = exports.export(report, fmt, user=request.user, ip=client_ip(request))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


INDEX_KIND_LABELS = {
    "report": gettext_lazy("反映问题"),
    "rating": gettext_lazy("评价"),
    "visit": gettext_lazy("接受走访"),
    "suggestion": gettext_lazy("人民建议"),
    "support": gettext_lazy("附议"),
    "deliberation": gettext_lazy("参加议事"),
    "volunteer_hour": gettext_lazy("志愿服务小时"),
    "event": gettext_lazy("参加活动"),
    "reach": gettext_lazy("覆盖面"),
    "depth": gettext_lazy("活跃度"),
    "responsiveness": gettext_lazy("回应度"),
    "value": gettext_lazy("指数"),
}


@staff_page
def index_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "interactionindex.view")
    rows = selectors.index_rows_for(user)
    months = list(rows.order_by("-month").values_list("month", flat=True).distinct()[:12])
    month = _date(request.GET.get("month"), months[0] if months else timezone.localdate().replace(day=1))
    month = month.replace(day=1)
    ranking = list(rows.filter(month=month).select_related("area").order_by("-value", "area__code"))
    trend: dict[str, dict] = {}
    for item in rows.filter(month__in=months).select_related("area").order_by("month"):
        trend.setdefault(item.area.name, {})[f"{item.month:%Y-%m}"] = round(item.value, 1)
    labels = sorted({f"{m:%Y-%m}" for m in months})
    return render(
        request,
        "insight/index.html",
        {
            "month": month,
            "months": months,
            "ranking": ranking,
            "chart": {
                "months": labels,
                "series": [
                    {"name": name, "data": [values.get(m) for m in labels]}
                    for name, values in sorted(trend.items())
                ],
            },
            "weights": _index_weights(),
        },
    )


def _index_weights() -> dict:
    from gongzhi.insight import config

    return config.get("index")


@staff_page
def index_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from gongzhi.insight import index as interaction_index

    row = selectors.index_rows_for(request.user).select_related("area").filter(pk=pk).first()
    if row is None:
        raise NotAllowed()
    lines = [
        {**line, "label": INDEX_KIND_LABELS.get(line["kind"], line["kind"])}
        for line in interaction_index.drilldown(row)
    ]
    return render(
        request, "insight/index_detail.html", {"row": row, "lines": lines, "weights": _index_weights()}
    )


@staff_page
def alert_list(request: HttpRequest) -> HttpResponse:
    from gongzhi.insight import supervision
    from gongzhi.registry.web import page_of

    user = request.user
    _require(user, "alert.view")
    if request.method == "POST":
        _require(user, "alert.scan")
        subdistricts = _subdistricts_of(user)
        found = 0
        for subdistrict in subdistricts:
            found += sum(supervision.scan(subdistrict=subdistrict, actor=user).found.values())
        messages.success(request, _("已运行全部监督规则，共 %(n)d 条发现。") % {"n": found})
        return redirect("insight:alerts")
    alerts = selectors.alerts_for(user)
    status = request.GET.get("status", "open")
    rule = request.GET.get("rule", "")
    listed = alerts
    if status in ("open", "confirmed", "dismissed"):
        listed = listed.filter(status=status)
    if rule:
        listed = listed.filter(rule=rule)
    titles = {r.code: r.title for r in supervision.active_rules()}
    page = page_of(request, listed.select_related("unit", "area").order_by("-found_at", "-id"), 30)
    for alert in page:
        alert.rule_title = titles.get(alert.rule, alert.rule)
    return render(
        request,
        "insight/alerts.html",
        {
            "figures": supervision.figures(alerts, _subdistricts_of(user)),
            "by_unit": supervision.by_unit_and_month(alerts),
            "page": page,
            "status": status,
            "rule": rule,
            "rules": supervision.active_rules(),
            "can_scan": permissions.has(user, "alert.scan", user.scope),
        },
    )


def _subdistricts_of(user) -> list[Area]:
    scope = user.scope
    if scope.kind == AreaKind.SUBDISTRICT:
        return [scope]
    if scope.kind == AreaKind.DISTRICT:
        return list(Area.objects.filter(parent=scope, kind=AreaKind.SUBDISTRICT).order_by("code"))
    return [scope.subdistrict] if scope.subdistrict_id else []


@staff_page
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from gongzhi.accounts.models import AuditEvent
    from gongzhi.insight import supervision

    user = request.user
    alert = selectors.alert_for(user, pk)
    if request.method == "POST":
        try:
            supervision.review_alert(
                alert=alert,
                actor=user,
                action=request.POST.get("action", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("研判意见已记录。"))
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            messages.error(request, exc.message)
        return redirect("insight:alert", pk=alert.pk)
    can_review = permissions.has(user, "alert.review", alert)
    rule = supervision.RULES.get(alert.rule)
    return render(
        request,
        "insight/alert.html",
        {
            "alert": alert,
            "rule_title": rule.title if rule else alert.rule,
            "rule_number": rule.number if rule else "",
            "actions": [
                (name, transitions.ALERT_ACTIONS[name].label)
                for name in transitions.available(transitions.ALERT_ACTIONS, alert.status)
            ]
            if can_review
            else [],
            "history": AuditEvent.objects.filter(
                object_type="insight.alert", object_id=str(alert.pk)
            ).order_by("created_at"),
        },
    )


def _cockpit_root(request: HttpRequest) -> Area:
    user = request.user
    _require(user, "cockpit.view")
    root = user.scope
    wanted = int_or_none(request.GET.get("area"))
    if wanted:
        area = Area.objects.filter(pk=wanted).first()
        if area is None or not root.contains(area):
            raise NotAllowed()
        root = area
    return root


@staff_page
def cockpit(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    root = _cockpit_root(request)
    return render(
        request, "insight/cockpit.html", {"root": root, "tile_url": settings.GONGZHI_TILE_URL or ""}
    )


@staff_page
def cockpit_data(request: HttpRequest) -> HttpResponse:
    from django.http import JsonResponse

    from gongzhi.insight.cockpit import cockpit_data as build

    return JsonResponse(build(request.user, _cockpit_root(request)))
