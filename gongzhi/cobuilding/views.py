"""Staff pages of co-building: the overview, coverage, pairings, alliances, the three lists with
matching and claims, a unit's record, and the map's places with their checks."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gongzhi.cobuilding import coverage, matching, selectors, transitions
from gongzhi.cobuilding.models import (
    Category,
    ClaimStatus,
    NeedState,
    PlaceState,
    ResourceState,
    Urgency,
)
from gongzhi.cobuilding.services import lists, places
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry import selectors as registry
from gongzhi.registry.models import Organization
from gongzhi.registry.web import int_or_none, page_of, staff_page
from gongzhi.territory.models import Area, AreaKind
from gongzhi.visits import selectors as visits

PER_PAGE = 30


def _require(user, permission: str = "cobuilding.view") -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


def _date(value) -> dt.date | None:
    try:
        return parse_date((value or "").strip()) if value else None
    except ValueError:
        return None


def rates(user) -> dict:
    """The indicators of the overview: need-claim rate (认领率: needs published in the period that
    were claimed at least in part, over needs published), needs delivered, active units (units that
    offered, claimed or led something in the last year), pairing coverage, coverage rate."""
    year_ago = timezone.now() - dt.timedelta(days=365)
    needs = selectors.needs_for(user).exclude(state__in=[NeedState.DRAFT, NeedState.WITHDRAWN])
    counted = needs.aggregate(
        total=Count("pk"),
        claimed=Count(
            "pk",
            filter=Q(claimed__gt=0)
            | Q(state__in=[NeedState.IN_PROJECT, NeedState.DELIVERED, NeedState.EVALUATED]),
        ),
        delivered=Count("pk", filter=Q(state__in=[NeedState.DELIVERED, NeedState.EVALUATED])),
    )
    active = set(
        selectors.resources_for(user)
        .filter(created_at__gte=year_ago)
        .values_list("organization_id", flat=True)
    ) | set(
        selectors.claims_for(user).filter(created_at__gte=year_ago).values_list("organization_id", flat=True)
    )
    _rows, total = coverage.figures(user)
    _p, paired, neighbourhoods = coverage.pairing_coverage(user)
    return {
        "needs": counted["total"],
        "claim_rate": round(100 * counted["claimed"] / counted["total"]) if counted["total"] else None,
        "delivered": counted["delivered"],
        "active_units": len(active),
        "coverage": total,
        "paired": paired,
        "neighbourhoods": neighbourhoods,
        "places": selectors.places_for(user).filter(state=PlaceState.PUBLISHED).count(),
    }


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    return render(request, "cobuilding/index.html", {"rates": rates(request.user)})


@staff_page
def coverage_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "partybranch.view")
    level = request.GET.get("level", AreaKind.GRID)
    level = level if level in coverage.LEVELS else AreaKind.GRID
    campaigns = list(visits.campaigns_for(user).order_by("-starts_on")[:20])
    campaign = next((c for c in campaigns if c.pk == int_or_none(request.GET.get("campaign"))), None)
    on = _date(request.GET.get("on")) or timezone.localdate()
    rows, total = coverage.figures(user, level=level, on=on, campaign=campaign)
    area = None
    if area_id := int_or_none(request.GET.get("area")):
        area = Area.objects.filter(pk=area_id, path__startswith=user.scope.path).first()
    return render(
        request,
        "cobuilding/coverage.html",
        {
            "rows": rows,
            "total": total,
            "level": level,
            "levels": [(k, AreaKind(k).label) for k in coverage.LEVELS],
            "campaigns": campaigns,
            "campaign": campaign,
            "on": on,
            "area": area,
            "uncovered": coverage.uncovered_units(user, on=on, area=area)[:200],
            "map_config": {
                "points": coverage.unit_points(user, on=on),
                "tileUrl": settings.GONGZHI_TILE_URL,
                "gcj02": settings.GONGZHI_TILE_GCJ02,
                "centre": [user.scope.centre_lat, user.scope.centre_lng] if user.scope.centre_lat else None,
                "unitUrl": reverse("cobuilding:unit", args=[0]),
                "texts": {"covered": _("已覆盖"), "uncovered": _("未覆盖")},
            },
            "history": coverage.history(user, months=12, today=on),
            "branches": selectors.party_branches_for(user).select_related(
                "organization", "parent__organization"
            ),
            "can_manage": permissions.has(user, "coverage.manage", user.scope),
        },
    )


@staff_page
def pairings(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "pairing.view")
    rows, paired, total = coverage.pairing_coverage(user)
    qs = (
        selectors.pairings_for(user).select_related("unit", "area").annotate(n_activities=Count("activities"))
    )
    return render(
        request,
        "cobuilding/pairings.html",
        {
            "rows": rows,
            "paired": paired,
            "total": total,
            "page": page_of(request, qs.order_by("area__path", "-starts_on"), PER_PAGE),
            "today": timezone.localdate(),
            "can_manage": permissions.has(user, "pairing.manage", user.scope),
        },
    )


@staff_page
def pairing(request: HttpRequest, pk: int) -> HttpResponse:
    from gongzhi.cobuilding.services import network

    user = request.user
    obj = selectors.pairing_for(user, pk)
    if request.method == "POST":
        permissions.require(user, "pairing.manage", obj)
        try:
            network.record_activity(
                actor=user,
                pairing=obj,
                held_on=_date(request.POST.get("held_on")) or timezone.localdate(),
                title=request.POST.get("title", ""),
                participants=int_or_none(request.POST.get("participants")) or 0,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录结对活动。"))
        return redirect("cobuilding:pairing", pk=obj.pk)
    return render(
        request,
        "cobuilding/pairing.html",
        {
            "pairing": obj,
            "status": obj.status_label(timezone.localdate()),
            "activities": obj.activities.all(),
            "evaluations": obj.evaluations.all(),
            "today": timezone.localdate(),
            "can_manage": permissions.has(user, "pairing.manage", obj),
        },
    )


@staff_page
def alliances(request: HttpRequest) -> HttpResponse:
    _require(request.user, "alliance.view")
    qs = selectors.alliances_for(request.user).annotate(
        n=Count("members", filter=Q(members__left_on__isnull=True))
    )
    can_manage = permissions.has(request.user, "alliance.manage", request.user.scope)
    return render(request, "cobuilding/alliances.html", {"alliances": qs, "can_manage": can_manage})


@staff_page
def alliance(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.alliance_for(request.user, pk)
    from gongzhi.cobuilding.editing import alliance_form_context

    members = obj.members.filter(left_on__isnull=True).select_related("organization")
    return render(
        request,
        "cobuilding/alliance.html",
        {
            "alliance": obj,
            "members": members,
            "today": timezone.localdate(),
            **alliance_form_context(request.user, obj),
        },
    )


@staff_page
def needs(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "need.view")
    qs = selectors.needs_for(user).select_related("area", "raised_by")
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(state__in=[NeedState.PUBLISHED, NeedState.PARTLY_CLAIMED])
    elif state in NeedState.values:
        qs = qs.filter(state=state)
    category = request.GET.get("category", "")
    if category in Category.values:
        qs = qs.filter(category=category)
    return render(
        request,
        "cobuilding/needs.html",
        {
            "page": page_of(request, qs, PER_PAGE),
            "state": state,
            "states": NeedState.choices,
            "category": category,
            "categories": Category.choices,
            "can_raise": permissions.has(user, "need.manage", user.scope),
        },
    )


@staff_page
def need_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "need.manage")
    areas = Area.objects.filter(
        path__startswith=user.scope.path,
        kind__in=[AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD],
    ).order_by("path")
    error = None
    if request.method == "POST":
        post = request.POST
        area = areas.filter(pk=int_or_none(post.get("area"))).first()
        try:
            if area is None:
                raise DomainError(_("请选择需求所在区域。"))
            need = lists.raise_need(
                actor=user,
                area=area,
                category=post.get("category", ""),
                title=post.get("title", ""),
                description=post.get("description", ""),
                urgency=int_or_none(post.get("urgency")) or 1,
                beneficiaries=int_or_none(post.get("beneficiaries")) or 0,
                quantity=int_or_none(post.get("quantity")) or 0,
                due_on=_date(post.get("due_on")),
                group=post.get("group", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("需求已发布。"))
            return redirect("cobuilding:need", pk=need.pk)
    return render(
        request,
        "cobuilding/need_new.html",
        {
            "areas": areas,
            "categories": Category.choices,
            "urgencies": Urgency.choices,
            "error": error,
            "post": request.POST,
        },
        status=422 if error else 200,
    )


def _claimable_units(user, need):
    """The organisations the user may claim for: its own unit's, or (keepers) any new-sector or
    regional unit of the need's subdistrict."""
    if not permissions.has(user, "need.manage", need):
        return Organization.objects.filter(unit_id=user.unit_id or -1, subdistrict_id=need.subdistrict_id)
    orgs = registry.organizations_for(user).filter(subdistrict_id=need.subdistrict_id)
    return orgs.exclude(kind="party_organization").order_by("name")


