"""The care router of the REST API (/api/care/): cared-for people, the round of dues, check-ins
(recorded through the same service as the page), alerts and their actions, groups, figures."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.care import selectors, services
from gongzhi.care.models import CareGroup, Due
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed
from gongzhi.core.schemas import ErrorOut

router = Router(tags=["care"])
PAGE = 100
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CarePageQuery(Schema):
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class CareRecipientQuery(CarePageQuery):
    risk: str | None = Field(None, description="high | medium | low")
    active: bool = True


class CareAssignmentOut(Schema):
    role: str
    kind: str
    assignee: str
    duties: str


class CareRecipientOut(Schema):
    id: int
    resident_id: int
    name: str
    area_id: int
    risk: str
    reasons: str
    frequency: str
    active: bool
    enrolled_on: dt.date
    next_due_on: dt.date | None


class CareRecipientDetailOut(CareRecipientOut):
    assignments: list[CareAssignmentOut]


class CareDueOut(Schema):
    id: int
    recipient_id: int
    name: str
    due_on: dt.date
    frequency: str
    overdue: bool


class CareCheckInIn(Schema):
    mode: str = Field(description="visit | phone | shop | video")
    outcome: str = Field(description="well | needs_help | not_reached")
    note: str = Field("", max_length=500)
    at: dt.datetime | None = Field(
        None, description="when the contact was made (default: now); not in the future"
    )
    minutes: int = Field(0, ge=0, le=480)


class CareCheckInOut(Schema):
    id: int
    recipient_id: int
    at: dt.datetime
    mode: str
    outcome: str
    note: str
    by: str
    case_ids: list[int]


class CareAlertOut(Schema):
    id: int
    recipient_id: int
    name: str
    area_id: int
    reason: str
    level: str
    state: str
    raised_at: dt.datetime
    escalated_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str


class CareAlertActionIn(Schema):
    action: str = Field(description="acknowledge | close")
    resolution: str = Field("", max_length=500)


class CareAlertQuery(CarePageQuery):
    state: str | None = Field(None, description="open | acknowledged | closed")


class CareGroupOut(Schema):
    id: int
    name: str
    area_id: int
    tag_ids: list[int]
    min_age: int | None
    risk: str
    members: int


class CareFigureRowOut(Schema):
    area_id: int
    name: str
    covered: int
    due: int
    on_time: int
    on_time_rate: int | None
    not_contacted: int
    alerts_open: int


class CareFiguresOut(Schema):
    total: CareFigureRowOut
    rows: list[CareFigureRowOut]


def _recipient(r, next_due_on=None) -> dict:
    return {
        "id": r.pk,
        "resident_id": r.resident_id,
        "name": r.resident.name,
        "area_id": r.area_id,
        "risk": r.risk,
        "reasons": r.reasons,
        "frequency": services.frequency_of(r) if not r.frequency else r.frequency,
        "active": r.active,
        "enrolled_on": r.enrolled_on,
        "next_due_on": next_due_on,
    }


def _open_due():
    return Subquery(Due.objects.filter(recipient=OuterRef("pk"), met_at__isnull=True).values("due_on")[:1])


@router.get("/recipients", response={200: list[CareRecipientOut], **ERRORS}, summary="关爱对象")
def recipients(request: HttpRequest, query: Query[CareRecipientQuery]):
    qs = selectors.recipients_for(request.auth).filter(active=query.active).select_related("resident")
    if query.risk:
        qs = qs.filter(risk=query.risk)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    policies: dict = {}
    rows = []
    for r in qs.annotate(next_due=_open_due()).order_by("pk")[: query.limit]:
        policy = policies.setdefault(r.subdistrict_id, services.policy_for(r.subdistrict_id))
        row = _recipient(r, r.next_due)
        row["frequency"] = services.frequency_of(r, policy)
        rows.append(row)
    return rows


@router.get("/recipients/{pk}", response={200: CareRecipientDetailOut, **ERRORS}, summary="关爱对象详情")
def recipient(request: HttpRequest, pk: int):
    r = selectors.recipient_for(request.auth, pk)
    due = r.dues.filter(met_at__isnull=True).first()
    row = _recipient(r, due.due_on if due else None)
    row["assignments"] = [
        {"role": a.role, "kind": a.kind, "assignee": str(a.assignee), "duties": a.duties}
        for a in r.assignments.filter(active=True).select_related("user", "volunteer", "organization")
    ]
    return row


@router.get("/round", response={200: list[CareDueOut], **ERRORS}, summary="今日应联系（含逾期）")
def round_(request: HttpRequest, query: Query[CarePageQuery], mine: bool = False):
    today = timezone.localdate()
    qs = selectors.round_for(request.auth, today=today, mine=mine)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [
        {
            "id": d.pk,
            "recipient_id": d.recipient_id,
            "name": d.recipient.resident.name,
            "due_on": d.due_on,
            "frequency": d.frequency,
            "overdue": d.due_on < today,
        }
        for d in qs.order_by("pk")[: query.limit]
    ]


def _check_in(c) -> dict:
    return {
        "id": c.pk,
        "recipient_id": c.recipient_id,
        "at": c.at,
        "mode": c.mode,
        "outcome": c.outcome,
        "note": c.note,
        "by": str(c.by),
        "case_ids": [case.pk for case in c.cases.all()],
    }


@router.post(
    "/recipients/{pk}/check-ins", response={201: CareCheckInOut, **ERRORS}, summary="记录一次关爱联系"
)
def check_in(request: HttpRequest, pk: int, payload: CareCheckInIn):
    r = selectors.recipient_for(request.auth, pk)
    made = services.record_check_in(
        actor=request.auth,
        recipient=r,
        mode=payload.mode,
        outcome=payload.outcome,
        note=payload.note,
        at=payload.at,
        minutes=payload.minutes,
    )
    return 201, _check_in(made)


@router.get("/check-ins", response={200: list[CareCheckInOut], **ERRORS}, summary="关爱联系记录")
def check_ins(request: HttpRequest, query: Query[CarePageQuery], recipient: int | None = None):
    qs = (
        selectors.check_ins_for(request.auth)
        .select_related("by_user", "by_volunteer")
        .prefetch_related("cases")
    )
    if recipient is not None:
        qs = qs.filter(recipient_id=recipient)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [_check_in(c) for c in qs.order_by("pk")[: query.limit]]


def _alert(a) -> dict:
    return {
        "id": a.pk,
        "recipient_id": a.recipient_id,
        "name": a.recipient.resident.name,
        "area_id": a.area_id,
        "reason": a.reason,
        "level": a.level,
        "state": a.state,
        "raised_at": a.raised_at,
        "escalated_at": a.escalated_at,
        "acknowledged_at": a.acknowledged_at,
        "closed_at": a.closed_at,
        "resolution": a.resolution,
    }


@router.get("/alerts", response={200: list[CareAlertOut], **ERRORS}, summary="关爱预警")
def alerts(request: HttpRequest, query: Query[CareAlertQuery]):
    qs = selectors.alerts_for(request.auth).select_related("recipient__resident")
    if query.state:
        qs = qs.filter(state=query.state)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [_alert(a) for a in qs.order_by("pk")[: query.limit]]


@router.post("/alerts/{pk}/actions", response={200: CareAlertOut, **ERRORS}, summary="接收或办结预警")
def alert_action(request: HttpRequest, pk: int, payload: CareAlertActionIn):
    item = selectors.alert_for(request.auth, pk)
    item = services.act_on_alert(
        actor=request.auth, alert=item, action=payload.action, resolution=payload.resolution
    )
    return _alert(selectors.alert_for(request.auth, item.pk))


@router.get("/groups", response={200: list[CareGroupOut], **ERRORS}, summary="关爱人群（保存的标签查询）")
def groups(request: HttpRequest):
    user = request.auth
    visible = selectors.recipients_for(user)
    qs = CareGroup.objects.filter(
        subdistrict_id__in=visible.values("subdistrict_id").distinct()
    ).prefetch_related("tags")
    if not user.scope_id:
        return []
    return [
        {
            "id": g.pk,
            "name": g.name,
            "area_id": g.area_id,
            "tag_ids": [t.pk for t in g.tags.all()],
            "min_age": g.min_age,
            "risk": g.risk,
            "members": visible.filter(groups=g, active=True).count(),
        }
        for g in qs.order_by("pk")[:100]
    ]


def _figure_row(row) -> dict:
    return {
        "area_id": row.area.pk,
        "name": row.area.name,
        "covered": row.covered,
        "due": row.due,
        "on_time": row.on_time,
        "on_time_rate": row.on_time_rate,
        "not_contacted": row.not_contacted,
        "alerts_open": row.alerts_open,
    }


@router.get("/figures", response={200: CareFiguresOut, **ERRORS}, summary="关爱统计（按下级区域）")
def figures(request: HttpRequest, silent_days: int = 7):
    user = request.auth
    if user.scope_id is None or not permissions.has(user, "care.view", user.scope):
        raise NotAllowed()
    days = max(1, min(silent_days, 90))
    rows, total = selectors.figures(user, today=timezone.localdate(), silent_days=days)
    return {"total": _figure_row(total), "rows": [_figure_row(r) for r in rows]}
