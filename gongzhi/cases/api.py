"""The cases router of the REST API (/api/cases/): the staff pages' work on cases, through the
same selectors (scope) and services (rules). Every action endpoint calls one service function;
what it refuses comes back as {"code", "message", "details"} with a 4xx status."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Schema, UploadedFile
from pydantic import Field

from gongzhi.accounts.idempotency import run_once
from gongzhi.accounts.models import Unit
from gongzhi.cases import actions as case_actions
from gongzhi.cases import selectors, services
from gongzhi.cases.models import Case, Category, Status
from gongzhi.cases.schemas import (
    ApproveIn,
    AssignIn,
    CaseDetailOut,
    CaseIn,
    CaseNoteIn,
    CaseOut,
    CasePage,
    CategoryOut,
    ErrorOut,
    EscalateIn,
    EventOut,
    MeetingIn,
    MergeIn,
    NoteIn,
    RateIn,
    ReasonIn,
    ReclassifyIn,
    ReplyIn,
    UnitOut,
    VerifyIn,
)
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed, NotFound
from gongzhi.territory.models import Area

router = Router(tags=["cases"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class QueueQuery(Schema):
    view: str = Field("all", pattern="^(all|mine|unit|tier)$")
    status: str = Field(
        "",
        description="a status, 'open' (default) or 'any'",
        pattern="^(|open|any|" + "|".join(Status.values) + ")$",
    )
    category: int | None = Field(None, ge=1, le=2**31 - 1)
    area: int | None = Field(None, ge=1, le=2**31 - 1)
    source: str = Field("", max_length=20)
    tier: int | None = Field(None, ge=1, le=3)
    overdue: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = Field("", max_length=100)
    after: str = Field("", description="cursor from the previous page's `next`", max_length=200)
    limit: int = Field(25, ge=1, le=200)


def detail_of(user, case: Case) -> dict:
    now = timezone.now()
    data = CaseOut.from_case(case, now)
    data.update(
        description=case.description,
        reporter_name=case.reporter_name,
        reporter_phone_last4=case.reporter_phone_last4,
        response_due=case.response_due,
        reply_due=case.reply_due,
        close_due=case.close_due,
        reply_text=case.reply_text,
        rating=case.rating,
        master=case.master.number if case.master_id else None,
        allowed_actions=case_actions.available(user, case),
        timeline=[EventOut.from_event(e) for e in selectors.timeline(case)],
    )
    return data


def _case(request: HttpRequest, number: str) -> Case:
    return selectors.case_for(request.auth, number)


def _unit(request: HttpRequest, pk: int | None) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise NotFound(_("处置单位不存在：%(id)s") % {"id": pk}, code="unit_not_found")
    return unit


def _units(request: HttpRequest, pks: list[int]) -> list[Unit]:
    return [_unit(request, pk) for pk in pks]


def _done(request: HttpRequest, case: Case) -> dict:
    return detail_of(request.auth, selectors.case_for(request.auth, case.number))


# ---------------------------------------------------------------- reads


@router.get("/", response={200: CasePage, **ERRORS}, summary="工单队列（最紧急在前，游标分页）")
def queue(request: HttpRequest, filters: Query[QueueQuery]):
    queue_filters = selectors.QueueFilters(
        view=filters.view,
        status=filters.status,
        category=filters.category,
        area=filters.area,
        source=filters.source,
        tier=filters.tier,
        overdue=filters.overdue,
        since=filters.since,
        until=filters.until,
        q=filters.q,
    )
    rows, cursor = selectors.queue(request.auth, queue_filters, after=filters.after, limit=filters.limit)
    now = timezone.now()
    return {"items": [CaseOut.from_case(c, now) for c in rows], "next": cursor}


@router.get("/categories", response={200: list[CategoryOut], 401: ErrorOut}, summary="类别")
def categories(request: HttpRequest):
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "parent_code": c.parent.code if c.parent_id else None}
        for c in selectors.categories()
    ]


@router.get(
    "/units", response={200: list[UnitOut], 401: ErrorOut}, summary="本街道的处置单位（派遣、会商用）"
)
def units(request: HttpRequest):
    scope = request.auth.scope
    if scope is None:
        return []
    top = scope.subdistrict or scope
    return [
        {"id": u.pk, "name": u.name, "kind": u.kind, "area_code": u.area.code}
        for u in Unit.objects.filter(active=True, area__path__startswith=top.path).select_related("area")
    ]


# ---------------------------------------------------------------- 现场即办


@router.post(
    "/onsite",
    response={201: CaseDetailOut, **ERRORS},
    summary="登记现场即办（multipart：category 类别编码、title、found、done、area 或 lat/lng、address、photos_before、photos_after）",
)
def onsite(
    request: HttpRequest,
    category: Form[str],
    title: Form[str],
    found: Form[str],
    done: Form[str],
    photos_after: File[list[UploadedFile]],
    photos_before: File[list[UploadedFile]] = None,
    area: Form[str] = "",
    lat: Form[float | None] = None,
    lng: Form[float | None] = None,
    address: Form[str] = "",
):
    """A problem found and solved on the spot, reported, handled and closed in one call (the same
    service as the page /cases/onsite/); at least one photo after handling."""
    user = request.auth
    found_category = Category.objects.filter(code=category).select_related("parent").first()
    if found_category is None:
        raise DomainError(_("类别不存在：%(code)s") % {"code": category}, code="category")
    place = None
    if area:
        place = Area.objects.filter(code=area).first()
        if place is None or not permissions.has(user, "area.view", place):
            raise NotFound(_("区域不存在或不在您的管辖范围内：%(code)s") % {"code": area})
    case = services.handle_on_site(
        actor=user,
        category=found_category,
        title=title,
        found=found,
        done=done,
        area=place,
        lat=lat,
        lng=lng,
        address=address,
        photos_before=photos_before or [],
        photos_after=photos_after,
    )
    return 201, json.loads(CaseDetailOut(**detail_of(user, case)).model_dump_json())


class OnsiteSampleCaseOut(Schema):
    number: str
    title: str
    area: str
    category: str
    created_at: dt.datetime
    checked: bool
    passed: bool | None


class OnsiteSampleOut(Schema):
    month: str = Field(..., description="YYYY-MM")
    total: int = Field(..., description="on-site cases recorded that month in the caller's scope")
    checked: int
    cases: list[OnsiteSampleCaseOut]


@router.get("/onsite/sample", response={200: OnsiteSampleOut, **ERRORS}, summary="现场即办的本月抽查样本")
def onsite_sample(request: HttpRequest, month: str = Query("", pattern=r"^(\d{4}-\d{2})?$")):
    user = request.auth
    if not user.scope_id or not permissions.has(user, "case.onsite_check", user.scope):
        raise NotAllowed(_("只有调度员可以抽查现场即办。"))
    today = timezone.localdate()
    try:
        first = dt.date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    except ValueError as exc:
        raise DomainError(_("月份格式应为 YYYY-MM：%(m)s") % {"m": month}, code="invalid") from exc
    sample = selectors.onsite_sample(user, month=first)
    return {
        "month": f"{sample.month:%Y-%m}",
        "total": sample.total,
        "checked": sample.checked,
        "cases": [
            {
                "number": c.number,
                "title": c.title,
                "area": c.area.name,
                "category": c.category.name,
                "created_at": c.created_at,
                "checked": c.checked,
                "passed": c.passed,
            }
            for c in sample.cases
        ],
    }


@router.get("/{number}", response={200: CaseDetailOut, **ERRORS}, summary="工单详情和时间线")
def detail(request: HttpRequest, number: str):
    return detail_of(request.auth, _case(request, number))


# ---------------------------------------------------------------- create


@router.post("/", response={201: CaseDetailOut, **ERRORS}, summary="登记工单（支持 Idempotency-Key）")
def create(
    request: HttpRequest,
    payload: CaseIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    user = request.auth

    def make() -> tuple[int, dict]:
        category = Category.objects.filter(code=payload.category).select_related("parent").first()
        if category is None:
            raise DomainError(_("类别不存在：%(code)s") % {"code": payload.category}, code="category")
        area = None
        if payload.area:
            area = Area.objects.filter(code=payload.area).first()
            if area is None or not permissions.has(user, "area.view", area):
                raise NotFound(_("区域不存在或不在您的管辖范围内：%(code)s") % {"code": payload.area})
        case = services.create_case(
            actor=user,
            category=category,
            title=payload.title,
            description=payload.description,
            source=payload.source,
            area=area,
            lat=payload.lat,
            lng=payload.lng,
            address=payload.address,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
        )
        return 201, json.loads(CaseDetailOut(**detail_of(user, case)).model_dump_json())

    status, body, replayed = run_once(
        user=user, key=idempotency_key, scope="cases.create", body=request.body, create=make
    )
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


# ---------------------------------------------------------------- actions (one service each)


def _action(path: str, summary: str):
    return router.post(path, response={200: CaseDetailOut, **ERRORS}, summary=summary)


@_action("/{number}/accept", "受理")
def accept(request: HttpRequest, number: str, payload: NoteIn):
    case = services.accept_case(
        case=_case(request, number),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/reject", "不予受理")
def reject(request: HttpRequest, number: str, payload: ReasonIn):
    case = services.reject_case(
        case=_case(request, number),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/assign", "派遣")
def assign(request: HttpRequest, number: str, payload: AssignIn):
    case = services.assign_case(
        case=_case(request, number),
        actor=request.auth,
        tier=payload.tier,
        unit=_unit(request, payload.unit),
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/escalate", "升级")
def escalate(request: HttpRequest, number: str, payload: EscalateIn):
    case = services.escalate_case(
        case=_case(request, number),
        actor=request.auth,
        reason=payload.reason,
        unit=_unit(request, payload.unit),
        expected_version=payload.expected_version,
    )
    return _done(request, case)


def _meeting(request: HttpRequest, number: str, payload: MeetingIn, record) -> dict:
    case = record(
        case=_case(request, number),
        actor=request.auth,
        held_on=payload.held_on,
        participants=_units(request, payload.participants),
        decision=payload.decision,
        lead_unit=_unit(request, payload.lead_unit),
        co_units=_units(request, payload.co_units),
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/consult", "记录网格会商（二级）")
def consult(request: HttpRequest, number: str, payload: MeetingIn):
    return _meeting(request, number, payload, services.record_consultation)


@_action("/{number}/coordinate", "记录街道协调（三级）")
def coordinate(request: HttpRequest, number: str, payload: MeetingIn):
    return _meeting(request, number, payload, services.record_coordination)


@_action("/{number}/reply", "反馈办理结果")
def reply(request: HttpRequest, number: str, payload: ReplyIn):
    case = services.reply_case(
        case=_case(request, number),
        actor=request.auth,
        text=payload.text,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/verify", "核查")
def verify(request: HttpRequest, number: str, payload: VerifyIn):
    case = services.verify_case(
        case=_case(request, number),
        actor=request.auth,
        passed=payload.passed,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/onsite-check", "抽查现场即办")
def onsite_check(request: HttpRequest, number: str, payload: VerifyIn):
    case = services.check_onsite(
        case=_case(request, number),
        actor=request.auth,
        passed=payload.passed,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/close", "结案")
def close(request: HttpRequest, number: str, payload: NoteIn):
    case = services.close_case(
        case=_case(request, number),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/reopen", "重新打开")
def reopen(request: HttpRequest, number: str, payload: ReasonIn):
    case = services.reopen_case(
        case=_case(request, number),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


def _category(pk: int) -> Category:
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise NotFound(_("类别不存在：%(id)s") % {"id": pk}, code="category_not_found")
    return category


@_action("/{number}/reclassify", "改类（调度员：改正类别，理由记入时间线）")
def reclassify(request: HttpRequest, number: str, payload: ReclassifyIn):
    case = services.reclassify_case(
        case=_case(request, number),
        actor=request.auth,
        category=_category(payload.category),
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/reclassify-request", "申请改类（承办单位）")
def request_reclassification(request: HttpRequest, number: str, payload: ReclassifyIn):
    case = services.request_reclassification(
        case=_case(request, number),
        actor=request.auth,
        category=_category(payload.category),
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/rate", "电话回访评价（代反映人）")
def rate(request: HttpRequest, number: str, payload: RateIn):
    case = services.rate_case(
        case=_case(request, number),
        actor=request.auth,
        rating=payload.rating,
        solved=payload.solved,
        comment=payload.comment,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/suspension/request", "申请挂起")
def request_suspension(request: HttpRequest, number: str, payload: ReasonIn):
    case = services.request_suspension(
        case=_case(request, number),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/suspension/approve", "审批挂起")
def approve_suspension(request: HttpRequest, number: str, payload: ApproveIn):
    case = services.approve_suspension(
        case=_case(request, number),
        actor=request.auth,
        approved=payload.approved,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/resume", "恢复处置")
def resume(request: HttpRequest, number: str, payload: NoteIn):
    case = services.resume_case(
        case=_case(request, number),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/merge", "合并到主工单")
def merge(request: HttpRequest, number: str, payload: MergeIn):
    case = services.merge_case(
        case=_case(request, number),
        master=_case(request, payload.master),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/notes", "添加备注")
def add_note(request: HttpRequest, number: str, payload: CaseNoteIn):
    case = services.add_note(
        case=_case(request, number),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return _done(request, case)


@_action("/{number}/photos", "添加带照片的备注（multipart：note 和 photos）")
def add_photos(
    request: HttpRequest,
    number: str,
    note: Form[str],
    photos: File[list[UploadedFile]],
):
    case = services.add_note(case=_case(request, number), actor=request.auth, note=note, photos_=photos)
    return _done(request, case)
