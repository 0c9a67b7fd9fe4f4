"""The co-building router of the REST API (/api/cobuilding/): coverage, party organisations,
pairings, alliances, the three lists with matching and claims, and the map's places — the same
selectors and services as the pages; actions come from the action tables."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from gongzhi.cobuilding import coverage as coverage_figures
from gongzhi.cobuilding import hours, matching, selectors, transitions
from gongzhi.cobuilding.schemas import (
    CobuildingActivityIn,
    CobuildingAllianceEditIn,
    CobuildingAllianceIn,
    CobuildingAllianceOut,
    CobuildingBranchIn,
    CobuildingBranchOut,
    CobuildingClaimIn,
    CobuildingClaimOut,
    CobuildingCoverageOut,
    CobuildingCoverEndIn,
    CobuildingCoverIn,
    CobuildingCoverRecordOut,
    CobuildingLeaveIn,
    CobuildingMemberIn,
    CobuildingNeedDetailOut,
    CobuildingNeedEditIn,
    CobuildingNeedIn,
    CobuildingNeedOut,
    CobuildingPageQuery,
    CobuildingPairingEditIn,
    CobuildingPairingIn,
    CobuildingPairingOut,
    CobuildingPlaceActionIn,
    CobuildingPlaceEditIn,
    CobuildingPlaceIn,
    CobuildingPlaceOut,
    CobuildingProjectEditIn,
    CobuildingProjectIn,
    CobuildingProjectOut,
    CobuildingResourceEditIn,
    CobuildingResourceIn,
    CobuildingResourceOut,
    CobuildingTextIn,
)
from gongzhi.cobuilding.services import edit_token, lists, network, places
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.registry import selectors as registry
from gongzhi.territory.models import Area, AreaKind

router = Router(tags=["cobuilding"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _page(qs, query: CobuildingPageQuery, states=None):
    if query.state:
        if states is not None and query.state not in states:
            raise DomainError(_("未知的状态：%(state)s") % {"state": query.state}, code="bad_state")
        qs = qs.filter(state=query.state)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return qs.order_by("pk")[: query.limit]


def _area(user, pk: int | None) -> Area | None:
    if pk is None:
        return None
    area = Area.objects.filter(pk=pk).first()
    if area is None or user.scope_id is None or not area.path.startswith(user.scope.path):
        raise NotFound(_("区域不存在或不在您的管辖范围内。"))
    return area


@router.get(
    "/coverage", response={200: CobuildingCoverageOut, **ERRORS}, summary="两新组织党组织覆盖与结对覆盖"
)
def coverage(request: HttpRequest, level: str = AreaKind.GRID, campaign: int | None = None):
    from gongzhi.visits import selectors as visits

    user = request.auth
    if level not in coverage_figures.LEVELS:
        raise DomainError(_("层级应为 grid 或 neighbourhood。"), code="bad_level")
    if not permissions.has(user, "partybranch.view", user.scope):
        raise NotFound()
    chosen = visits.campaign_for(user, campaign) if campaign else None
    on = timezone.localdate()
    rows, total = coverage_figures.figures(user, level=level, on=on, campaign=chosen)
    _p, paired, neighbourhoods = coverage_figures.pairing_coverage(user, on=on)
    return {
        "level": level,
        "on": on,
        "units": total.units,
        "covered": total.covered,
        "rate": total.rate,
        "not_visited": total.not_visited,
        "rows": [
            {
                "area_id": r.area.pk if r.area else None,
                "label": r.label,
                "units": r.units,
                "covered": r.covered,
                "rate": r.rate,
                "not_visited": r.not_visited,
            }
            for r in rows
        ],
        "paired_neighbourhoods": paired,
        "neighbourhoods": neighbourhoods,
    }


@router.get("/branches", response={200: list[CobuildingBranchOut], **ERRORS}, summary="党组织")
def branches(request: HttpRequest, query: Query[CobuildingPageQuery]):
    qs = selectors.party_branches_for(request.auth).select_related("organization")
    return [_branch(b) for b in _page(qs, CobuildingPageQuery(after=query.after, limit=query.limit))]


def _branch(b) -> dict:
    return {
        "id": b.pk,
        "organization_id": b.organization_id,
        "name": b.organization.name,
        "level": b.level,
        "parent_id": b.parent_id,
        "area_id": b.area_id,
        "members": b.members,
    }


@router.post("/branches", response={201: CobuildingBranchOut, **ERRORS}, summary="登记党组织")
def branch_register(request: HttpRequest, body: CobuildingBranchIn):
    user = request.auth
    data = body.dict()
    organization = registry.organization_for(user, data.pop("organization_id"))
    parent = selectors.party_branch_for(user, pid) if (pid := data.pop("parent_id")) else None
    return 201, _branch(network.register_branch(actor=user, organization=organization, parent=parent, **data))


def _pairing(p, today) -> dict:
    return {
        "id": p.pk,
        "unit_id": p.unit_id,
        "unit": p.unit.name,
        "neighbourhood_id": p.area_id,
        "neighbourhood": p.area.name,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "status": p.status(today),
        "plan": p.plan,
        "edit_token": edit_token(p, "pairing"),
    }


@router.get("/pairings", response={200: list[CobuildingPairingOut], **ERRORS}, summary="结对共建")
def pairings(request: HttpRequest, query: Query[CobuildingPageQuery]):
    qs = selectors.pairings_for(request.auth).select_related("unit", "area")
    today = timezone.localdate()
    return [_pairing(p, today) for p in _page(qs, CobuildingPageQuery(after=query.after, limit=query.limit))]


@router.post(
    "/pairings/{pk}/activities", response={201: CobuildingPairingOut, **ERRORS}, summary="记录结对活动"
)
def pairing_activity(request: HttpRequest, pk: int, body: CobuildingActivityIn):
    pairing = selectors.pairing_for(request.auth, pk)
    network.record_activity(actor=request.auth, pairing=pairing, **body.dict())
    return 201, _pairing(pairing, timezone.localdate())


@router.post("/pairings", response={201: CobuildingPairingOut, **ERRORS}, summary="建立结对")
def pairing_create(request: HttpRequest, body: CobuildingPairingIn):
    user = request.auth
    data = body.dict()
    neighbourhood = _area(user, data.pop("neighbourhood_id"))
    unit = registry.organization_for(user, data.pop("unit_id"))
    party = registry.organization_for(user, pid) if (pid := data.pop("neighbourhood_party_id")) else None
    made = network.create_pairing(
        actor=user, unit=unit, neighbourhood=neighbourhood, neighbourhood_party=party, **data
    )
    return 201, _pairing(made, timezone.localdate())


@router.post("/pairings/{pk}", response={200: CobuildingPairingOut, **ERRORS}, summary="修改结对")
def pairing_edit(request: HttpRequest, pk: int, body: CobuildingPairingEditIn):
    user = request.auth
    pairing = selectors.pairing_for(user, pk)
    data = body.dict()
    party = registry.organization_for(user, pid) if (pid := data.pop("neighbourhood_party_id")) else None
    done = network.edit_pairing(actor=user, pairing=pairing, neighbourhood_party=party, **data)
    return _pairing(done, timezone.localdate())


def _alliance(a) -> dict:
    return {
        "id": a.pk,
        "name": a.name,
        "theme": a.theme,
        "area_id": a.area_id,
        "founded_on": a.founded_on,
        "members": [m.organization_id for m in a.members.all() if m.left_on is None],
        "edit_token": edit_token(a, "alliance"),
    }


@router.get("/alliances", response={200: list[CobuildingAllianceOut], **ERRORS}, summary="联盟")
def alliances(request: HttpRequest):
    qs = selectors.alliances_for(request.auth).prefetch_related("members")
    return [_alliance(a) for a in qs.order_by("pk")[:200]]


@router.post("/alliances", response={201: CobuildingAllianceOut, **ERRORS}, summary="建立联盟")
def alliance_create(request: HttpRequest, body: CobuildingAllianceIn):
    user = request.auth
    data = body.dict()
    area = _area(user, data.pop("area_id"))
    return 201, _alliance(network.create_alliance(actor=user, area=area, **data))


@router.post("/alliances/{pk}", response={200: CobuildingAllianceOut, **ERRORS}, summary="修改联盟名称、主题")
def alliance_edit(request: HttpRequest, pk: int, body: CobuildingAllianceEditIn):
    user = request.auth
    network.edit_alliance(actor=user, alliance=selectors.alliance_for(user, pk), **body.dict())
    return _alliance(selectors.alliance_for(user, pk))


@router.post(
    "/alliances/{pk}/members", response={201: CobuildingAllianceOut, **ERRORS}, summary="加入联盟成员"
)
def alliance_join(request: HttpRequest, pk: int, body: CobuildingMemberIn):
    user = request.auth
    alliance = selectors.alliance_for(user, pk)
    data = body.dict()
    organization = registry.organization_for(user, data.pop("organization_id"))
    network.add_member(actor=user, alliance=alliance, organization=organization, **data)
    return 201, _alliance(selectors.alliance_for(user, pk))


@router.post(
    "/alliances/{pk}/members/{organization_id}/leave",
    response={200: CobuildingAllianceOut, **ERRORS},
    summary="成员退出联盟",
)
def alliance_leave(request: HttpRequest, pk: int, organization_id: int, body: CobuildingLeaveIn):
    user = request.auth
    alliance = selectors.alliance_for(user, pk)
    member = alliance.members.filter(organization_id=organization_id, left_on__isnull=True).first()
    if member is None:
        raise NotFound(_("该单位不是联盟的现有成员。"))
    network.remove_member(actor=user, member=member, left_on=body.left_on)
    return _alliance(selectors.alliance_for(user, pk))


def _cover(c) -> dict:
    return {
        "id": c.pk,
        "unit_id": c.unit_id,
        "branch_id": c.branch_id,
        "mode": c.mode,
        "started_on": c.started_on,
        "ended_on": c.ended_on,
    }


@router.post("/coverages", response={201: CobuildingCoverRecordOut, **ERRORS}, summary="登记党组织覆盖")
def cover(request: HttpRequest, body: CobuildingCoverIn):
    user = request.auth
    data = body.dict()
    unit = registry.organization_for(user, data.pop("unit_id"))
    branch = selectors.party_branch_for(user, data.pop("branch_id"))
    return 201, _cover(network.cover_unit(actor=user, unit=unit, branch=branch, **data))


@router.post("/coverages/end", response={200: CobuildingCoverRecordOut, **ERRORS}, summary="结束党组织覆盖")
def cover_end(request: HttpRequest, body: CobuildingCoverEndIn):
    user = request.auth
    data = body.dict()
    unit = registry.organization_for(user, data.pop("unit_id"))
    return _cover(network.end_coverage(actor=user, unit=unit, **data))


def _need(n) -> dict:
    return {
        "id": n.pk,
        "title": n.title,
        "description": n.description,
        "category": n.category,
        "area_id": n.area_id,
        "raised_by_id": n.raised_by_id,
        "urgency": n.urgency,
        "quantity": n.quantity,
        "claimed": n.claimed,
        "beneficiaries": n.beneficiaries,
        "due_on": n.due_on,
        "state": n.state,
        "edit_token": edit_token(n, "need"),
    }


@router.get("/needs", response={200: list[CobuildingNeedOut], **ERRORS}, summary="需求清单")
def needs(request: HttpRequest, query: Query[CobuildingPageQuery]):
    from gongzhi.cobuilding.models import NeedState

    return [_need(n) for n in _page(selectors.needs_for(request.auth), query, NeedState.values)]


def _need_detail(user, need) -> dict:
    actions = [
        a.name
        for a in transitions.available(transitions.NEED_ACTIONS, need.state)
        if permissions.has(user, a.permission, need)
    ]
    matches = matching.matches_for(user, need) if "claim" in actions else []
    return _need(need) | {
        "matches": [
            {
                "resource_id": m.resource.pk,
                "title": m.resource.title,
                "organization_id": m.resource.organization_id,
                "score": m.score,
                "parts": m.parts,
            }
            for m in matches
        ],
        "actions": actions,
    }


@router.get(
    "/needs/{pk}", response={200: CobuildingNeedDetailOut, **ERRORS}, summary="需求详情（含推荐资源）"
)
def need(request: HttpRequest, pk: int):
    return _need_detail(request.auth, selectors.need_for(request.auth, pk))


@router.post("/needs", response={201: CobuildingNeedOut, **ERRORS}, summary="发布需求")
def raise_need(request: HttpRequest, body: CobuildingNeedIn):
    user = request.auth
    data = body.dict()
    area = _area(user, data.pop("area_id"))
    raised_by = registry.organization_for(user, rid) if (rid := data.pop("raised_by_id")) else None
    made = lists.raise_need(actor=user, area=area, raised_by=raised_by, **data)
    return 201, _need(made)


@router.post("/needs/{pk}", response={200: CobuildingNeedOut, **ERRORS}, summary="修改需求")
def need_edit(request: HttpRequest, pk: int, body: CobuildingNeedEditIn):
    user = request.auth
    return _need(lists.edit_need(actor=user, need=selectors.need_for(user, pk), **body.dict()))


@router.post(
    "/needs/{pk}/claims", response={201: CobuildingClaimOut, **ERRORS}, summary="认领需求（部分或全部）"
)
def claim(request: HttpRequest, pk: int, body: CobuildingClaimIn):
    user = request.auth
    target = selectors.need_for(user, pk)
    organization = registry.organization_for(user, body.organization_id)
    resource = selectors.resource_for(user, body.resource_id) if body.resource_id else None
    made = lists.claim_need(
        actor=user,
        need=target,
        organization=organization,
        quantity=body.quantity,
        resource=resource,
        note=body.note,
    )
    return 201, {
        "id": made.pk,
        "need_id": made.need_id,
        "organization_id": made.organization_id,
        "resource_id": made.resource_id,
        "quantity": made.quantity,
        "status": made.status,
    }


@router.post("/needs/{pk}/deliver", response={200: CobuildingNeedOut, **ERRORS}, summary="需求办结")
def deliver(request: HttpRequest, pk: int, body: CobuildingTextIn):
    return _need(
        lists.deliver_need(actor=request.auth, need=selectors.need_for(request.auth, pk), result=body.text)
    )


def _resource(r) -> dict:
    return {
        "id": r.pk,
        "title": r.title,
        "category": r.category,
        "organization_id": r.organization_id,
        "area_id": r.area_id,
        "capacity": r.capacity,
        "used": r.used,
        "capacity_unit": r.capacity_unit,
        "state": r.state,
        "edit_token": edit_token(r, "resource"),
    }


@router.get("/resources", response={200: list[CobuildingResourceOut], **ERRORS}, summary="资源清单")
def resources(request: HttpRequest, query: Query[CobuildingPageQuery]):
    from gongzhi.cobuilding.models import ResourceState

    return [_resource(r) for r in _page(selectors.resources_for(request.auth), query, ResourceState.values)]


@router.post("/resources", response={201: CobuildingResourceOut, **ERRORS}, summary="提供资源")
def offer(request: HttpRequest, body: CobuildingResourceIn):
    user = request.auth
    data = body.dict()
    organization = registry.organization_for(user, data.pop("organization_id"))
    area = _area(user, data.pop("area_id"))
    return 201, _resource(lists.offer_resource(actor=user, organization=organization, area=area, **data))


@router.post("/resources/{pk}", response={200: CobuildingResourceOut, **ERRORS}, summary="修改资源")
def resource_edit(request: HttpRequest, pk: int, body: CobuildingResourceEditIn):
    user = request.auth
    return _resource(
        lists.edit_resource(actor=user, resource=selectors.resource_for(user, pk), **body.dict())
    )


@router.get("/projects", response={200: list[CobuildingProjectOut], **ERRORS}, summary="项目清单")
def projects(request: HttpRequest, query: Query[CobuildingPageQuery]):
    from gongzhi.cobuilding.models import ProjectState

    qs = selectors.projects_for(request.auth).prefetch_related("partners", "needs")
    return [_project(p) for p in _page(qs, query, ProjectState.values)]


@router.post("/projects", response={201: CobuildingProjectOut, **ERRORS}, summary="建立项目")
def project_create(request: HttpRequest, body: CobuildingProjectIn):
    user = request.auth
    data = body.dict()
    area = _area(user, data.pop("area_id"))
    lead = registry.organization_for(user, data.pop("lead_id"))
    partners = [registry.organization_for(user, pk) for pk in data.pop("partner_ids")]
    needs = [selectors.need_for(user, pk) for pk in data.pop("need_ids")]
    resources = [selectors.resource_for(user, pk) for pk in data.pop("resource_ids")]
    p = lists.create_project(
        actor=user, area=area, lead=lead, partners=partners, needs=needs, resources=resources, **data
    )
    return 201, _project(p)


def _project(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "lead_id": p.lead_id,
        "area_id": p.area_id,
        "tags": p.tags,
        "budget": float(p.budget),
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "progress": p.progress,
        "state": p.state,
        "edit_token": edit_token(p, "project"),
    }


@router.post(
    "/projects/{pk}", response={200: CobuildingProjectOut, **ERRORS}, summary="修改项目的合作单位和需求"
)
def project_edit(request: HttpRequest, pk: int, body: CobuildingProjectEditIn):
    user = request.auth
    project = selectors.project_for(user, pk)
    partners = [registry.organization_for(user, oid) for oid in dict.fromkeys(body.partner_ids)]
    needs = [selectors.need_for(user, nid) for nid in dict.fromkeys(body.need_ids)]
    done = lists.edit_project(actor=user, project=project, partners=partners, needs=needs, seen=body.seen)
    return _project(selectors.project_for(user, done.pk))


def _place(user, p, now) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "lat": p.lat,
        "lng": p.lng,
        "address": p.address,
        "area_id": p.area_id,
        "operator_id": p.operator_id,
        "opening_hours": p.opening_hours,
        "open_now": hours.is_open(p.opening_hours, now),
        "amenities": p.amenities,
        "state": p.state,
        "verified_at": p.verified_at,
        "check_due_on": p.check_due_on,
        "actions": [
            a.name
            for a in transitions.available(transitions.PLACE_ACTIONS, p.state)
            if permissions.has(user, a.permission, p)
        ],
        "edit_token": edit_token(p, "place"),
    }


@router.get("/places", response={200: list[CobuildingPlaceOut], **ERRORS}, summary="服务点（含未上图的）")
def places_list(request: HttpRequest, query: Query[CobuildingPageQuery]):
    from gongzhi.cobuilding.models import PlaceState

    now = timezone.now()
    return [
        _place(request.auth, p, now)
        for p in _page(selectors.places_for(request.auth), query, PlaceState.values)
    ]


@router.get("/places/{pk}", response={200: CobuildingPlaceOut, **ERRORS}, summary="服务点详情")
def place(request: HttpRequest, pk: int):
    return _place(request.auth, selectors.place_for(request.auth, pk), timezone.now())


@router.post("/places", response={201: CobuildingPlaceOut, **ERRORS}, summary="推荐服务点")
def nominate(request: HttpRequest, body: CobuildingPlaceIn):
    user = request.auth
    data = body.dict()
    area = _area(user, data.pop("area_id"))
    operator = registry.organization_for(user, oid) if (oid := data.pop("operator_id")) else None
    made = places.nominate_place(actor=user, area=area, operator=operator, **data)
    return 201, _place(user, made, timezone.now())


@router.post("/places/{pk}", response={200: CobuildingPlaceOut, **ERRORS}, summary="修改服务点信息")
def place_edit(request: HttpRequest, pk: int, body: CobuildingPlaceEditIn):
    user = request.auth
    done = places.edit_place(actor=user, place=selectors.place_for(user, pk), **body.dict())
    return _place(user, done, timezone.now())


PLACE_ACTIONS = {
    "verify": lambda user, p, note: places.verify_place(actor=user, place=p, note=note),
    "publish": lambda user, p, note: places.publish_place(actor=user, place=p),
    "recheck": lambda user, p, note: places.recheck_place(actor=user, place=p, note=note),
    "suspend": lambda user, p, note: places.suspend_place(actor=user, place=p, reason=note),
    "retire": lambda user, p, note: places.retire_place(actor=user, place=p, reason=note),
}


@router.post(
    "/places/{pk}/{action}",
    response={200: CobuildingPlaceOut, **ERRORS},
    summary="服务点核验、上图、暂停、撤点",
)
def place_action(request: HttpRequest, pk: int, action: str, body: CobuildingPlaceActionIn):
    if action not in PLACE_ACTIONS:
        raise NotFound(_("未知的操作：%(action)s") % {"action": action})
    user = request.auth
    done = PLACE_ACTIONS[action](user, selectors.place_for(user, pk), body.note)
    return _place(user, done, timezone.now())
