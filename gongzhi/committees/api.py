"""The committees router of the REST API (/api/committees/): committees, their steps and votes,
a vote's exact tally, and the actions behind the pages (the same services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from gongzhi.committees import selectors, services, transitions
from gongzhi.committees.models import Committee, OwnersVote
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
