"""The mediation router of the REST API (/api/mediation/): the dispute ledger of the caller's
scope, one dispute with its parties (masked unless the caller mediates), sessions, agreement and
follow-ups, the figures, and every action of `transitions.ACTIONS` through the same services."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, UploadedFile
from pydantic import Field

from gongzhi.cases.models import Category
from gongzhi.core.errors import DomainError
from gongzhi.core.schemas import ErrorOut
from gongzhi.mediation import agreements, selectors, services
from gongzhi.mediation.models import Action, Dispute, PartyRole
from gongzhi.territory.models import Area

router = Router(tags=["mediation"])
PAGE = 100
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MediationDisputeQuery(Schema):
    status: str = ""
    kind: str = ""
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class MediationDisputeOut(Schema):
    id: int
    number: str
    kind: str
    source: str
    status: str
    title: str
    area_id: int
    case_id: int | None
    applied_at: dt.datetime
    accept_due_at: dt.datetime
    accepted_at: dt.datetime | None
    mediation_due_at: dt.datetime | None
    ended_at: dt.datetime | None
    referral: str
    overdue: bool


class MediationPartyOut(Schema):
    role: str
    name: str
    phone: str
    resident_id: int | None


class MediationSessionOut(Schema):
    held_at: dt.datetime
    place: str
    attendees: str
    summary: str


class MediationAgreementOut(Schema):
    form: str
    terms: str
    signed_on: dt.date
    perform_by: dt.date | None
    confirm_by: dt.date
    confirmation_applied_on: dt.date | None
    held_check_on: dt.date
    court_result: str = Field(description="'' | confirmed | rejected")
    court_result_on: dt.date | None
    court_case_number: str
    has_scan: bool = Field(description="the signed scan is on file (read it on the dispute's page)")


class MediationFollowUpOut(Schema):
    on: dt.date
    performance: str
    note: str


class MediationEventOut(Schema):
    seq: int
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    note: str


class MediationDisputeDetailOut(MediationDisputeOut):
    matter: str
    parties: list[MediationPartyOut]
    sessions: list[MediationSessionOut]
    agreement: MediationAgreementOut | None
    follow_ups: list[MediationFollowUpOut]
    events: list[MediationEventOut]
    actions: list[str]


class MediationPartyIn(Schema):
    role: str = Field(description="applicant | respondent")
    name: str = ""
    phone: str = ""
    address: str = ""


class MediationDisputeIn(Schema):
    area_id: int
    kind: str
    title: str
    matter: str
    address: str = ""
    source: str = "application"
    parties: list[MediationPartyIn]


class MediationFromCaseIn(Schema):
    case_number: str
    kind: str
    respondent: MediationPartyIn


class MediationActionIn(Schema):
    """The fields an action needs (the others are ignored)."""

    expected_version: int | None = None
    reason: str = ""
    referral: str = ""
    category_id: int | None = None
    held_at: dt.datetime | None = None
    place: str = ""
    attendees: str = ""
    summary: str = ""
    terms: str = ""
    signed_on: dt.date | None = None
    signed_by: str = ""
    form: str = "written"
    perform_by: dt.date | None = None
    applied_on: dt.date | None = None
    result: str = Field("", description="court_result: confirmed | rejected")
    decided_on: dt.date | None = Field(None, description="court_result: 裁定日期")
    case_number: str = Field("", description="court_result: 法院案号")
    on: dt.date | None = None
    performance: str = ""
    note: str = ""


class MediationFiguresOut(Schema):
    received: int
    accepted: int
    agreed: int
    held: int
    broken: int
    failed: int
    open: int
    agreement_rate: int | None
    held_rate: int | None


def _out(d: Dispute, now: dt.datetime) -> dict:
    return {
        "id": d.pk,
        "number": d.number or "",
        "kind": d.kind,
        "source": d.source,
        "status": d.status,
        "title": d.title,
        "area_id": d.area_id,
        "case_id": d.case_id,
        "applied_at": d.applied_at,
        "accept_due_at": d.accept_due_at,
        "accepted_at": d.accepted_at,
        "mediation_due_at": d.mediation_due_at,
        "ended_at": d.ended_at,
        "referral": d.referral,
        "overdue": d.is_overdue(now),
    }


def _detail(request: HttpRequest, dispute: Dispute) -> dict:
    from gongzhi.core import rules as permissions
    from gongzhi.mediation import transitions

    user = request.auth
    agreement = (
        getattr(dispute, "agreement", None) if dispute.status in ("agreed", "held", "broken") else None
    )
    can_mediate = permissions.has(user, "dispute.mediate", dispute)
    return _out(dispute, timezone.now()) | {
        "matter": dispute.matter,
        "parties": [
            {
                "role": p.role,
                "name": selectors.party_name(user, p, dispute),
                "phone": p.phone_mask,
                "resident_id": p.resident_id if can_mediate else None,
            }
            for p in dispute.parties.all()
        ],
        "sessions": list(dispute.sessions.values("held_at", "place", "attendees", "summary")),
        "agreement": agreement
        and {
            f: getattr(agreement, f)
            for f in (
                "form",
                "terms",
                "signed_on",
                "perform_by",
                "confirm_by",
                "confirmation_applied_on",
                "held_check_on",
                "court_result",
                "court_result_on",
                "court_case_number",
            )
        }
        | {"has_scan": bool(agreement.scan)},
        "follow_ups": list(dispute.follow_ups.values("on", "performance", "note")),
        "events": list(dispute.events.values("seq", "at", "action", "from_status", "to_status", "note")),
        "actions": agreements.offered(dispute, transitions.actions_from(dispute.status))
        if can_mediate
        else [],
    }


@router.get("/disputes", response={200: list[MediationDisputeOut], 422: ErrorOut}, summary="矛盾纠纷台账")
def disputes(request: HttpRequest, query: Query[MediationDisputeQuery]):
    qs = selectors.disputes_for(request.auth)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    now = timezone.now()
    return [_out(d, now) for d in qs.order_by("pk")[: query.limit]]


@router.get("/disputes/{pk}", response={200: MediationDisputeDetailOut, **ERRORS}, summary="一件纠纷")
def dispute(request: HttpRequest, pk: int):
    return _detail(request, selectors.dispute_for(request.auth, pk))


@router.get(
    "/figures",
    response={200: MediationFiguresOut, 422: ErrorOut},
    summary="受理、调解、达成协议、三个月后履行",
)
def figures(request: HttpRequest, since: dt.date | None = None, until: dt.date | None = None):
    f = selectors.figures_for(request.auth, since=since, until=until)
    return f.__dict__ | {"agreement_rate": f.agreement_rate, "held_rate": f.held_rate}


def _party(spec: MediationPartyIn) -> services.PartySpec:
    return services.PartySpec(role=spec.role, name=spec.name, phone=spec.phone, address=spec.address)


@router.post("/disputes", response={201: MediationDisputeDetailOut, **ERRORS}, summary="登记纠纷")
def register(request: HttpRequest, body: MediationDisputeIn):
    area = Area.objects.filter(pk=body.area_id).first()
    if area is None:
        raise DomainError(_("区域不存在。"), details={"field": "area_id"})
    created = services.register_dispute(
        actor=request.auth,
        area=area,
        kind=body.kind,
        title=body.title,
        matter=body.matter,
        address=body.address,
        source=body.source,
        parties=[_party(p) for p in body.parties],
    )
    return 201, _detail(request, selectors.dispute_for(request.auth, created.pk))


@router.post("/from-case", response={201: MediationDisputeDetailOut, **ERRORS}, summary="工单转入调解")
def from_case(request: HttpRequest, body: MediationFromCaseIn):
    from gongzhi.cases import selectors as case_selectors

    case = case_selectors.case_for(request.auth, body.case_number)
    respondent = _party(body.respondent)
    respondent.role = PartyRole.RESPONDENT
    created = services.dispute_from_case(actor=request.auth, case=case, kind=body.kind, respondent=respondent)
    return 201, _detail(request, selectors.dispute_for(request.auth, created.pk))


def _need(value, field: str):
    if value is None:
        raise DomainError(_("缺少字段 %(field)s。") % {"field": field}, details={"field": field})
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


@router.post(
    "/disputes/{pk}/agreement/scan",
    response={200: MediationDisputeDetailOut, **ERRORS},
    summary="上传调解协议签字扫描件",
    description="multipart `file`: a JPEG, PNG or WebP of the signed agreement (the content decides, "
    "not the name; size limited; re-encoded without metadata). A written agreement only; a later "
    "upload replaces the earlier one.",
)
def upload_scan(request: HttpRequest, pk: int, file: File[UploadedFile]):
    user = request.auth
    d = selectors.dispute_for(user, pk)
    agreements.upload_scan(dispute=d, actor=user, upload=file)
    return _detail(request, selectors.dispute_for(user, pk))


@router.post(
    "/disputes/{pk}/actions/{action}", response={200: MediationDisputeDetailOut, **ERRORS}, summary="办理一步"
)
def act(request: HttpRequest, pk: int, action: str, body: MediationActionIn):
    user = request.auth
    d = selectors.dispute_for(user, pk)
    category = Category.objects.filter(pk=body.category_id).first() if body.category_id else None
    match action:
        case Action.ACCEPT:
            services.accept_dispute(dispute=d, actor=user, expected_version=body.expected_version)
        case Action.DECLINE:
            services.decline_dispute(dispute=d, actor=user, reason=body.reason)
        case Action.SESSION:
            services.record_session(
                dispute=d,
                actor=user,
                held_at=_need(body.held_at, "held_at"),
                place=body.place,
                attendees=body.attendees,
                summary=body.summary,
            )
        case Action.EXTEND:
            services.extend_dispute(dispute=d, actor=user, reason=body.reason)
        case Action.AGREE:
            services.sign_agreement(
                dispute=d,
                actor=user,
                terms=body.terms,
                signed_on=_need(body.signed_on, "signed_on"),
                signed_by=body.signed_by,
                form=body.form,
                perform_by=body.perform_by,
            )
        case Action.FAIL:
            services.fail_dispute(
                dispute=d, actor=user, reason=body.reason, referral=body.referral, category=category
            )
        case Action.WITHDRAW:
            services.withdraw_dispute(dispute=d, actor=user, reason=body.reason)
        case Action.CONFIRM:
            services.apply_confirmation(
                dispute=d, actor=user, applied_on=_need(body.applied_on, "applied_on")
            )
        case Action.COURT_RESULT:
            agreements.record_court_result(
                dispute=d,
                actor=user,
                result=body.result,
                decided_on=_need(body.decided_on, "decided_on"),
                case_number=body.case_number,
            )
        case Action.SCAN:
            raise DomainError(
                _("请用 POST /disputes/{id}/agreement/scan 上传扫描件。"), code="unknown_action"
            )
        case Action.FOLLOW_UP:
            services.record_follow_up(
                dispute=d, actor=user, on=_need(body.on, "on"), performance=body.performance, note=body.note
            )
        case Action.CLOSE_HELD:
            services.close_held(dispute=d, actor=user)
        case Action.REPORT_BROKEN:
            services.report_broken(
                dispute=d, actor=user, reason=body.reason, referral=body.referral, category=category
            )
        case _:
            raise DomainError(_("未知的操作：%(action)s") % {"action": action}, code="unknown_action")
    return _detail(request, selectors.dispute_for(user, pk))
