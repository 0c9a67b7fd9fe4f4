"""The care router of the REST API (/api/care/): cared-for people, the round of dues, check-ins
(recorded through the same service as the page), alerts and their actions, groups, figures."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.accounts.models import User
from gongzhi.care import selectors, services
from gongzhi.care.models import Due
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.registry import selectors as registry_selectors
from gongzhi.registry.models import Organization
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area
from gongzhi.volunteers.models import Volunteer

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
    active: bool
    members: int


class CareGroupIn(Schema):
    area_id: int = Field(description="the area the query runs in (subdistrict, neighbourhood, grid, estate)")
    name: str = Field(max_length=60)
    tag_ids: list[int] = Field(description="residents holding ALL of these tags")
    min_age: int | None = Field(None, description="at least this age (empty: any)")
    risk: str = Field("medium", description="high | medium | low: the risk of people it enrols")
    active: bool = True


class CarePolicyOut(Schema):
    subdistrict_id: int
    high: str
    medium: str
    low: str
    margin_days: int
    subdistrict_after_days: int
    not_reached_limit: int


class CarePolicyIn(Schema):
    high: str = Field(description="daily | twice_weekly | weekly | monthly")
    medium: str
    low: str
    margin_days: int = Field(description="working days after the due day before an overdue alert")
    subdistrict_after_days: int = Field(description="working days an alert stays open before the subdistrict")
    not_reached_limit: int = Field(description="not reached this many times in a row: an alert")


class CareRiskIn(Schema):
    risk: str = Field(description="high | medium | low")
    reasons: str = Field(max_length=200)
    frequency: str = Field(
        "", description="empty: by the risk level; or daily | twice_weekly | weekly | monthly"
    )


class CareAssignmentFullOut(Schema):
    id: int
    recipient_id: int
    role: str
    kind: str
    assignee: str
    user_id: int | None
    volunteer_id: int | None
    organization_id: int | None
    duties: str
    active: bool
    started_on: dt.date
    ended_on: dt.date | None


class CareAssignIn(Schema):
    role: str = Field(description="primary | backup")
    kind: str = Field(description="gridworker | neighbourhood | volunteer | neighbour | unit")
    user_id: int | None = Field(None, description="a staff member (gridworker, neighbourhood)")
    volunteer_id: int | None = Field(None, description="a volunteer (volunteer, neighbour)")
    organization_id: int | None = Field(None, description="an alliance member unit (unit)")
    duties: str = Field("", max_length=200)
    expected: int | None = Field(
        None,
        description="the id of the assignment you saw in this role (0: none); if it changed meanwhile "
        "the request is refused with 409 and nothing is written",
    )


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


class CareEnrolIn(Schema):
    resident_id: int
    risk: str = Field(description="high | medium | low")
    reasons: str = Field(max_length=200, description="why (no saved group finds this person)")


@router.post("/recipients", response={201: CareRecipientOut, **ERRORS}, summary="人工纳入关爱")
def enrol(request: HttpRequest, payload: CareEnrolIn):
    user = request.auth
    resident = registry_selectors.residents_for(user).filter(pk=payload.resident_id).first()
    if resident is None:
        raise NotFound()
    made = services.enrol(actor=user, resident=resident, risk=payload.risk, reasons=payload.reasons)
    r = selectors.recipient_for(user, made.pk)
    due = r.dues.filter(met_at__isnull=True).first()
    return 201, _recipient(r, due.due_on if due else None)


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


def _group(g, visible) -> dict:
    return {
        "id": g.pk,
        "name": g.name,
        "area_id": g.area_id,
        "tag_ids": sorted(t.pk for t in g.tags.all()),
        "min_age": g.min_age,
        "risk": g.risk,
        "active": g.active,
        "members": visible.filter(groups=g, active=True).count(),
    }


@router.get("/groups", response={200: list[CareGroupOut], **ERRORS}, summary="关爱人群（保存的标签查询）")
def groups(request: HttpRequest):
    user = request.auth
    visible = selectors.recipients_for(user)
    qs = selectors.groups_for(user).prefetch_related("tags")
    return [_group(g, visible) for g in qs.order_by("pk")[:100]]


def _group_arguments(user, payload: CareGroupIn) -> dict:
    area = Area.objects.filter(pk=payload.area_id).first()
    if area is None or not permissions.has(user, "care.manage", area):
        raise FieldError("area_id", _("范围不存在或不在您的管辖范围内。"))
    tags = list(registry_selectors.tags_for(user).filter(pk__in=payload.tag_ids))
    if len(tags) != len(set(payload.tag_ids)):
        raise FieldError("tag_ids", _("有标签不存在或不可用。"))
    return {
        "area": area,
        "name": payload.name,
        "tags": tags,
        "min_age": payload.min_age,
        "risk": payload.risk,
        "active": payload.active,
    }


@router.post("/groups", response={201: CareGroupOut, **ERRORS}, summary="新建关爱人群")
def group_create(request: HttpRequest, payload: CareGroupIn):
    user = request.auth
    group = services.save_group(actor=user, **_group_arguments(user, payload))
    return 201, _group(selectors.group_for(user, group.pk), selectors.recipients_for(user))


@router.put("/groups/{pk}", response={200: CareGroupOut, **ERRORS}, summary="修改关爱人群")
def group_update(request: HttpRequest, pk: int, payload: CareGroupIn):
    user = request.auth
    group = selectors.group_for(user, pk)
    services.save_group(actor=user, group=group, **_group_arguments(user, payload))
    return _group(selectors.group_for(user, pk), selectors.recipients_for(user))


def _policy(p) -> dict:
    return {
        "subdistrict_id": p.subdistrict_id,
        "high": p.high,
        "medium": p.medium,
        "low": p.low,
        "margin_days": p.margin_days,
        "subdistrict_after_days": p.subdistrict_after_days,
        "not_reached_limit": p.not_reached_limit,
    }


def _subdistrict_for(user, pk: int) -> Area:
    area = Area.objects.filter(pk=pk, kind="subdistrict").first()
    if area is None or not permissions.has(user, "care.view", area):
        raise NotFound()
    return area


@router.get("/policies/{subdistrict_id}", response={200: CarePolicyOut, **ERRORS}, summary="关爱规则")
def policy(request: HttpRequest, subdistrict_id: int):
    area = _subdistrict_for(request.auth, subdistrict_id)
    return _policy(services.policy_for(area.pk))


@router.put(
    "/policies/{subdistrict_id}", response={200: CarePolicyOut, **ERRORS}, summary="设置联系频次与预警规则"
)
def policy_update(request: HttpRequest, subdistrict_id: int, payload: CarePolicyIn):
    area = _subdistrict_for(request.auth, subdistrict_id)
    return _policy(services.save_policy(actor=request.auth, subdistrict=area, **payload.dict()))


@router.post("/recipients/{pk}/risk", response={200: CareRecipientOut, **ERRORS}, summary="设置风险等级")
def risk(request: HttpRequest, pk: int, payload: CareRiskIn):
    user = request.auth
    r = selectors.recipient_for(user, pk)
    services.set_risk(
        actor=user, recipient=r, risk=payload.risk, reasons=payload.reasons, frequency=payload.frequency
    )
    r = selectors.recipient_for(user, pk)
    due = r.dues.filter(met_at__isnull=True).first()
    return _recipient(r, due.due_on if due else None)


def _assignment(a) -> dict:
    return {
        "id": a.pk,
        "recipient_id": a.recipient_id,
        "role": a.role,
        "kind": a.kind,
        "assignee": str(a.assignee),
        "user_id": a.user_id,
        "volunteer_id": a.volunteer_id,
        "organization_id": a.organization_id,
        "duties": a.duties,
        "active": a.active,
        "started_on": a.started_on,
        "ended_on": a.ended_on,
    }


class CareAssignmentQuery(CarePageQuery):
    recipient: int | None = None
    active: bool | None = True


@router.get("/assignments", response={200: list[CareAssignmentFullOut], **ERRORS}, summary="关爱结对")
def assignments(request: HttpRequest, query: Query[CareAssignmentQuery]):
    qs = selectors.assignments_for(request.auth).select_related("user", "volunteer", "organization")
    if query.recipient is not None:
        qs = qs.filter(recipient_id=query.recipient)
    if query.active is not None:
        qs = qs.filter(active=query.active)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [_assignment(a) for a in qs.order_by("pk")[: query.limit]]


@router.post(
    "/recipients/{pk}/assignments",
    response={201: CareAssignmentFullOut, **ERRORS},
    summary="指定或更换主责/备岗",
)
def assign(request: HttpRequest, pk: int, payload: CareAssignIn):
    user = request.auth
    r = selectors.recipient_for(user, pk)
    given = [x for x in (payload.user_id, payload.volunteer_id, payload.organization_id) if x is not None]
    if len(given) != 1:
        raise FieldError("assignee", _("请选择一位结对人（工作人员、志愿者或单位）。"))
    if payload.user_id is not None:
        assignee = {"user": User.objects.filter(pk=payload.user_id, is_active=True).first()}
    elif payload.volunteer_id is not None:
        assignee = {
            "volunteer": Volunteer.objects.filter(
                pk=payload.volunteer_id, subdistrict_id=r.subdistrict_id
            ).first()
        }
    else:
        assignee = {
            "organization": Organization.objects.filter(
                pk=payload.organization_id, subdistrict_id=r.subdistrict_id
            ).first()
        }
    if None in assignee.values():
        raise FieldError("assignee", _("结对人不存在或不在本街道。"))
    made = services.assign(
        actor=user,
        recipient=r,
        role=payload.role,
        kind=payload.kind,
        duties=payload.duties,
        expected=payload.expected,
        **assignee,
    )
    return 201, _assignment(made)


@router.post("/assignments/{pk}/end", response={200: CareAssignmentFullOut, **ERRORS}, summary="结束结对")
def end_assignment(request: HttpRequest, pk: int):
    user = request.auth
    item = selectors.assignment_for(user, pk)
    return _assignment(services.end_assignment(actor=user, assignment=item))


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
