"""The committees router of the REST API (/api/committees/): committees, their steps and votes,
a vote's exact tally, and the actions behind the pages (the same services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from gongzhi.committees import selectors, services, transitions
from gongzhi.committees import works as works_services
from gongzhi.committees.models import Audit, Committee, OwnersVote, Works
from gongzhi.core.errors import DomainError
from gongzhi.core.schemas import ErrorOut
from gongzhi.registry.models import Dwelling
from gongzhi.registry.validators import FieldError

router = Router(tags=["committees"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CommitteesCommitteeOut(Schema):
    id: int
    name: str
    area_id: int
    stage: str
    stage_label: str
    stage_since: dt.date | None
    due_on: dt.date | None
    seats: int
    term_years: int
    property_manager_id: int | None
    contract_ends_on: dt.date | None


class CommitteesTermOut(Schema):
    number: int
    elected_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    handed_over_on: dt.date | None
    filed_on: dt.date | None


class CommitteesStepOut(Schema):
    action: str
    from_stage: str
    to_stage: str
    on: dt.date
    due_on: dt.date | None
    note: str


class CommitteesDetailOut(CommitteesCommitteeOut):
    term: CommitteesTermOut | None
    steps: list[CommitteesStepOut]
    actions: list[str]


class CommitteesActionIn(Schema):
    action: str = Field(description="an action of the lifecycle table, except elect")
    on: dt.date | None = None
    note: str = ""


class CommitteesTallyOut(Schema):
    eligible_area: Decimal
    eligible_count: int
    voted_area: Decimal
    voted_count: int
    for_area: Decimal
    for_count: int
    against_area: Decimal
    against_count: int
    valid: bool
    passed_by_area: bool
    passed_by_count: bool
    passed: bool


class CommitteesVoteOut(Schema):
    id: int
    committee_id: int
    title: str
    matter: str
    state: str
    opens_on: dt.date
    closes_on: dt.date
    quorum: str
    pass_share: str
    pass_strict: bool
    tally: CommitteesTallyOut


class CommitteesBallotIn(Schema):
    dwelling_id: int
    voter_name: str
    choice: str = Field(description="for | against | abstain")
    floor_area: Decimal | None = None


class CommitteesBallotOut(Schema):
    id: int
    dwelling_id: int
    floor_area: Decimal
    choice: str


def _committee(c: Committee) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "area_id": c.area_id,
        "stage": c.stage,
        "stage_label": c.get_stage_display(),
        "stage_since": c.stage_since,
        "due_on": c.due_on,
        "seats": c.seats,
        "term_years": c.term_years,
        "property_manager_id": c.property_manager_id,
        "contract_ends_on": c.contract_ends_on,
    }


def _area(hundredths: int) -> Decimal:
    return Decimal(hundredths) / 100


def _vote(vote: OwnersVote) -> dict:
    t = services.tally_of(vote)
    return {
        "id": vote.pk,
        "committee_id": vote.committee_id,
        "title": vote.title,
        "matter": vote.matter,
        "state": vote.state,
        "opens_on": vote.opens_on,
        "closes_on": vote.closes_on,
        "quorum": vote.quorum,
        "pass_share": vote.pass_share,
        "pass_strict": vote.pass_strict,
        "tally": {
            "eligible_area": _area(t.eligible_area),
            "eligible_count": t.eligible_count,
            "voted_area": _area(t.voted_area),
            "voted_count": t.voted_count,
            "for_area": _area(t.for_area),
            "for_count": t.for_count,
            "against_area": _area(t.against_area),
            "against_count": t.against_count,
            "valid": t.valid,
            "passed_by_area": t.passed_by_area,
            "passed_by_count": t.passed_by_count,
            "passed": t.passed,
        },
    }


@router.get("/committees", response={200: list[CommitteesCommitteeOut], **ERRORS}, summary="业委会列表")
def committees(request: HttpRequest, overdue: bool = False):
    qs = selectors.overdue_for(request.auth) if overdue else selectors.committees_for(request.auth)
    return [_committee(c) for c in qs.order_by("pk")[:500]]


@router.get("/committees/{pk}", response={200: CommitteesDetailOut, **ERRORS}, summary="业委会详情")
def committee(request: HttpRequest, pk: int):
    c = selectors.committee_for(request.auth, pk)
    term = services.current_term(c)
    return {
        **_committee(c),
        "term": None
        if term is None
        else {
            "number": term.number,
            "elected_on": term.elected_on,
            "starts_on": term.starts_on,
            "ends_on": term.ends_on,
            "handed_over_on": term.handed_over_on,
            "filed_on": term.filed_on,
        },
        "steps": list(c.steps.values("action", "from_stage", "to_stage", "on", "due_on", "note")),
        "actions": [a.code for a in transitions.actions_from(c.stage)],
    }


SPECIAL = {
    "hand_over": services.hand_over,
    "file": services.file,
    "start_by_election": services.start_by_election,
    "form_election_group": services.form_election_group,
}


@router.post(
    "/committees/{pk}/actions", response={200: CommitteesCommitteeOut, **ERRORS}, summary="推进业委会步骤"
)
def act(request: HttpRequest, pk: int, payload: CommitteesActionIn):
    c = selectors.committee_for(request.auth, pk)
    if payload.action in SPECIAL:
        c = SPECIAL[payload.action](actor=request.auth, committee=c, on=payload.on, note=payload.note)
    elif payload.action in transitions.ACTIONS and payload.action != "elect":
        c = services.advance(
            actor=request.auth, committee=c, action=payload.action, on=payload.on, note=payload.note
        )
    else:
        raise DomainError("未知的操作。")
    return _committee(c)


@router.get("/votes/{pk}", response={200: CommitteesVoteOut, **ERRORS}, summary="业主表决及计票")
def vote(request: HttpRequest, pk: int):
    return _vote(selectors.vote_for(request.auth, pk))


@router.post("/votes/{pk}/ballots", response={201: CommitteesBallotOut, **ERRORS}, summary="录入选票")
def ballot(request: HttpRequest, pk: int, payload: CommitteesBallotIn):
    vote = selectors.vote_for(request.auth, pk)
    dwelling = Dwelling.objects.filter(pk=payload.dwelling_id).select_related("area").first()
    if dwelling is None:
        raise FieldError("dwelling_id", "请选择房屋。")
    b = services.cast_ballot(
        actor=request.auth,
        vote=vote,
        dwelling=dwelling,
        voter_name=payload.voter_name,
        choice=payload.choice,
        floor_area=payload.floor_area,
    )
    return 201, {"id": b.pk, "dwelling_id": b.dwelling_id, "floor_area": b.floor_area, "choice": b.choice}


# --- works (维修/改造工程) ------------------------------------------------------------------------


class CommitteesWorksIn(Schema):
    title: str
    contractor: str
    amount: Decimal = Field(description="预算金额（元）")
    funding: str = Field(description="maintenance_fund | public_income | owners | other")
    proposed_on: dt.date | None = None
    vote_id: int | None = Field(None, description="a closed, passed owners' vote of the committee")


class CommitteesWorksActionIn(Schema):
    action: str = Field(
        description="review_price | approve | start | accept | pay | drop | change_budget | review_change"
    )
    on: dt.date | None = None
    note: str = ""
    firm: str = Field("", description="review_price: 审价机构")
    reviewed_amount: Decimal | None = Field(None, description="review_price: 审定金额（元）")
    paid_amount: Decimal | None = Field(None, description="pay: 结算金额（元）, default the reviewed amount")
    vote_id: int | None = Field(None, description="approve: the owners' vote that decided it")
    amount: Decimal | None = Field(None, description="change_budget: 变更后金额（元）")
    reason: str = Field("", description="change_budget: 变更原因")
    attachment_name: str = Field("", description="change_budget: 变更签证单的名称或编号")


class CommitteesWorksOut(Schema):
    id: int
    committee_id: int
    title: str
    contractor: str
    amount: Decimal
    funding: str
    status: str
    status_label: str
    proposed_on: dt.date
    vote_id: int | None
    needs_price_review: bool
    review_firm: str
    reviewed_amount: Decimal | None
    reviewed_on: dt.date | None
    approved_on: dt.date | None
    started_on: dt.date | None
    accepted_on: dt.date | None
    paid_on: dt.date | None
    paid_amount: Decimal | None
    changed_amount: Decimal | None = Field(description="the budget after the latest settled change")
    change_pending: bool = Field(description="a change (变更签证) waits for its price review")
    ceiling: Decimal = Field(description="the most that may be paid now")
    actions: list[str]


class CommitteesAuditIn(Schema):
    kind: str = Field(description="annual | renewal | departure")
    year: int
    firm: str = ""
    done_on: dt.date | None = None


class CommitteesFindingIn(Schema):
    text: str
    remedy: str = ""
    amount: Decimal | None = None
    due_on: dt.date


class CommitteesFindingOut(Schema):
    id: int
    text: str
    remedy: str
    amount: Decimal | None
    due_on: dt.date
    remedied_on: dt.date | None
    needs_price_review: bool


class CommitteesAuditOut(Schema):
    id: int
    committee_id: int
    kind: str
    year: int
    firm: str
    done_on: dt.date | None
    findings: list[CommitteesFindingOut]


def _works(w: Works) -> dict:
    return {
        "id": w.pk,
        "committee_id": w.committee_id,
        "title": w.title,
        "contractor": w.contractor,
        "amount": w.amount,
        "funding": w.funding,
        "status": w.status,
        "status_label": w.get_status_display(),
        "proposed_on": w.proposed_on,
        "vote_id": w.vote_id,
        "needs_price_review": works_services.needs_price_review(w.amount),
        "review_firm": w.review_firm,
        "reviewed_amount": w.reviewed_amount,
        "reviewed_on": w.reviewed_on,
        "approved_on": w.approved_on,
        "started_on": w.started_on,
        "accepted_on": w.accepted_on,
        "paid_on": w.paid_on,
        "paid_amount": w.paid_amount,
        "changed_amount": w.changed_amount,
        "change_pending": w.change_pending,
        "ceiling": w.ceiling,
        "actions": [a.code for a in transitions.works_actions_of(w)],
    }


def _vote_or_none(request: HttpRequest, vote_id: int | None) -> OwnersVote | None:
    if vote_id is None:
        return None
    vote = selectors.votes_for(request.auth).filter(pk=vote_id).first()
    if vote is None:
        raise FieldError("vote_id", "请选择本业委会的业主表决。")
    return vote


def _finding(f) -> dict:
    return {
        "id": f.pk,
        "text": f.text,
        "remedy": f.remedy,
        "amount": f.amount,
        "due_on": f.due_on,
        "remedied_on": f.remedied_on,
        "needs_price_review": services.needs_price_review(f),
    }


def _audit(a: Audit) -> dict:
    return {
        "id": a.pk,
        "committee_id": a.committee_id,
        "kind": a.kind,
        "year": a.year,
        "firm": a.firm,
        "done_on": a.done_on,
        "findings": [_finding(f) for f in a.findings.all()],
    }


@router.get("/works", response={200: list[CommitteesWorksOut], **ERRORS}, summary="维修工程列表")
def works_list(request: HttpRequest, committee_id: int | None = None, status: str = ""):
    qs = selectors.works_for(request.auth)
    if committee_id is not None:
        qs = qs.filter(committee_id=committee_id)
    if status:
        qs = qs.filter(status=status)
    return [_works(w) for w in qs.order_by("pk")[:500]]


@router.get("/works/{pk}", response={200: CommitteesWorksOut, **ERRORS}, summary="维修工程详情")
def works_detail(request: HttpRequest, pk: int):
    return _works(selectors.works_one_for(request.auth, pk))


@router.post("/committees/{pk}/works", response={201: CommitteesWorksOut, **ERRORS}, summary="登记维修工程")
def works_create(request: HttpRequest, pk: int, payload: CommitteesWorksIn):
    c = selectors.committee_for(request.auth, pk)
    w = works_services.create_works(
        actor=request.auth,
        committee=c,
        title=payload.title,
        contractor=payload.contractor,
        amount=payload.amount,
        funding=payload.funding,
        proposed_on=payload.proposed_on,
        vote=_vote_or_none(request, payload.vote_id),
    )
    return 201, _works(w)


@router.post("/works/{pk}/actions", response={200: CommitteesWorksOut, **ERRORS}, summary="推进维修工程步骤")
def works_act(request: HttpRequest, pk: int, payload: CommitteesWorksActionIn):
    w = selectors.works_one_for(request.auth, pk)
    w = works_services.act(
        actor=request.auth,
        works=w,
        action=payload.action,
        data={
            "on": payload.on,
            "note": payload.note,
            "firm": payload.firm,
            "reviewed_amount": payload.reviewed_amount,
            "paid_amount": payload.paid_amount,
            "amount": payload.amount,
            "reason": payload.reason,
            "attachment_name": payload.attachment_name,
            "vote": _vote_or_none(request, payload.vote_id),
        },
    )
    return _works(w)


# --- audits (审计) ------------------------------------------------------------------------------


@router.post("/committees/{pk}/audits", response={201: CommitteesAuditOut, **ERRORS}, summary="登记审计")
def audit_create(request: HttpRequest, pk: int, payload: CommitteesAuditIn):
    c = selectors.committee_for(request.auth, pk)
    a = services.record_audit(
        actor=request.auth,
        committee=c,
        kind=payload.kind,
        year=payload.year,
        firm=payload.firm,
        done_on=payload.done_on,
    )
    return 201, _audit(a)


@router.get("/audits/{pk}", response={200: CommitteesAuditOut, **ERRORS}, summary="审计及审计发现")
def audit_detail(request: HttpRequest, pk: int):
    return _audit(selectors.audit_for(request.auth, pk))


@router.post("/audits/{pk}/findings", response={201: CommitteesFindingOut, **ERRORS}, summary="添加审计发现")
def finding_create(request: HttpRequest, pk: int, payload: CommitteesFindingIn):
    a = selectors.audit_for(request.auth, pk)
    f = services.add_finding(
        actor=request.auth,
        audit_record=a,
        text=payload.text,
        remedy=payload.remedy,
        amount=payload.amount,
        due_on=payload.due_on,
    )
    return 201, _finding(f)
