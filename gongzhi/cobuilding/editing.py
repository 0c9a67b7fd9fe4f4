"""Staff forms of co-building: create and edit pairings, alliances and their members, coverage
records, resources, projects and the map's places. Each form posts to one service; a bad value
shows the service's Chinese message above the form (422) and nothing is written."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gongzhi.cobuilding import selectors
from gongzhi.cobuilding.models import (
    AllianceRole,
    AllianceTheme,
    Amenity,
    Category,
    CoverageMode,
    PlaceKind,
)
from gongzhi.cobuilding.models.lists import SIX_TOGETHER
from gongzhi.cobuilding.rules import NETWORK_KEEPERS
from gongzhi.cobuilding.services import edit_token, lists, network, places
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry import selectors as registry
from gongzhi.registry.models import Organization, OrganizationKind
from gongzhi.registry.web import int_or_none, staff_page
from gongzhi.territory.models import Area, AreaKind

PARTY = OrganizationKind.PARTY_ORGANIZATION


def _require(user, permission: str, obj=None) -> None:
    if user.scope_id is None:
        raise NotAllowed()
    permissions.require(user, permission, obj if obj is not None else user.scope)


class BadInput(DomainError):
    """A value the form could not read (a date that does not parse, a choice not offered)."""


def _date(post, name: str, label: str, *, required: bool = True) -> dt.date | None:
    value = (post.get(name) or "").strip()
    if not value:
        if required:
            raise BadInput(_("请填写%(label)s。") % {"label": label})
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise BadInput(_("%(label)s不是有效日期。") % {"label": label})
    return day


def _pick(qs, post, name: str, label: str, *, required: bool = True):
    pk = int_or_none(post.get(name))
    if pk is None:
        if required:
            raise BadInput(_("请选择%(label)s。") % {"label": label})
        return None
    found = qs.filter(pk=pk).first()
    if found is None:
        raise BadInput(_("所选%(label)s不在可选范围内。") % {"label": label})
    return found


def _int(post, name: str, label: str, default: int = 0) -> int:
    value = (post.get(name) or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadInput(_("%(label)s须为整数。") % {"label": label}) from None


def _areas(user, kinds) -> list[Area]:
    return list(Area.objects.filter(path__startswith=user.scope.path, kind__in=kinds).order_by("path"))


def _units(user):
    return registry.organizations_for(user).exclude(kind=PARTY).order_by("name")


def _parties(user):
    return registry.organizations_for(user).filter(kind=PARTY).order_by("name")


def _opts(rows, label=lambda o: o.name) -> list[tuple[str, str]]:
    return [(str(o.pk), label(o)) for o in rows]


def _area_label(a: Area) -> str:
    return f"{a.name}（{a.kind_label}）"


def field(name, label, kind="text", *, options=None, value="", required=False, help="", **attrs) -> dict:
    return {
        "name": name,
        "label": label,
        "kind": kind,
        "options": options or [],
        "value": value,
        "required": required,
        "help": help,
        "attrs": attrs,
    }


def _form(
    request,
    *,
    title: str,
    fields: list[dict],
    error: str | None,
    back: str,
    submit: str,
    seen: str = "",
    picker: dict | None = None,
) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    if post is not None and post.get("seen"):
        seen = post["seen"]  # a refused stale save stays stale until the page is opened again
    for f in fields:
        if post is not None:
            f["value"] = (
                post.getlist(f["name"]) if f["kind"] in ("multi", "checks") else post.get(f["name"], "")
            )
        if f["kind"] in ("multi", "checks"):
            f["value"] = [str(v) for v in (f["value"] or [])]
        else:
            f["value"] = "" if f["value"] is None else str(f["value"])
    return render(
        request,
        "cobuilding/form.html",
        {
            "title": title,
            "fields": fields,
            "error": error,
            "back": back,
            "submit": submit,
            "seen": seen,
            "picker": picker,
        },
        status=422 if error else 200,
    )


def _saved(request, message: str, to: str, **kwargs) -> HttpResponse:
    messages.success(request, message)
    return redirect(to, **kwargs)


# ---------------------------------------------------------------- pairings


@staff_page
def pairing_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "pairing.manage")
    units, parties = _units(user), _parties(user)
    neighbourhoods = _areas(user, [AreaKind.NEIGHBOURHOOD])
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            made = network.create_pairing(
                actor=user,
                unit=_pick(units, post, "unit", _("结对单位")),
                neighbourhood=_pick(
                    Area.objects.filter(pk__in=[a.pk for a in neighbourhoods]), post, "area", _("居民区")
                ),
                starts_on=_date(post, "starts_on", _("开始日期")),
                ends_on=_date(post, "ends_on", _("结束日期")),
                plan=post.get("plan", ""),
                neighbourhood_party=_pick(
                    parties, post, "neighbourhood_party", _("居民区党组织"), required=False
                ),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已建立结对。"), "cobuilding:pairing", pk=made.pk)
    fields = [
        field("unit", _("结对单位"), "select", options=_opts(units), required=True),
        field("area", _("居民区"), "select", options=_opts(neighbourhoods), required=True),
        field("neighbourhood_party", _("居民区党组织"), "select", options=_opts(parties)),
        field("starts_on", _("开始日期"), "date", required=True),
        field("ends_on", _("结束日期"), "date", required=True),
        field("plan", _("年度计划"), "textarea"),
    ]
    return _form(
        request,
        title=_("新建结对"),
        fields=fields,
        error=error,
        back="cobuilding:pairings",
        submit=_("建立结对"),
    )


@staff_page
def pairing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.pairing_for(user, pk)
    permissions.require(user, "pairing.manage", obj)
    parties = _parties(user).filter(subdistrict_id=obj.subdistrict_id)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            network.edit_pairing(
                actor=user,
                pairing=obj,
                ends_on=_date(post, "ends_on", _("结束日期")),
                plan=post.get("plan", ""),
                neighbourhood_party=_pick(
                    parties, post, "neighbourhood_party", _("居民区党组织"), required=False
                ),
                seen=post.get("seen") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已保存结对。"), "cobuilding:pairing", pk=obj.pk)
    fields = [
        field(
            "neighbourhood_party",
            _("居民区党组织"),
            "select",
            options=_opts(parties),
            value=obj.neighbourhood_party_id or "",
        ),
        field("ends_on", _("结束日期"), "date", value=obj.ends_on.isoformat(), required=True),
        field("plan", _("年度计划"), "textarea", value=obj.plan),
    ]
    return _form(
        request,
        title=_("修改结对：%(unit)s ⇄ %(area)s") % {"unit": obj.unit.name, "area": obj.area.name},
        fields=fields,
        error=error,
        back="cobuilding:pairings",
        submit=_("保存"),
        seen=edit_token(obj, "pairing"),
    )


# ---------------------------------------------------------------- alliances


@staff_page
def alliance_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "alliance.manage")
    areas = _areas(user, [AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD])
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            made = network.create_alliance(
                actor=user,
                area=_pick(Area.objects.filter(pk__in=[a.pk for a in areas]), post, "area", _("所在区域")),
                name=post.get("name", ""),
                theme=post.get("theme", ""),
                founded_on=_date(post, "founded_on", _("成立日期")),
                note=post.get("note", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已建立联盟。"), "cobuilding:alliance", pk=made.pk)
    fields = [
        field("name", _("联盟名称"), required=True, maxlength=80),
        field("theme", _("主题"), "select", options=AllianceTheme.choices, required=True),
        field("area", _("所在区域"), "select", options=_opts(areas, _area_label), required=True),
        field("founded_on", _("成立日期"), "date", required=True),
        field("note", _("说明"), "textarea"),
    ]
    return _form(
        request,
        title=_("新建联盟"),
        fields=fields,
        error=error,
        back="cobuilding:alliances",
        submit=_("建立联盟"),
    )


@staff_page
def alliance_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.alliance_for(user, pk)
    permissions.require(user, "alliance.manage", obj)
    if request.method == "POST":
        post = request.POST
        try:
            network.add_member(
                actor=user,
                alliance=obj,
                organization=_pick(
                    _units(user).filter(subdistrict_id=obj.subdistrict_id),
                    post,
                    "organization",
                    _("成员单位"),
                ),
                role=post.get("role", ""),
                joined_on=_date(post, "joined_on", _("加入日期")),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已加入联盟。"))
    return redirect("cobuilding:alliance", pk=obj.pk)


@staff_page
def alliance_member_leave(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    user = request.user
    obj = selectors.alliance_for(user, pk)
    permissions.require(user, "alliance.manage", obj)
    if request.method == "POST":
        row = obj.members.filter(pk=member).first()
        try:
            if row is None:
                raise BadInput(_("找不到该成员。"))
            network.remove_member(
                actor=user, member=row, left_on=_date(request.POST, "left_on", _("退出日期"))
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已退出联盟。"))
    return redirect("cobuilding:alliance", pk=obj.pk)


def alliance_form_context(user, alliance) -> dict:
    """What the alliance page needs to show the member forms (to keepers only)."""
    if not permissions.has(user, "alliance.manage", alliance):
        return {"can_manage": False}
    return {
        "can_manage": True,
        "units": _units(user).filter(subdistrict_id=alliance.subdistrict_id)[:500],
        "roles": AllianceRole.choices,
    }


# ---------------------------------------------------------------- coverage


@staff_page
def coverage_edit(request: HttpRequest) -> HttpResponse:
    """Record that a unit is covered by a party organisation (a current one by another ends that
    day), or that its coverage ended."""
    user = request.user
    _require(user, "coverage.manage")
    units = _units(user)
    branches = (
        selectors.party_branches_for(user).select_related("organization").order_by("organization__name")
    )
    error = None
    post = request.POST
    ending = post.get("action") == "end"
    if request.method == "POST":
        try:
            unit = _pick(units, post, "unit", _("单位"))
            if ending:
                network.end_coverage(
                    actor=user,
                    unit=unit,
                    ended_on=_date(post, "started_on", _("日期")),
                    reason=post.get("note", ""),
                )
            else:
                network.cover_unit(
                    actor=user,
                    unit=unit,
                    branch=_pick(branches, post, "branch", _("党组织")),
                    mode=post.get("mode", ""),
                    started_on=_date(post, "started_on", _("日期")),
                    note=post.get("note", ""),
                )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(
                request, _("已结束覆盖。") if ending else _("已记录覆盖。"), "cobuilding:unit", pk=unit.pk
            )
    fields = [
        field(
            "unit",
            _("单位"),
            "select",
            options=_opts(units),
            value=request.GET.get("unit", ""),
            required=True,
        ),
        field(
            "action",
            _("操作"),
            "select",
            options=[("cover", _("由党组织覆盖")), ("end", _("结束覆盖"))],
            required=True,
        ),
        field("branch", _("党组织"), "select", options=_opts(branches, lambda b: b.organization.name)),
        field("mode", _("覆盖方式"), "select", options=CoverageMode.choices),
        field("started_on", _("日期"), "date", required=True, help=_("覆盖起始日期，或结束日期")),
        field("note", _("说明"), help=_("结束覆盖时必填原因")),
    ]
    return _form(
        request, title=_("登记覆盖"), fields=fields, error=error, back="cobuilding:coverage", submit=_("保存")
    )


# ---------------------------------------------------------------- resources and projects


def _offering_units(user):
    if NETWORK_KEEPERS.held_by(user):
        return _units(user)
    return Organization.objects.filter(unit_id=user.unit_id or -1).exclude(kind=PARTY).order_by("name")


@staff_page
def resource_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "resource.offer")
    units = _offering_units(user)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            made = lists.offer_resource(
                actor=user,
                organization=_pick(units, post, "organization", _("提供单位")),
                category=post.get("category", ""),
                title=post.get("title", ""),
                capacity=_int(post, "capacity", _("数量"), 1),
                capacity_unit=post.get("capacity_unit", "") or "次",
                description=post.get("description", ""),
                available_from=_date(post, "available_from", _("可用开始"), required=False),
                available_until=_date(post, "available_until", _("可用截止"), required=False),
                when=post.get("when", ""),
                where=post.get("where", ""),
                for_whom=post.get("for_whom", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("资源已登记。"), "cobuilding:resource", pk=made.pk)
    fields = [
        field("title", _("资源名称"), required=True, maxlength=120),
        field("organization", _("提供单位"), "select", options=_opts(units), required=True),
        field("category", _("类别"), "select", options=Category.choices, required=True),
        field("capacity", _("数量"), "number", value=1, min=1),
        field("capacity_unit", _("单位"), value="次", maxlength=10),
        field("when", _("时间"), maxlength=80),
        field("where", _("地点"), maxlength=120),
        field("for_whom", _("服务对象"), maxlength=80),
        field("available_from", _("可用开始"), "date"),
        field("available_until", _("可用截止"), "date"),
        field("description", _("说明"), "textarea"),
    ]
    return _form(
        request,
        title=_("登记资源"),
        fields=fields,
        error=error,
        back="cobuilding:resources",
        submit=_("登记"),
    )


@staff_page
def project_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "project.manage")
    units = _units(user)
    areas = _areas(user, [AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD])
    open_needs = selectors.open_needs_for(user).order_by("-created_at")[:200]
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            chosen = [int_or_none(v) for v in post.getlist("needs")]
            needs = list(selectors.open_needs_for(user).filter(pk__in=[c for c in chosen if c]))
            if len(needs) != len(chosen):
                raise BadInput(_("所选需求不在可选范围内。"))
            partner_ids = [int_or_none(v) for v in post.getlist("partners")]
            partners = list(units.filter(pk__in=[p for p in partner_ids if p]))
            if len(partners) != len(partner_ids):
                raise BadInput(_("所选合作单位不在可选范围内。"))
            made = lists.create_project(
                actor=user,
                area=_pick(Area.objects.filter(pk__in=[a.pk for a in areas]), post, "area", _("实施区域")),
                title=post.get("title", ""),
                lead=_pick(units, post, "lead", _("牵头单位")),
                partners=partners,
                needs=needs,
                tags=post.getlist("tags"),
                budget=post.get("budget", "") or 0,
                starts_on=_date(post, "starts_on", _("开始日期")),
                ends_on=_date(post, "ends_on", _("计划完成日期")),
                description=post.get("description", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("项目已建立。"), "cobuilding:project", pk=made.pk)
    fields = [
        field("title", _("项目名称"), required=True, maxlength=120),
        field("area", _("实施区域"), "select", options=_opts(areas, _area_label), required=True),
        field("lead", _("牵头单位"), "select", options=_opts(units), required=True),
        field("partners", _("合作单位"), "multi", options=_opts(units)),
        field("needs", _("纳入的需求"), "multi", options=_opts(open_needs, lambda n: n.title)),
        field("tags", _("“六共”标签"), "checks", options=[(t, t) for t in SIX_TOGETHER]),
        field("budget", _("预算（元）"), "number", value=0, min=0, step="0.01"),
        field("starts_on", _("开始日期"), "date", required=True),
        field("ends_on", _("计划完成日期"), "date", required=True),
        field("description", _("内容"), "textarea"),
    ]
    return _form(
        request,
        title=_("新建项目"),
        fields=fields,
        error=error,
        back="cobuilding:projects",
        submit=_("建立项目"),
    )


# ---------------------------------------------------------------- places


def _place_fields(user, place=None) -> list[dict]:
    fields = [field("name", _("名称"), value=place.name if place else "", required=True, maxlength=80)]
    if place is None:
        fields += [
            field("kind", _("类型"), "select", options=PlaceKind.choices, required=True),
            field("operator", _("运营单位"), "select", options=_opts(_units(user))),
            field("lat", _("纬度"), "number", required=True, step="any", help=_("可在地图上查到，WGS-84")),
            field("lng", _("经度"), "number", required=True, step="any", help=_("也可在下方地图上点选位置")),
        ]
    fields += [
        field("address", _("地址"), value=place.address if place else "", required=True, maxlength=200),
        field(
            "opening_hours",
            _("开放时间"),
            value=place.opening_hours if place else "",
            required=True,
            help=_("OpenStreetMap 写法，如 24/7 或 Mo-Fr 09:00-18:00; Sa 10:00-16:00"),
        ),
        field(
            "amenities", _("设施"), "checks", options=Amenity.choices, value=place.amenities if place else []
        ),
        field("description", _("说明"), "textarea", value=place.description if place else ""),
    ]
    return fields


@staff_page
def place_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "place.nominate")
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            made = places.nominate_place(
                actor=user,
                kind=post.get("kind", ""),
                name=post.get("name", ""),
                lat=post.get("lat"),
                lng=post.get("lng"),
                address=post.get("address", ""),
                opening_hours=post.get("opening_hours", ""),
                amenities=post.getlist("amenities"),
                operator=_pick(_units(user), post, "operator", _("运营单位"), required=False),
                description=post.get("description", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("服务点已推荐，待实地核验。"), "cobuilding:place", pk=made.pk)
    return _form(
        request,
        title=_("推荐服务点"),
        fields=_place_fields(user),
        error=error,
        back="cobuilding:places",
        submit=_("推荐"),
        picker={"after": "lng", "lat": "f-lat", "lng": "f-lng", "centre": _centre(user.scope)},
    )


def _centre(area: Area) -> tuple[float, float] | None:
    """Where the point picker opens: the user's area's centre, else its subdistrict's."""
    for candidate in (area, area.subdistrict):
        if candidate is not None and candidate.centre_lat is not None and candidate.centre_lng is not None:
            return (candidate.centre_lat, candidate.centre_lng)
    return None


@staff_page
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.place_for(user, pk)
    permissions.require(user, "place.verify", obj)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            places.edit_place(
                actor=user,
                place=obj,
                name=post.get("name", ""),
                address=post.get("address", ""),
                opening_hours=post.get("opening_hours", ""),
                amenities=post.getlist("amenities"),
                description=post.get("description", ""),
                seen=post.get("seen") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已保存服务点。"), "cobuilding:place", pk=obj.pk)
    return _form(
        request,
        title=_("修改服务点：%(name)s") % {"name": obj.name},
        fields=_place_fields(user, obj),
        error=error,
        back="cobuilding:places",
        submit=_("保存"),
        seen=edit_token(obj, "place"),
    )
