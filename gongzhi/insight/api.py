"""The insight router of the REST API (/api/insight/): weekly reports (with their exports),
the interaction index, supervision alerts and their review, and the cockpit's data. The same
selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.errors import DomainError, NotAllowed, NotFound
from gongzhi.core.rules import has
from gongzhi.core.schemas import ErrorOut
from gongzhi.insight import exports, reports, selectors, supervision
from gongzhi.insight.models import Alert, InteractionIndex, WeeklyReport
from gongzhi.territory.models import Area

router = Router(tags=["insight"])
PAGE = 100
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class InsightReportQuery(Schema):
    week: dt.date | None = Field(None, description="any day of the week (its Monday is used)")
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class InsightReportOut(Schema):
    id: int
    area_id: int
    area: str
    week_start: dt.date
    status: str
    generated_at: dt.datetime
    frozen_at: dt.datetime | None


class InsightDecisionOut(Schema):
    text: str
    kind: str
    owner: str
    due_on: dt.date
    case_number: str


class InsightReportDetailOut(InsightReportOut):
    agenda: str
    sections: list[dict[str, Any]]
    decisions: list[InsightDecisionOut]


class InsightGenerateIn(Schema):
    grid_id: int
    week_start: dt.date


class InsightIndexOut(Schema):
    id: int
    area_id: int
    area: str
    month: dt.date
    value: float
    reach: float
    depth: float
    responsiveness: float | None
    households: int
    reached: int
    weighted: float
    counts: dict[str, int]
    rates: dict[str, float | None]


class InsightAlertOut(Schema):
    id: int
    rule: str
    key: str
    title: str
    detail: str
    area_id: int
    unit_id: int | None
    person_id: int | None
    status: str
    reason: str
    found_at: dt.datetime
    last_seen_at: dt.datetime
    evidence: list[dict[str, Any]]


class InsightReviewIn(Schema):
    action: str = Field(description="confirm, dismiss or reopen")
    reason: str


class InsightRuleFiguresOut(Schema):
    number: int
    code: str
    title: str
    alerts: int
    open: int
    confirmed: int
    dismissed: int
    planted: int
    planted_found: int


def _report(r: WeeklyReport) -> dict:
    return {
        "id": r.pk,
        "area_id": r.area_id,
        "area": r.area.name,
        "week_start": r.week_start,
        "status": r.status,
        "generated_at": r.generated_at,
        "frozen_at": r.frozen_at,
    }


def _detail(r: WeeklyReport) -> dict:
    return {
        **_report(r),
        "agenda": r.agenda,
        "sections": r.sections,
        "decisions": [
            {
                "text": d.text,
                "kind": d.kind,
                "owner": d.owner.name,
                "due_on": d.due_on,
                "case_number": d.case.number,
            }
            for d in r.decisions.select_related("owner", "case")
        ],
    }


@router.get("/reports", response={200: list[InsightReportOut], **ERRORS}, summary="网格例会报告")
def report_list(request: HttpRequest, query: Query[InsightReportQuery]):
    qs = selectors.reports_for(request.auth).select_related("area")
    if query.week:
        qs = qs.filter(week_start=query.week - dt.timedelta(days=query.week.weekday()))
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [_report(r) for r in qs.order_by("pk")[: query.limit]]


@router.get("/reports/{pk}", response={200: InsightReportDetailOut, **ERRORS}, summary="一份例会报告")
def report_detail(request: HttpRequest, pk: int):
    return _detail(selectors.report_for(request.auth, pk))


@router.post("/reports", response={200: InsightReportDetailOut, **ERRORS}, summary="生成（或刷新）网格周报")
def report_generate(request: HttpRequest, payload: InsightGenerateIn):
    grid = Area.objects.filter(pk=payload.grid_id).first()
    if grid is None:
        raise NotFound()
    report = reports.generate_report(grid=grid, week_start=payload.week_start, actor=request.auth)
    return _detail(selectors.report_for(request.auth, report.pk))


@router.post("/reports/{pk}/freeze", response={200: InsightReportDetailOut, **ERRORS}, summary="定稿")
def report_freeze(request: HttpRequest, pk: int):
    report = reports.freeze_report(report=selectors.report_for(request.auth, pk), actor=request.auth)
    return _detail(selectors.report_for(request.auth, report.pk))


@router.get(
    "/reports/{pk}/export/{fmt}",
    response={200: None, **ERRORS},
    summary="导出例会报告（docx、pdf 或 xlsx）",
    openapi_extra={
        "responses": {"200": {"description": "the file", "content": {"application/octet-stream": {}}}}
    },
)
def report_export(request: HttpRequest, pk: int, fmt: str):
    report = selectors.report_for(request.auth, pk)
    data, content_type, name = exports.export(
        report, fmt, user=request.auth, ip=request.META.get("REMOTE_ADDR")
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _index(r: InteractionIndex) -> dict:
    return {
        "id": r.pk,
        "area_id": r.area_id,
        "area": r.area.name,
        "month": r.month,
        "value": r.value,
        "reach": r.reach,
        "depth": r.depth,
        "responsiveness": r.responsiveness,
        "households": r.households,
        "reached": r.reached,
        "weighted": r.weighted,
        "counts": r.counts,
        "rates": r.rates,
    }


@router.get(
    "/index", response={200: list[InsightIndexOut], **ERRORS}, summary="居民互动指数（按居民区和月份）"
)
def index_list(request: HttpRequest, month: dt.date | None = None, after: int | None = None):
    qs = selectors.index_rows_for(request.auth).select_related("area")
    if month:
        qs = qs.filter(month=month.replace(day=1))
    if after is not None:
        qs = qs.filter(pk__gt=after)
    return [_index(r) for r in qs.order_by("pk")[:PAGE]]


def _alert(a: Alert) -> dict:
    return {
        "id": a.pk,
        "rule": a.rule,
        "key": a.key,
        "title": a.title,
        "detail": a.detail,
        "area_id": a.area_id,
        "unit_id": a.unit_id,
        "person_id": a.person_id,
        "status": a.status,
        "reason": a.reason,
        "found_at": a.found_at,
        "last_seen_at": a.last_seen_at,
        "evidence": a.evidence,
    }


@router.get("/alerts", response={200: list[InsightAlertOut], **ERRORS}, summary="智慧监督预警")
def alert_list(
    request: HttpRequest, status: str | None = None, rule: str | None = None, after: int | None = None
):
    qs = selectors.alerts_for(request.auth)
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    return [_alert(a) for a in qs.order_by("pk")[:PAGE]]


@router.get(
    "/alerts/figures", response={200: list[InsightRuleFiguresOut], **ERRORS}, summary="各规则发现与预埋情况"
)
def alert_figures(request: HttpRequest):
    user = request.auth
    if user.scope_id is None or not has(user, "alert.view", user.scope):
        raise NotAllowed()
    subdistricts = Area.objects.filter(path__startswith=user.scope.path, kind="subdistrict")
    return [
        {k: getattr(r, k) for k in InsightRuleFiguresOut.model_fields}
        for r in supervision.figures(selectors.alerts_for(user), subdistricts)
    ]


@router.get("/alerts/{pk}", response={200: InsightAlertOut, **ERRORS}, summary="一条预警")
def alert_detail(request: HttpRequest, pk: int):
    return _alert(selectors.alert_for(request.auth, pk))


@router.post(
    "/alerts/{pk}/review", response={200: InsightAlertOut, **ERRORS}, summary="研判预警（须写明意见）"
)
def alert_review(request: HttpRequest, pk: int, payload: InsightReviewIn):
    alert = supervision.review_alert(
        alert=selectors.alert_for(request.auth, pk),
        actor=request.auth,
        action=payload.action,
        reason=payload.reason,
    )
    return _alert(alert)


@router.get("/cockpit", response={200: dict[str, Any], **ERRORS}, summary="驾驶舱数据")
def cockpit(request: HttpRequest, area: int | None = None):
    from gongzhi.insight.cockpit import cockpit_data

    user = request.auth
    if user.scope_id is None or not has(user, "cockpit.view", user.scope):
        raise NotAllowed()
    root = user.scope
    if area is not None:
        root = Area.objects.filter(pk=area).first()
        if root is None or not user.scope.contains(root):
            raise DomainError(_("该区域不在您的管辖范围内。"), code="out_of_scope")
    return cockpit_data(user, root)
