"""Staff forms that change co-building objects after they were made (an alliance's name and
theme, a resource, a need, a project's partners and needs) and the form that registers a party
organisation. Like editing.py: one service per form, the service's Chinese message above the
form (422) on bad input, and the edit token so that of two editors the second one loses."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from gongzhi.cobuilding import selectors, transitions
from gongzhi.cobuilding.editing import (
    BadInput,
    _date,
    _form,
    _int,
    _opts,
    _parties,
    _pick,
    _require,
    _saved,
    _units,
    field,
)
from gongzhi.cobuilding.models import AllianceTheme, BranchLevel, Category, NeedState, Urgency
from gongzhi.cobuilding.services import edit_token, lists, network
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, InvalidTransition
from gongzhi.registry.web import int_or_none, staff_page


def _allowed(table, obj, name: str) -> None:
    """A page for an edit the state no longer allows says so instead of showing the form."""
    if obj.state not in table[name].sources:
        raise InvalidTransition(_("当前状态下不能修改。"))


def can_edit(user, table: str, obj) -> bool:
    """Whether the detail page shows the edit button (the service is what refuses)."""
    action = transitions.TABLES[table]["edit"]
    return obj.state in action.sources and permissions.has(user, action.permission, obj)


# ---------------------------------------------------------------- alliances


@staff_page
def alliance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.alliance_for(user, pk)
    permissions.require(user, "alliance.manage", obj)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            network.edit_alliance(
                actor=user,
                alliance=obj,
                name=post.get("name", ""),
                theme=post.get("theme", ""),
                note=post.get("note", ""),
                seen=post.get("seen") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已保存联盟。"), "cobuilding:alliance", pk=obj.pk)
    fields = [
        field("name", _("联盟名称"), value=obj.name, required=True, maxlength=80),
        field("theme", _("主题"), "select", options=AllianceTheme.choices, value=obj.theme, required=True),
        field("note", _("说明"), "textarea", value=obj.note),
    ]
    return _form(
        request,
        title=_("修改联盟：%(name)s") % {"name": obj.name},
        fields=fields,
        error=error,
        back="cobuilding:alliances",
        submit=_("保存"),
        seen=edit_token(obj, "alliance"),
    )


# ---------------------------------------------------------------- resources


@staff_page
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.resource_for(user, pk)
    permissions.require(user, transitions.RESOURCE_ACTIONS["edit"].permission, obj)
    _allowed(transitions.RESOURCE_ACTIONS, obj, "edit")
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            lists.edit_resource(
                actor=user,
                resource=obj,
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
                seen=post.get("seen") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已保存资源。"), "cobuilding:resource", pk=obj.pk)
    day = lambda d: d.isoformat() if d else ""  # noqa: E731
    fields = [
        field("title", _("资源名称"), value=obj.title, required=True, maxlength=120),
        field("category", _("类别"), "select", options=Category.choices, value=obj.category, required=True),
        field(
            "capacity",
            _("数量"),
            "number",
            value=obj.capacity,
            min=max(1, obj.used + 1 if obj.used else 1),
            help=_("已使用 %(n)d") % {"n": obj.used} if obj.used else "",
        ),
        field("capacity_unit", _("单位"), value=obj.capacity_unit, maxlength=10),
        field("when", _("时间"), value=obj.when, maxlength=80),
        field("where", _("地点"), value=obj.where, maxlength=120),
        field("for_whom", _("服务对象"), value=obj.for_whom, maxlength=80),
        field("available_from", _("可用开始"), "date", value=day(obj.available_from)),
        field("available_until", _("可用截止"), "date", value=day(obj.available_until)),
        field("description", _("说明"), "textarea", value=obj.description),
    ]
    return _form(
        request,
        title=_("修改资源：%(title)s") % {"title": obj.title},
        fields=fields,
        error=error,
        back="cobuilding:resources",
        submit=_("保存"),
        seen=edit_token(obj, "resource"),
    )


# ---------------------------------------------------------------- needs


@staff_page
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.need_for(user, pk)
    permissions.require(user, transitions.NEED_ACTIONS["edit"].permission, obj)
    _allowed(transitions.NEED_ACTIONS, obj, "edit")
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            urgency = int_or_none(post.get("urgency"))
            if urgency not in Urgency.values:
                raise BadInput(_("请选择紧急程度。"))
            lists.edit_need(
                actor=user,
                need=obj,
                category=post.get("category", ""),
                title=post.get("title", ""),
                description=post.get("description", ""),
                urgency=urgency,
                beneficiaries=_int(post, "beneficiaries", _("受益人数"), 0),
                quantity=_int(post, "quantity", _("所需数量"), 1),
                due_on=_date(post, "due_on", _("期望完成"), required=False),
                group=post.get("group", ""),
                seen=post.get("seen") or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已保存需求。"), "cobuilding:need", pk=obj.pk)
    fields = [
        field("title", _("需求"), value=obj.title, required=True, maxlength=120),
        field("category", _("类别"), "select", options=Category.choices, value=obj.category, required=True),
        field("urgency", _("紧急程度"), "select", options=Urgency.choices, value=obj.urgency, required=True),
        field(
            "quantity",
            _("所需数量"),
            "number",
            value=obj.quantity,
            min=max(1, obj.claimed),
            help=_("已认领 %(n)d") % {"n": obj.claimed} if obj.claimed else "",
        ),
        field("beneficiaries", _("受益人数"), "number", value=obj.beneficiaries, min=0),
        field("group", _("提出群体"), value=obj.group, maxlength=60),
        field("due_on", _("期望完成"), "date", value=obj.due_on.isoformat() if obj.due_on else ""),
        field("description", _("说明"), "textarea", value=obj.description),
    ]
    return _form(
        request,
        title=_("修改需求：%(title)s") % {"title": obj.title},
        fields=fields,
        error=error,
        back="cobuilding:needs",
        submit=_("保存"),
        seen=edit_token(obj, "need"),
    )


# ---------------------------------------------------------------- projects


def project_choices(user, project):
    """The units a project may take as partners and the needs it may take in: its own and the
    open needs of its subdistrict."""
    units = _units(user).filter(subdistrict_id=project.subdistrict_id).exclude(pk=project.lead_id)
    open_states = [NeedState.PUBLISHED, NeedState.PARTLY_CLAIMED]
    needs = (
        selectors.needs_for(user)
        .filter(subdistrict_id=project.subdistrict_id)
        .filter(Q(state__in=open_states) | Q(projects=project))
        .distinct()
    )
    return units, needs


@staff_page
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    obj = selectors.project_for(user, pk)
    permissions.require(user, transitions.PROJECT_ACTIONS["edit"].permission, obj)
    _allowed(transitions.PROJECT_ACTIONS, obj, "edit")
    units, needs = project_choices(user, obj)
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            chosen = [int_or_none(v) for v in post.getlist("needs")]
            picked_needs = list(needs.filter(pk__in=[c for c in chosen if c]))
            if len(picked_needs) != len(set(chosen)):
                raise BadInput(_("所选需求不在可选范围内。"))
            partner_ids = [int_or_none(v) for v in post.getlist("partners")]
            partners = list(units.filter(pk__in=[p for p in partner_ids if p]))
            if len(partners) != len(set(partner_ids)):
                raise BadInput(_("所选合作单位不在可选范围内。"))
            lists.edit_project(
                actor=user, project=obj, partners=partners, needs=picked_needs, seen=post.get("seen") or None
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(request, _("已保存项目。"), "cobuilding:project", pk=obj.pk)
    fields = [
        field(
            "partners",
            _("合作单位"),
            "multi",
            options=_opts(units.order_by("name")[:500]),
            value=[p.pk for p in obj.partners.all()],
        ),
        field(
            "needs",
            _("纳入的需求"),
            "multi",
            options=_opts(needs.order_by("-created_at")[:200], lambda n: n.title),
            value=[n.pk for n in obj.needs.all()],
            help=_("移出的需求按认领情况回到待认领或已认领"),
        ),
    ]
    return _form(
        request,
        title=_("修改项目：%(title)s") % {"title": obj.title},
        fields=fields,
        error=error,
        back="cobuilding:projects",
        submit=_("保存"),
        seen=edit_token(obj, "project"),
    )


# ---------------------------------------------------------------- party organisations


@staff_page
def branch_new(request: HttpRequest) -> HttpResponse:
    """Register a party organisation of the registry (its level and parent) so that it can
    cover units."""
    user = request.user
    _require(user, "coverage.manage")
    organizations = _parties(user).filter(party_branch__isnull=True)
    parents = selectors.party_branches_for(user).select_related("organization").order_by("organization__name")
    error = None
    if request.method == "POST":
        post = request.POST
        try:
            made = network.register_branch(
                actor=user,
                organization=_pick(organizations, post, "organization", _("党组织")),
                level=post.get("level", ""),
                parent=_pick(parents, post, "parent", _("上级党组织"), required=False),
                secretary=post.get("secretary", ""),
                members=_int(post, "members", _("党员人数"), 0),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return _saved(
                request,
                _("已登记党组织“%(name)s”。") % {"name": made.organization.name},
                "cobuilding:coverage",
            )
    fields = [
        field(
            "organization",
            _("党组织"),
            "select",
            options=_opts(organizations[:500]),
            required=True,
            help=_("须先在单位名录中登记为“党组织”类型"),
        ),
        field("level", _("层级"), "select", options=BranchLevel.choices, required=True),
        field("parent", _("上级党组织"), "select", options=_opts(parents, lambda b: b.organization.name)),
        field("secretary", _("书记"), maxlength=40),
        field("members", _("党员人数"), "number", value=0, min=0),
    ]
    return _form(
        request,
        title=_("登记党组织"),
        fields=fields,
        error=error,
        back="cobuilding:coverage",
        submit=_("登记"),
    )
