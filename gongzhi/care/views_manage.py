"""Care pages for the staff who set the work up: the saved groups (a tag query on the registry),
the subdistrict's frequencies per risk level, a person's risk and who looks after them (primary
and back-up), and the map of who is overdue. Every write goes through care.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.care import selectors, services
from gongzhi.care.models import (
    AssigneeKind,
    AssigneeRole,
    Assignment,
    Frequency,
    Risk,
)
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry import selectors as registry_selectors
from gongzhi.registry.models import Organization
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import int_or_none, staff_page
from gongzhi.territory import outlines
from gongzhi.territory.models import Area, AreaKind
from gongzhi.volunteers.models import Volunteer

GROUP_AREA_KINDS = (AreaKind.SUBDISTRICT, AreaKind.NEIGHBOURHOOD, AreaKind.GRID, AreaKind.ESTATE)


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


# ---------------------------------------------------------------- saved groups


@staff_page
def groups(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "care.view")
    visible = selectors.recipients_for(user).filter(active=True)
    rows = [
        (g, visible.filter(groups=g).count(), permissions.has(user, "care.manage", g))
        for g in selectors.groups_for(user).select_related("area").prefetch_related("tags")[:200]
    ]
    return render(
        request,
        "care/groups.html",
        {
            "rows": rows,
            "can_create": permissions.has(user, "care.manage", user.scope),
            "can_policy": any(permissions.has(user, "care.manage", s) for s in _subdistricts(user)),
        },
    )


def _group_areas(user) -> list[Area]:
    return list(
        Area.objects.filter(path__startswith=user.scope.path, kind__in=GROUP_AREA_KINDS).order_by(
            "depth", "name"
        )[:500]
    )


def _parse_group(user, post: QueryDict) -> dict:
    area = Area.objects.filter(pk=int_or_none(post.get("area")), path__startswith=user.scope.path).first()
    if area is None:
        raise FieldError("area", _("请选择范围。"))
    tag_ids = [int_or_none(t) for t in post.getlist("tags")]
    if None in tag_ids:
        raise FieldError("tags", _("标签选择有误。"))
    tags = list(registry_selectors.tags_for(user).filter(pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        raise FieldError("tags", _("有标签不存在或不可用。"))
    raw_age = (post.get("min_age") or "").strip()
    min_age = int_or_none(raw_age)
    if raw_age and min_age is None:
        raise FieldError("min_age", _("最低年龄请填写整数。"))
    return {
        "area": area,
        "name": post.get("name", ""),
        "tags": tags,
        "min_age": min_age,
        "risk": post.get("risk", ""),
        "active": post.get("active") == "1",
    }


@staff_page
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    _require(user, "care.view")
    group = selectors.group_for(user, pk) if pk else None
    if not permissions.has(user, "care.manage", group or user.scope):
        raise NotAllowed()
    if request.method == "POST":
        form = request.POST
    elif group is not None:
        form = {
            "area": group.area_id,
            "name": group.name,
            "tags": list(group.tags.values_list("pk", flat=True)),
            "min_age": group.min_age if group.min_age is not None else "",
            "risk": group.risk,
            "active": "1" if group.active else "",
        }
    else:
        form = {"risk": Risk.MEDIUM, "active": "1", "tags": []}
    context = {
        "group": group,
        "form": form,
        "chosen_tags": {
            int_or_none(t) for t in (form.getlist("tags") if request.method == "POST" else form["tags"])
        },
        "areas": _group_areas(user),
        "tags": registry_selectors.tags_for(user).order_by("group__name", "name"),
        "risks": Risk.choices,
    }
    if request.method == "POST":
        try:
            saved = services.save_group(actor=user, group=group, **_parse_group(user, request.POST))
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "care/group_edit.html", context, status=exc.status)
        messages.success(
            request, _("已保存人群“%(name)s”，下次巡检时按新条件纳入或移出。") % {"name": saved.name}
        )
        return redirect("care:groups")
    return render(request, "care/group_edit.html", context)


# ---------------------------------------------------------------- the subdistrict's policy


def _subdistricts(user) -> list[Area]:
    if user.scope_id is None:
        return []
    scope = user.scope
    if scope.kind == AreaKind.SUBDISTRICT:
        return [scope]
    return list(Area.objects.filter(path__startswith=scope.path, kind=AreaKind.SUBDISTRICT).order_by("name"))


@staff_page
def policy(request: HttpRequest) -> HttpResponse:
    user = request.user
    choices = [s for s in _subdistricts(user) if permissions.has(user, "care.manage", s)]
    if not choices:
        raise NotAllowed(_("关爱规则由街道设置。"))
    chosen_id = int_or_none(request.POST.get("subdistrict") or request.GET.get("subdistrict"))
    subdistrict = next((s for s in choices if s.pk == chosen_id), choices[0])
    current = services.policy_for(subdistrict.pk)

    def shown(field: str):
        return request.POST.get(field, "") if request.method == "POST" else getattr(current, field)

    context = {
        "subdistricts": choices,
        "subdistrict": subdistrict,
        "frequencies": Frequency.choices,
        "levels": [
            (field, label, shown(field))
            for field, label in (("high", _("高风险")), ("medium", _("中风险")), ("low", _("低风险")))
        ],
        "numbers": {f: shown(f) for f in ("margin_days", "subdistrict_after_days", "not_reached_limit")},
    }
    if request.method == "POST":
        post = request.POST
        numbers = {}
        try:
            for field in ("margin_days", "subdistrict_after_days", "not_reached_limit"):
                numbers[field] = int_or_none(post.get(field))
                if numbers[field] is None:
                    raise FieldError(field, _("请填写整数。"))
            services.save_policy(
                actor=user,
                subdistrict=subdistrict,
                high=post.get("high", ""),
                medium=post.get("medium", ""),
                low=post.get("low", ""),
                **numbers,
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "care/policy.html", context, status=exc.status)
        messages.success(request, _("关爱规则已保存，自每人的下一次应联系起生效。"))
        return redirect(f"{request.path}?subdistrict={subdistrict.pk}")
    return render(request, "care/policy.html", context)


# ---------------------------------------------------------------- enrolling by hand


@staff_page
def enrol(request: HttpRequest) -> HttpResponse:
    """纳入关爱 by hand: someone no saved group finds (a neighbour's worry, a hospital's word).
    Search the registry, then enrol one with a risk level and the reason."""
    user = request.user
    if not permissions.has(user, "care.manage", user.scope):
        raise NotAllowed()
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()
    context = {"q": query, "risks": Risk.choices, "results": [], "post": request.POST}
    if request.method == "POST":
        resident = (
            registry_selectors.residents_for(user)
            .filter(pk=int_or_none(request.POST.get("resident")))
            .first()
        )
        try:
            if resident is None:
                raise FieldError("resident", _("请选择一位居民。"))
            made = services.enrol(
                actor=user,
                resident=resident,
                risk=request.POST.get("risk", ""),
                reasons=request.POST.get("reasons", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            context["results"] = _enrol_results(user, query)
            return render(request, "care/enrol.html", context, status=exc.status)
        messages.success(request, _("已将%(name)s纳入关爱，请指定结对人。") % {"name": resident.name})
        return redirect("care:plan", pk=made.pk)
    context["results"] = _enrol_results(user, query)
    return render(request, "care/enrol.html", context)


def _enrol_results(user, query: str) -> list:
    if len(query) < 2:
        return []
    return list(registry_selectors.search_residents(user, query).select_related("care")[:20])


# ---------------------------------------------------------------- a person's risk and carers


def parse_assignee(value: str, recipient) -> dict:
    """ "user:12" / "volunteer:3" / "unit:5" from the form into the service's arguments; the
    candidates are looked up in the person's subdistrict (the service checks the rest)."""
    from gongzhi.accounts.models import User

    prefix, _sep, raw = (value or "").partition(":")
    pk = int_or_none(raw)
    found = None
    if pk is not None:
        if prefix == "user":
            found = {"user": User.objects.filter(pk=pk, is_active=True).first()}
        elif prefix == "volunteer":
            found = {
                "volunteer": Volunteer.objects.filter(pk=pk, subdistrict_id=recipient.subdistrict_id).first()
            }
        elif prefix == "unit":
            found = {
                "organization": Organization.objects.filter(
                    pk=pk, subdistrict_id=recipient.subdistrict_id
                ).first()
            }
    if not found or None in found.values():
        raise FieldError("assignee", _("请选择一位结对人（工作人员、志愿者或单位）。"))
    return found


