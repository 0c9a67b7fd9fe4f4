"""The participation router of the REST API (/api/participation/): campaigns, suggestions, topics,
meetings, list items and projects of the caller's scope, and their actions, through the same
selectors and services as the pages. The public board is open (`/public/board/{area_id}`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.accounts.models import Unit
from gongzhi.cases.models import Category
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.participation import selectors, services, transitions
from gongzhi.participation.models import ListItem, Meeting, Project, Suggestion, Topic
from gongzhi.territory.models import Area

router = Router(tags=["participation"])
PAGE = 100
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ParticipationPageQuery(Schema):
    status: str | None = None
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class ParticipationCampaignOut(Schema):
    id: int
    title: str
    question: str
    rules: str
    area_id: int
    starts_on: dt.date
    ends_on: dt.date
    support_threshold: int
    report_threshold: int


class ParticipationSuggestionOut(Schema):
    id: int
    ref: str
    campaign_id: int | None
    area_id: int
    title: str = Field(description="the redacted public title")
    body: str = Field(description="the redacted public text")
    channel: str
    status: str
    supports_count: int
    answer: str = Field(description="empty until the answer is published")
    reason: str
    case_number: str | None
    topic_id: int | None
    merged_into_id: int | None
    referred_to_id: int | None
    created_at: dt.datetime
    actions: list[str]


class ParticipationTopicOut(Schema):
    id: int
    title: str
    description: str
    area_id: int
    board: str
    status: str
    screen_reason: str
    resolution: str
    evaluation: str
    case_numbers: list[str]
    actions: list[str]


class ParticipationMotionOut(Schema):
    id: int
    text: str
    method: str
    majority: str
    yes: int
    no: int
    abstain: int
    present: int
    quorum_required: int
    quorum_met: bool
    passed: bool


class ParticipationAttendanceOut(Schema):
    id: int
    name: str
    capacity: str
    sign_in: str
    proxy_for: str


class ParticipationMeetingOut(Schema):
    id: int
    title: str
    topic_id: int | None
    area_id: int
    kind: str
    mode: str
    starts_at: dt.datetime
    place: str
    notice_days: int
    agenda: str
    speech_seconds: int
    max_speeches: int
    quorum_base: str
    eligible: int
    quorum_fraction: str
    quorum_strict: bool
    quorum_min: int
    status: str
    public_minutes: str
    attendance: list[ParticipationAttendanceOut]
    motions: list[ParticipationMotionOut]
    actions: list[str]


class ParticipationItemOut(Schema):
    id: int
    kind: str
    source: str
    board: str
    title: str
    area_id: int
    topic_id: int | None
    parent_id: int | None
    weight: int
    owner: str | None
    due_at: dt.datetime | None
    funding: str
    progress: int
    rolled_progress: int
    status: str
    verified_at: dt.datetime | None
    closed_at: dt.datetime | None
    actions: list[str]


class ParticipationProjectOut(Schema):
    id: int
    title: str
    summary: str
    area_id: int
    stage: str
    planner: str
    budget: float | None
    cofunding: float
    review_total: float | None
    notice_ends_on: dt.date | None
    vote_yes: int
    vote_no: int
    task_id: int | None
    maintainer: str
    actions: list[str]


class ParticipationActionIn(Schema):
    """The input of an action; which fields it reads depends on the action."""

    note: str = ""
    reason: str = ""
    answer: str = ""
    title: str = ""
    public_title: str = ""
    public_body: str = ""
    category_id: int | None = None
    topic_id: int | None = None
    into_ref: str = ""
    unit_id: int | None = None
    days: int | None = None
    progress: int | None = None
    data: dict = Field(default_factory=dict, description="project step input (see advance_project)")


class ParticipationCampaignIn(Schema):
    area_id: int
    title: str
    question: str
    rules: str = ""
    starts_on: dt.date
    ends_on: dt.date
    support_threshold: int = 10
    report_threshold: int = 3


class ParticipationSuggestionIn(Schema):
    area_id: int
    title: str
    body: str
    channel: str = "proxy"
    author_name: str = ""
    phone: str = ""
    consent: str = ""
    campaign_id: int | None = None


class ParticipationTopicIn(Schema):
    area_id: int
    title: str
    description: str = ""
    board: str = ""
    case_numbers: list[str] = Field(default_factory=list, description="a hot-issue cluster to link")


class ParticipationMeetingIn(Schema):
    topic_id: int | None = None
    area_id: int
    title: str
    starts_at: dt.datetime
    kind: str = "council"
    mode: str = "in_person"
    place: str = ""
    notice_days: int = 3
    notice_to: str = ""
    agenda: str = ""
    speech_seconds: int = 180
    max_speeches: int = 2
    quorum_base: str = "members"
    eligible: int = 0
    quorum_numerator: int = 1
    quorum_denominator: int = 2
    quorum_strict: bool = True
    quorum_min: int = 0


class ParticipationSignInIn(Schema):
    name: str
    method: str = "worker_tick"
    capacity: str = ""
    proxy_for: str = ""


class ParticipationMotionIn(Schema):
    text: str
    method: str = "hands"
    majority: str = "present"
    yes: int = 0
    no: int = 0
    abstain: int = 0
    votes: dict[int, str] | None = Field(None, description="attendance id → yes/no/abstain (roll call)")


class ParticipationTaskIn(Schema):
    title: str
    owner_id: int | None = None
    due_days: int = 20
    kind: str = "task"


class ParticipationResolveIn(Schema):
    resolution: str
    tasks: list[ParticipationTaskIn]


class ParticipationItemIn(Schema):
    area_id: int
    title: str
    kind: str = "task"
    board: str = ""
    owner_id: int | None = None
    parent_id: int | None = None
    weight: int = 1
    due_days: int | None = None
    funding: str = ""


class ParticipationProjectIn(Schema):
    area_id: int
    title: str
    summary: str = ""


class ParticipationBoardOut(Schema):
    area_id: int
    total: int
    closed: int
    closed_share: int | None
    items: list[ParticipationItemOut]


# ---------------------------------------------------------------- helpers


def _offered(machine: str, state: str, user, obj) -> list[str]:
    return [
        name
        for name in transitions.actions_from(machine, state)
        if transitions.MACHINES[machine][name].permission
        and user is not None
        and permissions.has(user, transitions.MACHINES[machine][name].permission, obj)
    ]


def _page(qs, query: ParticipationPageQuery):
    if query.status:
        qs = qs.filter(**{"stage" if qs.model is Project else "status": query.status})
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return qs.order_by("pk")[: query.limit]


def _area(user, pk: int) -> Area:
    area = Area.objects.filter(pk=pk).first()
    if area is None or not permissions.in_scope(user, area):
        raise NotFound()
    return area


def _unit(user, pk: int | None) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, subdistrict_id=user.scope.subdistrict_id or user.scope_id).first()
    if unit is None:
        raise DomainError(_("未找到该单位。"), code="bad_unit")
    return unit


def suggestion_out(s: Suggestion, user=None) -> dict:
    return {
        "id": s.pk,
        "ref": s.ref,
        "campaign_id": s.campaign_id,
        "area_id": s.area_id,
        "title": s.public_title,
        "body": s.public_body,
        "channel": s.channel,
        "status": s.status,
        "supports_count": s.supports_count,
        "answer": s.answer if s.answer_is_public else "",
        "reason": s.reason,
        "case_number": s.case.number if s.case_id else None,
        "topic_id": s.topic_id,
        "merged_into_id": s.merged_into_id,
        "referred_to_id": s.referred_to_id,
        "created_at": s.created_at,
        "actions": _offered("suggestion", s.status, user, s),
    }


def topic_out(t: Topic, user) -> dict:
    return {
        "id": t.pk,
        "title": t.title,
        "description": t.description,
        "area_id": t.area_id,
        "board": t.board,
        "status": t.status,
        "screen_reason": t.screen_reason,
        "resolution": t.resolution,
        "evaluation": t.evaluation,
        "case_numbers": [c.number for c in t.cases.all()],
        "actions": _offered("topic", t.status, user, t),
    }


def meeting_out(m: Meeting, user) -> dict:
    return {
        "id": m.pk,
        "title": m.title,
        "topic_id": m.topic_id,
        "area_id": m.area_id,
        "kind": m.kind,
        "mode": m.mode,
        "starts_at": m.starts_at,
        "place": m.place,
        "notice_days": m.notice_days,
        "agenda": m.agenda,
        "speech_seconds": m.speech_seconds,
        "max_speeches": m.max_speeches,
        "quorum_base": m.quorum_base,
        "eligible": m.eligible,
        "quorum_fraction": f"{m.quorum_numerator}/{m.quorum_denominator}",
        "quorum_strict": m.quorum_strict,
        "quorum_min": m.quorum_min,
        "status": m.status,
        "public_minutes": m.public_minutes,
        "attendance": [
            {
                "id": a.pk,
                "name": a.name,
                "capacity": a.capacity,
                "sign_in": a.sign_in,
                "proxy_for": a.proxy_for,
            }
            for a in m.attendance.all()
        ],
        "motions": [
            {
                f: getattr(mo, f)
                for f in (
                    "id",
                    "text",
                    "method",
                    "majority",
                    "yes",
                    "no",
                    "abstain",
                    "present",
                    "quorum_required",
                    "quorum_met",
                    "passed",
                )
            }
            for mo in m.motions.all()
        ],
        "actions": _offered("meeting", m.status, user, m),
    }


def item_out(i: ListItem, user=None) -> dict:
    return {
        "id": i.pk,
        "kind": i.kind,
        "source": i.source,
        "board": i.board,
        "title": i.title,
        "area_id": i.area_id,
        "topic_id": i.topic_id,
        "parent_id": i.parent_id,
        "weight": i.weight,
        "owner": i.owner.name if i.owner_id else None,
        "due_at": i.due_at,
        "funding": i.funding,
        "progress": i.progress,
        "rolled_progress": i.rolled_progress,
        "status": i.status,
        "verified_at": i.verified_at,
        "closed_at": i.closed_at,
        "actions": _offered("item", i.status, user, i) if user is not None else [],
    }


def project_out(p: Project, user) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "summary": p.summary,
        "area_id": p.area_id,
        "stage": p.stage,
        "planner": p.planner,
        "budget": float(p.budget) if p.budget is not None else None,
        "cofunding": float(p.cofunding),
        "review_total": float(p.review_total) if p.review_total is not None else None,
        "notice_ends_on": p.notice_ends_on,
        "vote_yes": p.vote_yes,
        "vote_no": p.vote_no,
        "task_id": p.task_id,
        "maintainer": p.maintainer,
        "actions": _offered("project", p.stage, user, p),
    }


# ---------------------------------------------------------------- campaigns and suggestions


@router.get("/campaigns", response={200: list[ParticipationCampaignOut], **ERRORS}, summary="建议征集")
def campaigns(request: HttpRequest):
    return [
        {f: getattr(c, f) for f in ParticipationCampaignOut.model_fields if f != "area_id"}
        | {"area_id": c.area_id}
        for c in selectors.campaigns_for(request.auth).order_by("-starts_on", "-id")[:200]
    ]


@router.post("/campaigns", response={201: ParticipationCampaignOut, **ERRORS}, summary="发起征集")
def campaign_create(request: HttpRequest, body: ParticipationCampaignIn):
    user = request.auth
    data = body.dict()
    c = services.create_campaign(actor=user, area=_area(user, data.pop("area_id")), **data)
    return 201, {f: getattr(c, f) for f in ParticipationCampaignOut.model_fields}


@router.get("/suggestions", response={200: list[ParticipationSuggestionOut], **ERRORS}, summary="人民建议")
def suggestions(request: HttpRequest, query: Query[ParticipationPageQuery]):
    qs = selectors.suggestions_for(request.auth).select_related("case")
    return [suggestion_out(s, request.auth) for s in _page(qs, query)]


@router.get("/suggestions/{pk}", response={200: ParticipationSuggestionOut, **ERRORS}, summary="一条建议")
def suggestion(request: HttpRequest, pk: int):
    return suggestion_out(selectors.suggestion_for(request.auth, pk), request.auth)


@router.post("/suggestions", response={201: ParticipationSuggestionOut, **ERRORS}, summary="代录建议")
def suggestion_create(request: HttpRequest, body: ParticipationSuggestionIn):
    user = request.auth
    campaign = selectors.campaign_for(user, body.campaign_id) if body.campaign_id else None
    s = services.enter_suggestion(
        actor=user,
        area=_area(user, body.area_id),
        title=body.title,
        body=body.body,
        channel=body.channel,
        author_name=body.author_name,
        phone=body.phone,
        consent=body.consent,
        campaign=campaign,
    )
    return 201, suggestion_out(s, user)


class ParticipationBulkIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        max_length=500, description="the suggestions to moderate (pending or hidden after reports)"
    )
    decision: str = Field(description="approve (publish / restore) or decline")
    reason: str = ""


class ParticipationBulkSkippedOut(Schema):
    id: int
    message: str


class ParticipationBulkOut(Schema):
    done: list[int]
    skipped: list[ParticipationBulkSkippedOut]


@router.post(
    "/moderation/bulk",
    response={200: ParticipationBulkOut, **ERRORS},
    summary="批量审核（待审核的、被举报待复核的）",
)
def suggestions_bulk(request: HttpRequest, body: ParticipationBulkIn):
    user = request.auth
    outcome = services.moderate_in_bulk(
        actor=user,
        suggestions=selectors.suggestions_for(user).filter(pk__in=body.ids),
        decision=body.decision,
        reason=body.reason,
    )
    return {"done": outcome.done, "skipped": [{"id": pk, "message": m} for pk, m in outcome.skipped]}


@router.post(
    "/suggestions/{pk}/actions/{action}",
    response={200: ParticipationSuggestionOut, **ERRORS},
    summary="建议的审核与分办",
)
def suggestion_act(request: HttpRequest, pk: int, action: str, body: ParticipationActionIn):
    user = request.auth
    s = selectors.suggestion_for(user, pk)
    match action:
        case "approve":
            services.approve_suggestion(
                actor=user, suggestion=s, public_title=body.public_title, public_body=body.public_body
            )
        case "decline":
            services.decline_suggestion(actor=user, suggestion=s, reason=body.reason)
        case "restore":
            services.restore_suggestion(actor=user, suggestion=s, note=body.note)
        case "triage":
            services.triage_suggestion(actor=user, suggestion=s)
        case "to_case":
            category = Category.objects.filter(pk=body.category_id or 0, parent__isnull=False).first()
            if category is None:
                raise DomainError(_("请选择工单类别。"), code="bad_category")
            services.suggestion_to_case(actor=user, suggestion=s, category=category)
        case "to_topic":
            topic = selectors.topic_for(user, body.topic_id) if body.topic_id else None
            services.suggestion_to_topic(actor=user, suggestion=s, topic=topic, title=body.title)
        case "merge":
            into = selectors.suggestions_for(user).filter(ref=body.into_ref).first()
            if into is None:
                raise NotFound()
            services.merge_suggestion(actor=user, suggestion=s, into=into)
        case "refer":
            unit = _unit(user, body.unit_id)
            if unit is None:
                raise DomainError(_("请选择转交单位。"), code="bad_unit")
            services.refer_suggestion(actor=user, suggestion=s, unit=unit, days=body.days or 10)
        case "draft_answer":
            services.draft_answer(actor=user, suggestion=s, answer=body.answer)
        case "publish_answer":
            services.publish_answer(actor=user, suggestion=s)
        case "reject":
            services.reject_suggestion(actor=user, suggestion=s, reason=body.reason)
        case _:
            raise NotFound(_("未知的操作。"))
    return suggestion_out(selectors.suggestion_for(user, pk), user)


# ---------------------------------------------------------------- topics and meetings


@router.get("/topics", response={200: list[ParticipationTopicOut], **ERRORS}, summary="议题")
def topics(request: HttpRequest, query: Query[ParticipationPageQuery]):
    qs = selectors.topics_for(request.auth).prefetch_related("cases")
    return [topic_out(t, request.auth) for t in _page(qs, query)]


@router.get("/topics/{pk}", response={200: ParticipationTopicOut, **ERRORS}, summary="一个议题")
def topic(request: HttpRequest, pk: int):
    return topic_out(selectors.topic_for(request.auth, pk), request.auth)


@router.post(
    "/topics", response={201: ParticipationTopicOut, **ERRORS}, summary="提出议题（或从热点问题生成）"
)
def topic_create(request: HttpRequest, body: ParticipationTopicIn):
    user = request.auth
    if body.case_numbers:
        from gongzhi.cases.selectors import cases_for

        cases = list(
            cases_for(user).filter(number__in=body.case_numbers).select_related("area", "subdistrict")
        )
        if len(cases) != len(set(body.case_numbers)):
            raise NotFound()
        t = services.topic_from_hot_issue(actor=user, cases=cases)
    else:
        t = services.propose_topic(
            actor=user,
            area=_area(user, body.area_id),
            title=body.title,
            description=body.description,
            board=body.board,
        )
    return 201, topic_out(t, user)


@router.post(
    "/topics/{pk}/actions/{action}", response={200: ParticipationTopicOut, **ERRORS}, summary="议题的推进"
)
def topic_act(request: HttpRequest, pk: int, action: str, body: ParticipationActionIn):
    user = request.auth
    t = selectors.topic_for(user, pk)
    if action not in transitions.TOPIC or action in ("schedule", "deliberate", "resolve"):
        raise NotFound(_("未知的操作（安排会议、形成决议请用各自的接口）。"))
    services.act_on_topic(actor=user, topic=t, action=action, note=body.note)
    return topic_out(selectors.topic_for(user, pk), user)


@router.post(
    "/topics/{pk}/resolution",
    response={200: list[ParticipationItemOut], **ERRORS},
    summary="形成决议及任务清单",
)
def topic_resolve(request: HttpRequest, pk: int, body: ParticipationResolveIn):
    user = request.auth
    t = selectors.topic_for(user, pk)
    tasks = [
        services.TaskSpec(title=x.title, owner=_unit(user, x.owner_id), due_days=x.due_days, kind=x.kind)
        for x in body.tasks
    ]
    items = services.resolve_topic(actor=user, topic=t, resolution=body.resolution, tasks=tasks)
    return [item_out(i, user) for i in items]


@router.get("/meetings", response={200: list[ParticipationMeetingOut], **ERRORS}, summary="会议")
def meetings(request: HttpRequest, query: Query[ParticipationPageQuery]):
    qs = selectors.meetings_for(request.auth).prefetch_related("attendance", "motions")
    return [meeting_out(m, request.auth) for m in _page(qs, query)]


@router.get("/meetings/{pk}", response={200: ParticipationMeetingOut, **ERRORS}, summary="一次会议")
def meeting(request: HttpRequest, pk: int):
    return meeting_out(selectors.meeting_for(request.auth, pk), request.auth)


@router.post("/meetings", response={201: ParticipationMeetingOut, **ERRORS}, summary="召集会议")
def meeting_create(request: HttpRequest, body: ParticipationMeetingIn):
    user = request.auth
    data = body.dict()
    topic = selectors.topic_for(user, data.pop("topic_id")) if body.topic_id else None
    area = _area(user, data.pop("area_id"))
    m = services.schedule_meeting(actor=user, area=area, topic=topic, spec=services.MeetingSpec(**data))
    return 201, meeting_out(m, user)


@router.post(
    "/meetings/{pk}/attendance", response={201: ParticipationAttendanceOut, **ERRORS}, summary="签到"
)
def meeting_sign_in(request: HttpRequest, pk: int, body: ParticipationSignInIn):
    m = selectors.meeting_for(request.auth, pk)
    a = services.sign_in(
        meeting=m,
        name=body.name,
        method=body.method,
        capacity=body.capacity,
        proxy_for=body.proxy_for,
        actor=request.auth,
    )
    return 201, {
        "id": a.pk,
        "name": a.name,
        "capacity": a.capacity,
        "sign_in": a.sign_in,
        "proxy_for": a.proxy_for,
    }


@router.post("/meetings/{pk}/motions", response={201: ParticipationMotionOut, **ERRORS}, summary="动议与表决")
def meeting_motion(request: HttpRequest, pk: int, body: ParticipationMotionIn):
    m = selectors.meeting_for(request.auth, pk)
    mo = services.record_motion(
        actor=request.auth,
        meeting=m,
        text_=body.text,
        method=body.method,
        majority=body.majority,
        yes=body.yes,
        no=body.no,
        abstain=body.abstain,
        votes=body.votes,
    )
    return 201, {f: getattr(mo, f) for f in ParticipationMotionOut.model_fields}


@router.post(
    "/meetings/{pk}/actions/{action}",
    response={200: ParticipationMeetingOut, **ERRORS},
    summary="会议召开、纪要签发",
)
def meeting_act(request: HttpRequest, pk: int, action: str, body: ParticipationActionIn):
    user = request.auth
    m = selectors.meeting_for(user, pk)
    match action:
        case "hold":
            services.hold_meeting(actor=user, meeting=m)
        case "publish":
            services.publish_minutes(actor=user, meeting=m, minutes=body.note)
        case "cancel":
            services.cancel_meeting(actor=user, meeting=m, reason=body.reason)
        case _:
            raise NotFound(_("未知的操作。"))
    return meeting_out(selectors.meeting_for(user, pk), user)


# ---------------------------------------------------------------- lists and projects


@router.get("/items", response={200: list[ParticipationItemOut], **ERRORS}, summary="清单事项")
def items(request: HttpRequest, query: Query[ParticipationPageQuery], board: str = ""):
    qs = selectors.items_for(request.auth).select_related("owner")
    if board:
        qs = qs.filter(board=board)
    return [item_out(i, request.auth) for i in _page(qs, query)]


@router.get("/items/{pk}", response={200: ParticipationItemOut, **ERRORS}, summary="一项清单事项")
def item(request: HttpRequest, pk: int):
    return item_out(selectors.item_for(request.auth, pk), request.auth)


@router.post("/items", response={201: ParticipationItemOut, **ERRORS}, summary="添加清单事项")
def item_create(request: HttpRequest, body: ParticipationItemIn):
    user = request.auth
    parent = selectors.item_for(user, body.parent_id) if body.parent_id else None
    i = services.add_item(
        actor=user,
        area=_area(user, body.area_id),
        title=body.title,
        kind=body.kind,
        board=body.board,
        owner=_unit(user, body.owner_id),
        parent=parent,
        weight=body.weight,
        due_days=body.due_days,
        funding=body.funding,
    )
    return 201, item_out(i, user)


@router.post(
    "/items/{pk}/actions/{action}",
    response={200: ParticipationItemOut, **ERRORS},
    summary="清单事项的推进与销项",
)
def item_act(request: HttpRequest, pk: int, action: str, body: ParticipationActionIn):
    user = request.auth
    i = selectors.item_for(user, pk)
    if action == "progress":
        if body.progress is None:
            raise DomainError(_("请填写进度。"), code="bad_progress")
        services.update_progress(actor=user, item=i, progress=body.progress, note=body.note)
    elif action in transitions.ITEM:
        services.act_on_item(actor=user, item=i, action=action, note=body.note)
    else:
        raise NotFound(_("未知的操作。"))
    return item_out(selectors.item_for(user, pk), user)


@router.get("/projects", response={200: list[ParticipationProjectOut], **ERRORS}, summary="社区项目")
def projects(request: HttpRequest, query: Query[ParticipationPageQuery]):
    return [project_out(p, request.auth) for p in _page(selectors.projects_for(request.auth), query)]


@router.get("/projects/{pk}", response={200: ParticipationProjectOut, **ERRORS}, summary="一个社区项目")
def project(request: HttpRequest, pk: int):
    return project_out(selectors.project_for(request.auth, pk), request.auth)


@router.post("/projects", response={201: ParticipationProjectOut, **ERRORS}, summary="新建社区项目")
def project_create(request: HttpRequest, body: ParticipationProjectIn):
    user = request.auth
    p = services.create_project(
        actor=user, area=_area(user, body.area_id), title=body.title, summary=body.summary
    )
    return 201, project_out(p, user)


@router.post(
    "/projects/{pk}/actions/{action}", response={200: ParticipationProjectOut, **ERRORS}, summary="项目推进"
)
def project_act(request: HttpRequest, pk: int, action: str, body: ParticipationActionIn):
    user = request.auth
    p = selectors.project_for(user, pk)
    data = dict(body.data)
    if action == "build":
        data["owner"] = _unit(user, data.get("owner_id"))
    services.advance_project(actor=user, project=p, action=action, data=data)
    return project_out(selectors.project_for(user, pk), user)


# ---------------------------------------------------------------- public


@router.get(
    "/public/board/{area_id}",
    auth=None,
    response={200: ParticipationBoardOut, 404: ErrorOut, 422: ErrorOut},
    summary="清单进度公示（公开）",
)
def public_board(request: HttpRequest, area_id: int, board: str = ""):
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        raise NotFound()
    qs = selectors.public_items(area)
    if board:
        qs = qs.filter(board=board)
    summary = selectors.board_summary(qs)
    return {
        "area_id": area.pk,
        "total": summary.total,
        "closed": summary.closed,
        "closed_share": summary.closed_share,
        "items": [item_out(i) for i in qs[:1000]],
    }


@router.get(
    "/public/suggestions/{ref}",
    auth=None,
    response={200: ParticipationSuggestionOut, 404: ErrorOut, 422: ErrorOut},
    summary="一条公开的建议",
)
def public_suggestion(request: HttpRequest, ref: str):
    return suggestion_out(selectors.public_suggestion(ref))


# ---------------------------------------------------------------- ballots (民生实事票决)


class ParticipationBallotOptionOut(Schema):
    id: int
    title: str
    description: str
    budget: str | None
    project_id: int | None
    votes: int | None = Field(description="online votes; null until the vote has closed")
    paper_votes: int | None = Field(description="paper votes; null until the vote has closed")
    rank: int | None = None
    recommended: bool | None = None
    tied_at_line: bool | None = None


class ParticipationBallotOut(Schema):
    id: int
    ref: str
    title: str
    question: str
    area_id: int
    pick: int
    per_household: bool = Field(description="one vote per registry household (一户一票)")
    budget_limit: float | None = Field(description="a budget ballot's total (元): picks must fit in it")
    opens_on: dt.date
    closes_on: dt.date
    status: str
    voters: int
    paper_ballots: int
    options: list[ParticipationBallotOptionOut]
    actions: list[str]


class ParticipationBallotIn(Schema):
    area_id: int
    title: str
    question: str = ""
    pick: int = 1
    per_household: bool = False
    budget_limit: float | None = Field(None, gt=0, lt=1e10, description="set for a budget (knapsack) ballot")
    opens_on: dt.date
    closes_on: dt.date


class ParticipationBallotOptionIn(Schema):
    title: str
    description: str = ""
    budget: str | None = None
    project_id: int | None = None


class ParticipationPaperIn(Schema):
    ballots: int = Field(description="paper ballots counted")
    counts: dict[int, int] = Field(description="option id → paper votes")


def ballot_out(b, user=None) -> dict:
    counted = b.status in ("closed", "published")
    ranks = {r.option.pk: r for r in services.result(b)} if counted else {}
    options = []
    for o in b.options.all():
        r = ranks.get(o.pk)
        options.append(
            {
                "id": o.pk,
                "title": o.title,
                "description": o.description,
                "budget": str(o.budget) if o.budget is not None else None,
                "project_id": o.project_id,
                "votes": o.votes if counted else None,
                "paper_votes": o.paper_votes if counted else None,
                "rank": r.rank if r else None,
                "recommended": r.recommended if r else None,
                "tied_at_line": r.tied_at_line if r else None,
            }
        )
    actions = []
    if user is not None:
        actions = [
            a
            for a in transitions.actions_from("ballot", b.status)
            if permissions.has(user, transitions.permission("ballot", a), b)
        ]
    return {
        "id": b.pk,
        "ref": b.ref,
        "title": b.title,
        "question": b.question,
        "area_id": b.area_id,
        "pick": b.pick,
        "per_household": b.per_household,
        "budget_limit": float(b.budget_limit) if b.budget_limit is not None else None,
        "opens_on": b.opens_on,
        "closes_on": b.closes_on,
        "status": b.status,
        "voters": b.voters,
        "paper_ballots": b.paper_ballots,
        "options": options,
        "actions": actions,
    }


@router.get("/ballots", response={200: list[ParticipationBallotOut], **ERRORS}, summary="实事票决")
def ballots(request: HttpRequest, query: Query[ParticipationPageQuery]):
    qs = _page(selectors.ballots_for(request.auth).prefetch_related("options"), query)
    return [ballot_out(b, request.auth) for b in qs]


@router.get("/ballots/{pk}", response={200: ParticipationBallotOut, **ERRORS}, summary="一次实事票决")
def ballot(request: HttpRequest, pk: int):
    return ballot_out(selectors.ballot_for(request.auth, pk), request.auth)


@router.post("/ballots", response={201: ParticipationBallotOut, **ERRORS}, summary="新建实事票决")
def ballot_create(request: HttpRequest, body: ParticipationBallotIn):
    user = request.auth
    b = services.create_ballot(
        actor=user,
        area=_area(user, body.area_id),
        title=body.title,
        question=body.question,
        pick=body.pick,
        per_household=body.per_household,
        budget_limit=body.budget_limit,
        opens_on=body.opens_on,
        closes_on=body.closes_on,
    )
    return 201, ballot_out(b, user)


@router.post(
    "/ballots/{pk}/options", response={201: ParticipationBallotOut, **ERRORS}, summary="添加候选项目"
)
def ballot_option(request: HttpRequest, pk: int, body: ParticipationBallotOptionIn):
    user = request.auth
    b = selectors.ballot_for(user, pk)
    project = None
    if body.project_id is not None:
        project = selectors.project_for(user, body.project_id)
    services.add_option(
        actor=user,
        ballot=b,
        title=body.title,
        description=body.description,
        budget=body.budget,
        project=project,
    )
    return 201, ballot_out(selectors.ballot_for(user, pk), user)


@router.post(
    "/ballots/{pk}/actions/{action}",
    response={200: ParticipationBallotOut, **ERRORS},
    summary="开始、截止、公布或取消票决",
)
def ballot_act(request: HttpRequest, pk: int, action: str):
    user = request.auth
    b = selectors.ballot_for(user, pk)
    if action not in transitions.MACHINES["ballot"]:
        raise NotFound(_("未知的操作。"))
    services.act_on_ballot(actor=user, ballot=b, action=action)
    return ballot_out(selectors.ballot_for(user, pk), user)


@router.post("/ballots/{pk}/paper", response={200: ParticipationBallotOut, **ERRORS}, summary="录入纸质选票")
def ballot_paper(request: HttpRequest, pk: int, body: ParticipationPaperIn):
    user = request.auth
    b = selectors.ballot_for(user, pk)
    services.record_paper_votes(actor=user, ballot=b, ballots_counted=body.ballots, counts=body.counts)
    return ballot_out(selectors.ballot_for(user, pk), user)


@router.get(
    "/public/ballots/{ref}",
    auth=None,
    response={200: ParticipationBallotOut, 404: ErrorOut, 422: ErrorOut},
    summary="一次公开的实事票决（票数在公布后才公开）",
)
def public_ballot(request: HttpRequest, ref: str):
    b = selectors.public_ballots().filter(ref=ref).first()
    if b is None:
        raise NotFound()
    out = ballot_out(b)
    if b.status != "published":
        for o in out["options"]:
            o.update(votes=None, paper_votes=None, rank=None, recommended=None, tied_at_line=None)
    return out