@staff_page
def need(request: HttpRequest, pk: int) -> HttpResponse:
    from gongzhi.cobuilding.edit_forms import can_edit

    user = request.user
    obj = selectors.need_for(user, pk)
    can_claim = (
        permissions.has(user, "need.claim", obj) and obj.state in transitions.NEED_ACTIONS["claim"].sources
    )
    return render(
        request,
        "cobuilding/need.html",
        {
            "need": obj,
            "can_edit": can_edit(user, "need", obj),
            "claims": obj.claims.select_related("organization", "resource"),
            "matches": matching.matches_for(user, obj) if can_claim else [],
            "can_claim": can_claim,
            "units": _claimable_units(user, obj)[:300] if can_claim else [],
            "actions": [
                a
                for a in transitions.available(transitions.NEED_ACTIONS, obj.state)
                if a.name in ("deliver", "withdraw", "evaluate") and permissions.has(user, a.permission, obj)
            ],
            "timeline": selectors.timeline("need", obj.pk),
            "projects": obj.projects.all(),
        },
    )


@staff_page
def need_claim(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.need_for(user, pk)
    if request.method != "POST":
        return redirect("cobuilding:need", pk=pk)
    post = request.POST
    try:
        organization = _claimable_units(user, obj).filter(pk=int_or_none(post.get("organization"))).first()
        if organization is None:
            raise DomainError(_("请选择认领单位。"))
        resource = None
        if rid := int_or_none(post.get("resource")):
            resource = selectors.resource_for(user, rid)
        quantity = int_or_none(post.get("quantity")) if post.get("quantity") else None
        lists.claim_need(
            actor=user,
            need=obj,
            organization=organization,
            quantity=quantity,
            resource=resource,
            note=post.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已认领。"))
    return redirect("cobuilding:need", pk=pk)


@staff_page
def need_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    obj = selectors.need_for(user, pk)
    if request.method != "POST" or action not in ("deliver", "withdraw", "evaluate"):
        return redirect("cobuilding:need", pk=pk)
    post = request.POST
    try:
        if action == "deliver":
            lists.deliver_need(actor=user, need=obj, result=post.get("text", ""))
        elif action == "withdraw":
            lists.withdraw_need(actor=user, need=obj, reason=post.get("text", ""))
        else:
            lists.evaluate_need(
                actor=user, need=obj, score=int_or_none(post.get("score")) or 0, comment=post.get("text", "")
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("cobuilding:need", pk=pk)


@staff_page
def resources(request: HttpRequest) -> HttpResponse:
    _require(request.user, "resource.view")
    qs = selectors.resources_for(request.user).select_related("organization", "area")
    state = request.GET.get("state", "")
    if state in ResourceState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "cobuilding/resources.html",
        {
            "page": page_of(request, qs, PER_PAGE),
            "state": state,
            "states": ResourceState.choices,
            "can_offer": permissions.has(request.user, "resource.offer", request.user.scope),
        },
    )


@staff_page
def resource(request: HttpRequest, pk: int) -> HttpResponse:
    from gongzhi.cobuilding.edit_forms import can_edit
    from gongzhi.cobuilding.rules import NETWORK_KEEPERS

    user = request.user
    obj = selectors.resource_for(user, pk)
    own = NETWORK_KEEPERS.held_by(user) or (user.unit_id and obj.organization.unit_id == user.unit_id)
    return render(
        request,
        "cobuilding/resource.html",
        {
            "resource": obj,
            "can_edit": bool(own) and can_edit(user, "resource", obj),
            "claims": obj.claims.select_related("need", "organization"),
            "timeline": selectors.timeline("resource", obj.pk),
        },
    )


@staff_page
def projects(request: HttpRequest) -> HttpResponse:
    _require(request.user, "project.view")
    qs = selectors.projects_for(request.user).select_related("lead", "area")
    can_manage = permissions.has(request.user, "project.manage", request.user.scope)
    return render(
        request,
        "cobuilding/projects.html",
        {"page": page_of(request, qs, PER_PAGE), "can_manage": can_manage},
    )


@staff_page
def project(request: HttpRequest, pk: int) -> HttpResponse:
    from gongzhi.cobuilding.edit_forms import can_edit

    obj = selectors.project_for(request.user, pk)
    return render(
        request,
        "cobuilding/project.html",
        {
            "project": obj,
            "can_edit": can_edit(request.user, "project", obj),
            "partners": obj.partners.all(),
            "needs": obj.needs.all(),
            "resources": obj.resources.select_related("organization"),
            "timeline": selectors.timeline("project", obj.pk),
        },
    )


@staff_page
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's co-building record: what it offered, claimed and delivered, its pairings,
    alliances, coverage, visits and cases — what a subdistrict uses to thank and assess it."""
    from gongzhi.cases.selectors import cases_for

    user = request.user
    _require(user)
    org = registry.organization_for(user, pk)
    claims = selectors.claims_for(user).filter(organization=org).select_related("need")
    about = Q(visits__organization=org) | (Q(assigned_unit_id=org.unit_id) if org.unit_id else Q(pk__in=[]))
    case_list = cases_for(user).filter(about).distinct().order_by("-created_at")[:20]
    return render(
        request,
        "cobuilding/unit.html",
        {
            "org": org,
            "resources": selectors.resources_for(user).filter(organization=org),
            "claims": claims,
            "delivered": claims.filter(status=ClaimStatus.DELIVERED).count(),
            "pairings": selectors.pairings_for(user).filter(unit=org).select_related("area"),
            "memberships": org.alliance_memberships.filter(left_on__isnull=True).select_related("alliance"),
            "coverages": selectors.coverages_for(user)
            .filter(unit=org)
            .select_related("branch__organization"),
            "projects": selectors.projects_for(user).filter(Q(lead=org) | Q(partners=org)).distinct(),
            "visits": visits.visits_for(user).filter(organization=org)[:20],
            "cases": case_list,
            "places": selectors.places_for(user).filter(operator=org),
            "today": timezone.localdate(),
            "can_cover": permissions.has(user, "coverage.manage", org),
        },
    )


@staff_page
def places_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "place.view")
    qs = selectors.places_for(user).select_related("area", "operator")
    state = request.GET.get("state", "")
    if state in PlaceState.values:
        qs = qs.filter(state=state)
    if request.GET.get("due") == "1":
        qs = qs.filter(state=PlaceState.PUBLISHED, check_due_on__lte=timezone.localdate())
    return render(
        request,
        "cobuilding/places.html",
        {
            "page": page_of(request, qs, PER_PAGE),
            "state": state,
            "states": PlaceState.choices,
            "today": timezone.localdate(),
            "can_nominate": permissions.has(user, "place.nominate", user.scope),
        },
    )


PLACE_SERVICES = {
    "verify": places.verify_place,
    "publish": places.publish_place,
    "recheck": places.recheck_place,
    "suspend": places.suspend_place,
    "retire": places.retire_place,
}


@staff_page
def place(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.place_for(user, pk)
    actions = [
        a
        for a in transitions.available(transitions.PLACE_ACTIONS, obj.state)
        if permissions.has(user, a.permission, obj)
    ]
    return render(
        request,
        "cobuilding/place.html",
        {
            "place": obj,
            "actions": actions,
            "reports": obj.reports.all()[:50],
            "pledges": obj.pledges.all(),
            "timeline": selectors.timeline("place", obj.pk),
            "today": timezone.localdate(),
            "can_edit": permissions.has(user, "place.verify", obj),
        },
    )


@staff_page
def place_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    obj = selectors.place_for(user, pk)
    if request.method != "POST" or action not in PLACE_SERVICES:
        return redirect("cobuilding:place", pk=pk)
    note = request.POST.get("note", "")
    try:
        if action in ("suspend", "retire"):
            PLACE_SERVICES[action](actor=user, place=obj, reason=note)
        elif action == "publish":
            PLACE_SERVICES[action](actor=user, place=obj)
        else:
            PLACE_SERVICES[action](actor=user, place=obj, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("cobuilding:place", pk=pk)