@staff_page
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """关爱安排: a person's risk level, reasons and frequency; the primary and the back-up."""
    user = request.user
    person = selectors.recipient_for(user, pk)
    if not permissions.has(user, "care.manage", person):
        raise NotAllowed()
    if request.method == "POST":
        try:
            text = _act_on_plan(user, person, request.POST)
        except DomainError as exc:
            return _plan_page(request, person, error=exc.message, status=exc.status)
        messages.success(request, text)
        return redirect("care:plan", pk=person.pk)
    return _plan_page(request, person)


def _act_on_plan(user, person, post: QueryDict) -> str:
    action = post.get("form")
    if action == "risk":
        services.set_risk(
            actor=user,
            recipient=person,
            risk=post.get("risk", ""),
            reasons=post.get("reasons", ""),
            frequency=post.get("frequency", ""),
        )
        return _("风险等级已保存。")
    if action == "assign":
        role = post.get("role", "")
        expected = int_or_none(post.get("expected"))
        if expected is None:
            raise FieldError("expected", _("表单已过期，请刷新后再试。"))
        services.assign(
            actor=user,
            recipient=person,
            role=role,
            kind=post.get("kind", ""),
            duties=post.get("duties", ""),
            expected=expected,
            **parse_assignee(post.get("assignee", ""), person),
        )
        return _("结对已保存。")
    if action == "end":
        assignment = Assignment.objects.filter(
            pk=int_or_none(post.get("assignment")), recipient=person
        ).first()
        if assignment is None:
            raise FieldError("assignment", _("未找到该结对。"))
        services.end_assignment(actor=user, assignment=assignment)
        return _("结对已结束。")
    raise FieldError("form", _("未知的操作。"))


