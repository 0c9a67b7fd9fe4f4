"""The volunteers router of the REST API (/api/volunteers/): volunteers with hours, stars and
balances, their ledgers and service records, activities and sign-ups (staff actions from the
one action table), deeds, the shop and redemptions, figures. Volunteers' own actions (scan,
redeem) are on their phone pages, not behind staff tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.volunteers import export, party, selectors, services

router = Router(tags=["volunteers"])
PAGE = 100
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class VolunteerPageQuery(Schema):
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class VolunteerOut(Schema):
    id: int
    name: str
    area_id: int
    phone: str = Field(description="masked")
    verification: str
    talent: bool
    party_member: bool
    joined_on: dt.date
    hours: Decimal
    stars: int
    balance: int


class VolunteerPointsEntryOut(Schema):
    id: int
    points: int
    kind: str
    reason: str
    source: str
    transfer: str | None
    corrects_id: int | None
    expires_on: dt.date | None
    created_at: dt.datetime


class VolunteerServiceRecordOut(Schema):
    id: int
    volunteer_id: int
    source: str
    activity: str
    place: str
    started_at: dt.datetime
    ended_at: dt.datetime
    hours: Decimal


class VolunteerCredentialOut(Schema):
    id: int
    volunteer_id: int
    kind: str = Field(description="training | award | evaluation")
    title: str
    on: dt.date
    note: str


class VolunteerCredentialIn(Schema):
    kind: str = Field(description="training | award | evaluation")
    title: str = Field(max_length=120)
    on: dt.date
    note: str = Field("", max_length=200)


class VolunteerOpportunityOut(Schema):
    id: int
    title: str
    scenario: str
    area_id: int
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    state: str
    points_per_hour: int | None


class VolunteerSignupOut(Schema):
    id: int
    opportunity_id: int
    volunteer_id: int
    state: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    travel_minutes: int


class VolunteerSignupActionIn(Schema):
    action: str = Field(description="confirm | waitlist | promote | verify | credit | no_show | cancel")


class VolunteerDeedOut(Schema):
    id: int
    volunteer_id: int
    description: str
    happened_on: dt.date
    state: str
    reporter_name: str


class VolunteerDeedIn(Schema):
    volunteer_id: int
    description: str = Field(max_length=200)
    happened_on: dt.date


class VolunteerDeedConfirmIn(Schema):
    accept: bool = True


class VolunteerRewardOut(Schema):
    id: int
    name: str
    points: int
    stock: int
    area_id: int
    active: bool


class VolunteerRedemptionOut(Schema):
    id: int
    reward_id: int
    volunteer_id: int
    points: int
    state: str
    created_at: dt.datetime


class VolunteerRedemptionActionIn(Schema):
    action: str = Field(description="fulfil | cancel")
    note: str = Field("", max_length=200)


class VolunteerFiguresOut(Schema):
    registered: int
    verified: int
    active: int
    share_of_residents: float | None
    hours: Decimal
    points_earned: int
    points_redeemed: int
    redemption_ratio: float | None
    no_shows: int
    party_members: int


def _page(qs, query: VolunteerPageQuery):
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return qs.order_by("pk")[: query.limit]


@router.get("/volunteers", response={200: list[VolunteerOut], **ERRORS}, summary="志愿者")
def volunteers(request: HttpRequest, query: Query[VolunteerPageQuery]):
    qs = selectors.with_totals(selectors.volunteers_for(request.auth))
    return [
        {
            "id": v.pk,
            "name": v.name,
            "area_id": v.area_id,
            "phone": v.phone_mask,
            "verification": v.verification,
            "talent": v.talent,
            "party_member": v.party_member,
            "joined_on": v.joined_on,
            "hours": v.total_hours,
            "stars": selectors.stars(v.total_hours),
            "balance": v.balance,
        }
        for v in _page(qs, query)
    ]


@router.get(
    "/volunteers/{pk}/entries", response={200: list[VolunteerPointsEntryOut], **ERRORS}, summary="积分流水"
)
def entries(request: HttpRequest, pk: int, query: Query[VolunteerPageQuery]):
    volunteer = selectors.volunteer_for(request.auth, pk)
    qs = selectors.entries_for(request.auth).filter(volunteer=volunteer)
    return [
        {
            "id": e.pk,
            "points": e.points,
            "kind": e.kind,
            "reason": e.reason,
            "source": e.source_ref,
            "transfer": str(e.transfer) if e.transfer else None,
            "corrects_id": e.corrects_id,
            "expires_on": e.expires_on,
            "created_at": e.created_at,
        }
        for e in _page(qs, query)
    ]


def _credential(c) -> dict:
    return {
        "id": c.pk,
        "volunteer_id": c.volunteer_id,
        "kind": c.kind,
        "title": c.title,
        "on": c.on,
        "note": c.note,
    }


@router.get(
    "/volunteers/{pk}/credentials",
    response={200: list[VolunteerCredentialOut], **ERRORS},
    summary="培训、表彰与评价",
)
def credentials(request: HttpRequest, pk: int, query: Query[VolunteerPageQuery]):
    volunteer = selectors.volunteer_for(request.auth, pk)
    return [
        _credential(c)
        for c in _page(selectors.credentials_for(request.auth).filter(volunteer=volunteer), query)
    ]


@router.post(
    "/volunteers/{pk}/credentials",
    response={201: VolunteerCredentialOut, **ERRORS},
    summary="登记培训、表彰或评价",
)
def add_credential(request: HttpRequest, pk: int, payload: VolunteerCredentialIn):
    volunteer = selectors.volunteer_for(request.auth, pk)
    credential = services.add_credential(
        actor=request.auth,
        volunteer=volunteer,
        kind=payload.kind,
        title=payload.title,
        on=payload.on,
        note=payload.note,
    )
    return 201, _credential(credential)


@router.get("/records", response={200: list[VolunteerServiceRecordOut], **ERRORS}, summary="服务记录（时长）")
def records(request: HttpRequest, query: Query[VolunteerPageQuery], volunteer: int | None = None):
    qs = selectors.records_for(request.auth)
    if volunteer is not None:
        qs = qs.filter(volunteer_id=volunteer)
    return [
        {
            "id": r.pk,
            "volunteer_id": r.volunteer_id,
            "source": r.source,
            "activity": r.activity,
            "place": r.place,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "hours": r.hours,
        }
        for r in _page(qs, query)
    ]


@router.get("/opportunities", response={200: list[VolunteerOpportunityOut], **ERRORS}, summary="志愿活动")
def opportunities(request: HttpRequest, query: Query[VolunteerPageQuery]):
    qs = selectors.opportunities_for(request.auth).select_related("scenario")
    return [
        {
            "id": o.pk,
            "title": o.title,
            "scenario": o.scenario.name,
            "area_id": o.area_id,
            "place": o.place,
            "starts_at": o.starts_at,
            "ends_at": o.ends_at,
            "slots": o.slots,
            "state": o.state,
            "points_per_hour": o.points_per_hour,
        }
        for o in _page(qs, query)
    ]


def _signup(s) -> dict:
    return {
        "id": s.pk,
        "opportunity_id": s.opportunity_id,
        "volunteer_id": s.volunteer_id,
        "state": s.state,
        "checked_in_at": s.checked_in_at,
        "checked_out_at": s.checked_out_at,
        "travel_minutes": s.travel_minutes,
    }


@router.get(
    "/opportunities/{pk}/signups", response={200: list[VolunteerSignupOut], **ERRORS}, summary="活动报名"
)
def signups(request: HttpRequest, pk: int):
    opportunity = selectors.opportunity_for(request.auth, pk)
    return [
        _signup(s) for s in selectors.signups_for(request.auth).filter(opportunity=opportunity).order_by("pk")
    ]


@router.post("/signups/{pk}/actions", response={200: VolunteerSignupOut, **ERRORS}, summary="处理报名")
def signup_action(request: HttpRequest, pk: int, payload: VolunteerSignupActionIn):
    signup = selectors.signups_for(request.auth).filter(pk=pk).first()
    if signup is None:
        raise NotFound()
    return _signup(services.act(actor=request.auth, signup=signup, action=payload.action))


def _deed(d) -> dict:
    return {
        "id": d.pk,
        "volunteer_id": d.volunteer_id,
        "description": d.description,
        "happened_on": d.happened_on,
        "state": d.state,
        "reporter_name": d.reporter_name,
    }


@router.get("/deeds", response={200: list[VolunteerDeedOut], **ERRORS}, summary="小微善举")
def deeds(request: HttpRequest, query: Query[VolunteerPageQuery]):
    return [_deed(d) for d in _page(selectors.deeds_for(request.auth), query)]


@router.post("/deeds", response={201: VolunteerDeedOut, **ERRORS}, summary="报告善举")
def report_deed(request: HttpRequest, payload: VolunteerDeedIn):
    volunteer = selectors.volunteer_for(request.auth, payload.volunteer_id)
    deed = services.report_deed(
        actor=request.auth,
        volunteer=volunteer,
        description=payload.description,
        happened_on=payload.happened_on,
    )
    return 201, _deed(deed)


@router.post(
    "/deeds/{pk}/confirm", response={200: VolunteerDeedOut, **ERRORS}, summary="确认善举（须第二人）"
)
def confirm_deed(request: HttpRequest, pk: int, payload: VolunteerDeedConfirmIn):
    deed = selectors.deeds_for(request.auth).filter(pk=pk).first()
    if deed is None:
        raise NotFound()
    return _deed(services.confirm_deed(actor=request.auth, deed=deed, accept=payload.accept))


@router.get("/rewards", response={200: list[VolunteerRewardOut], **ERRORS}, summary="积分商城")
def rewards(request: HttpRequest, query: Query[VolunteerPageQuery]):
    return [
        {
            "id": r.pk,
            "name": r.name,
            "points": r.points,
            "stock": r.stock,
            "area_id": r.area_id,
            "active": r.active,
        }
        for r in _page(selectors.rewards_for(request.auth), query)
    ]


def _redemption(r) -> dict:
    return {
        "id": r.pk,
        "reward_id": r.reward_id,
        "volunteer_id": r.volunteer_id,
        "points": r.points,
        "state": r.state,
        "created_at": r.created_at,
    }


@router.get("/redemptions", response={200: list[VolunteerRedemptionOut], **ERRORS}, summary="兑换")
def redemptions(request: HttpRequest, query: Query[VolunteerPageQuery]):
    return [_redemption(r) for r in _page(selectors.redemptions_for(request.auth), query)]


@router.post(
    "/redemptions/{pk}/actions", response={200: VolunteerRedemptionOut, **ERRORS}, summary="领取或取消兑换"
)
def redemption_action(request: HttpRequest, pk: int, payload: VolunteerRedemptionActionIn):
    redemption = selectors.redemptions_for(request.auth).filter(pk=pk).first()
    if redemption is None:
        raise NotFound()
    if payload.action == "cancel":
        done = services.cancel_redemption(redemption=redemption, actor=request.auth, note=payload.note)
    elif payload.action == "fulfil":
        done = services.fulfil_redemption(actor=request.auth, redemption=redemption)
    else:
        raise DomainError(_("操作应为 fulfil 或 cancel。"), code="bad_action")
    return _redemption(done)


class VolunteerExportQuery(Schema):
    kind: str = Field("records", description="records | credentials | party | party_units")
    format: str = Field("csv", description="csv (UTF-8 with BOM) | xlsx")
    year: int | None = Field(None, description="party, party_units: the year (this year if none)")
    since: dt.date | None = Field(None, description="records: first day of service")
    until: dt.date | None = Field(None, description="records: last day of service")


@router.get(
    "/export",
    response={200: None, **ERRORS},
    summary="导出服务记录（民政部令67号字段，CSV 或 xlsx）",
    description="The same files as /volunteers/export/: scoped, logged in the access log "
    "(export:volunteer_records); a bad kind, format, year or period is a 400.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "the file",
                "content": {"text/csv": {}, export.CONTENT_TYPES["xlsx"]: {}},
            }
        }
    },
)
def export_file(request: HttpRequest, query: Query[VolunteerExportQuery]):
    data, content_type, name = export.download(
        request.auth,
        kind=query.kind,
        fmt=query.format,
        year=query.year,
        since=query.since,
        until=query.until,
        ip=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class VolunteerPartySummaryIn(Schema):
    year: int = Field(description="the year summarised, one that is over (2000 to last year)")


class VolunteerPartySummaryOut(Schema):
    year: int
    sent: list[str] = Field(description="party organisations told now")
    already: list[str] = Field(description="told before for this year (not told twice)")
    without_account: list[str] = Field(description="no account on the platform: send them the download")


@router.post(
    "/party-summaries",
    response={200: VolunteerPartySummaryOut, **ERRORS},
    summary="向单位党组织发送在职党员年度服务汇总",
)
def send_party_summaries(request: HttpRequest, payload: VolunteerPartySummaryIn):
    result = party.send_party_summaries(actor=request.auth, year=payload.year)
    return {
        "year": result.year,
        "sent": result.sent,
        "already": result.already,
        "without_account": result.without_account,
    }


@router.get("/figures", response={200: VolunteerFiguresOut, **ERRORS}, summary="志愿服务统计")
def figures(request: HttpRequest):
    user = request.auth
    if user.scope_id is None or not permissions.has(user, "volunteer.view", user.scope):
        raise NotAllowed()
    f = selectors.figures(user, today=timezone.localdate())
    return {
        "registered": f.registered,
        "verified": f.verified,
        "active": f.active,
        "share_of_residents": f.share_of_residents,
        "hours": f.hours,
        "points_earned": f.earned,
        "points_redeemed": f.redeemed,
        "redemption_ratio": f.redemption_ratio,
        "no_shows": f.no_shows,
        "party_members": f.party_members,
    }