def _plan_page(request: HttpRequest, person, *, error: str = "", status: int = 200) -> HttpResponse:
    current = {
        a.role: a
        for a in person.assignments.filter(active=True).select_related("user", "volunteer", "organization")
    }
    roles = [(value, label, current.get(value)) for value, label in AssigneeRole.choices]
    post = request.POST if request.method == "POST" else {}
    return render(
        request,
        "care/plan.html",
        {
            "recipient": person,
            "roles": roles,
            "history": person.assignments.filter(active=False)
            .select_related("user", "volunteer", "organization")
            .order_by("-ended_on", "-id")[:20],
            "candidates": selectors.candidates_for(person),
            "kinds": AssigneeKind.choices,
            "risks": Risk.choices,
            "frequencies": Frequency.choices,
            "policy_frequency": services.policy_for(person.subdistrict_id).frequency_for(person.risk),
            "post": post,
            "error": error,
        },
        status=status,
    )


# ---------------------------------------------------------------- the map of who is overdue


def _located(areas: dict[int, Area]) -> dict[int, tuple[float, float]]:
    """Each area's point: its own centre, else the nearest ancestor's with one."""
    ancestor_ids = {int(x) for a in areas.values() for x in a.path.strip("/").split("/") if x}
    known = {
        pk: (lat, lng)
        for pk, lat, lng in Area.objects.filter(pk__in=ancestor_ids)
        .exclude(centre_lat=None)
        .exclude(centre_lng=None)
        .values_list("pk", "centre_lat", "centre_lng")
    }
    points = {}
    for pk, area in areas.items():
        chain = [int(x) for x in area.path.strip("/").split("/") if x]
        for ancestor in reversed(chain):
            if ancestor in known:
                points[pk] = known[ancestor]
                break
    return points


def _map_filters(request: HttpRequest, user) -> tuple[str, Area | None]:
    """?risk= (high / medium / low) and ?grid= (a grid in the user's scope); anything else is a
    400 with its message, never an empty map that looks like good news."""
    risk = request.GET.get("risk", "")
    if risk and risk not in Risk.values:
        raise FieldError("risk", _("风险等级应为高、中或低。"))
    grid = None
    if request.GET.get("grid"):
        grid = selectors.grids_for(user).filter(pk=int_or_none(request.GET["grid"])).first()
        if grid is None:
            raise FieldError("grid", _("未找到该网格，或不在您的管辖范围内。"))
    return risk, grid


def _filter_query(risk: str, grid: Area | None) -> str:
    query = QueryDict(mutable=True)
    if risk:
        query["risk"] = risk
    if grid is not None:
        query["grid"] = str(grid.pk)
    return query.urlencode()


def map_points(user, *, today, risk: str = "", grid: Area | None = None) -> list[dict]:
    """One circle per area with people overdue: where, how many, how many of them high risk, and
    the address of the list of those people (with the same filters)."""
    counts: dict[int, list[int]] = {}
    for area_id, person_risk in selectors.overdue_for(user, today=today, risk=risk, grid=grid).values_list(
        "recipient__area_id", "recipient__risk"
    ):
        row = counts.setdefault(area_id, [0, 0])
        row[0] += 1
        row[1] += person_risk == Risk.HIGH
    areas = Area.objects.in_bulk(list(counts))
    located = _located(areas)
    query = _filter_query(risk, grid)
    points = []
    for pk, (n, high) in sorted(counts.items()):
        if pk not in located:
            continue
        lat, lng = outlines.point_for_display(*located[pk])
        points.append(
            {
                "id": pk,
                "area": areas[pk].name,
                "lat": round(lat, 7),
                "lng": round(lng, 7),
                "overdue": n,
                "high": high,
                "url": reverse("care:map_area", args=[pk]) + (f"?{query}" if query else ""),
            }
        )
    return points


@staff_page
def overdue_map(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "care.map")
    risk, grid = _map_filters(request, user)
    today = timezone.localdate()
    points = map_points(user, today=today, risk=risk, grid=grid)
    scope = user.scope
    return render(
        request,
        "care/map.html",
        {
            "points": points,
            "total": sum(p["overdue"] for p in points),
            "risk": risk,
            "grid": grid,
            "risks": Risk.choices,
            "grids": selectors.grids_for(user),
            "config": {
                "points": points,
                "tileUrl": settings.GONGZHI_TILE_URL,
                "centre": list(outlines.point_for_display(scope.centre_lat, scope.centre_lng))
                if scope.centre_lat is not None and scope.centre_lng is not None
                else None,
                "texts": {"overdue": _("人逾期"), "high": _("其中高风险")},
            },
        },
    )


MAP_PEOPLE_PAGE = 50


@staff_page
def overdue_map_area(request: HttpRequest, pk: int) -> HttpResponse:
    """The people overdue in one building or estate of the map (the same filters), as the round
    shows them: name, risk, due day, masked phone, room. An htmx click on the map swaps the list
    in below it; opened directly, it is a page of its own."""
    user = request.user
    _require(user, "care.map")
    risk, grid = _map_filters(request, user)
    area = selectors.area_in_scope(user, pk)
    today = timezone.localdate()
    dues = list(
        selectors.overdue_for(user, today=today, risk=risk, grid=grid)
        .filter(recipient__area=area)
        .order_by("due_on", "id")[: MAP_PEOPLE_PAGE + 1]
    )
    for due in dues:
        due.days_overdue = (today - due.due_on).days
    context = {
        "area": area,
        "dues": dues[:MAP_PEOPLE_PAGE],
        "more": len(dues) > MAP_PEOPLE_PAGE,
        "query": _filter_query(risk, grid),
    }
    if request.htmx:
        return render(request, "care/_map_people.html", context)
    return render(request, "care/map_people.html", context)
