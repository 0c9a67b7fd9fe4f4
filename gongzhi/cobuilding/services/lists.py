"""Writes of the three lists: resources offered, needs raised and claimed, projects built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.cobuilding import transitions
from gongzhi.cobuilding.models import (
    Category,
    Claim,
    ClaimStatus,
    Need,
    NeedState,
    Project,
    Resource,
    ResourceState,
    Urgency,
)
from gongzhi.cobuilding.models.lists import SIX_TOGETHER
from gongzhi.cobuilding.rules import NETWORK_KEEPERS
from gongzhi.cobuilding.services import check_fresh, log, subdistrict_of, text
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.registry.models import Organization
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area

NEEDS = transitions.NEED_ACTIONS
RESOURCES = transitions.RESOURCE_ACTIONS
PROJECTS = transitions.PROJECT_ACTIONS


def _for_own_unit(actor: User, organization: Organization) -> None:
    """A handling unit's account acts only for its own organisation; keepers for any."""
    if NETWORK_KEEPERS.held_by(actor):
        return
    if actor.unit_id is None or organization.unit_id != actor.unit_id:
        raise NotAllowed(_("只能以本单位名义认领或提供资源。"))


def _category(value: str) -> str:
    if value not in Category.values:
        raise FieldError("category", _("请选择类别。"))
    return value


def _positive(value, *, field: str, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FieldError(field, _("%(label)s须为整数。") % {"label": label}) from None
    if number < 1:
        raise FieldError(field, _("%(label)s须大于 0。") % {"label": label})
    return number


def _in(area: Area, inner: Area, *, field: str) -> None:
    if not inner.path.startswith(area.path) and not area.path.startswith(inner.path):
        raise FieldError(field, _("所选区域不在本单位所在街道。"))


# ---------------------------------------------------------------- resources


@transaction.atomic
def offer_resource(
    *,
    actor: User,
    organization: Organization,
    category: str,
    title: str,
    capacity: int = 1,
    capacity_unit: str = "次",
    area: Area | None = None,
    description: str = "",
    available_from: dt.date | None = None,
    available_until: dt.date | None = None,
    when: str = "",
    where: str = "",
    for_whom: str = "",
) -> Resource:
    area = area or organization.area
    permissions.require(actor, "resource.offer", area)
    _for_own_unit(actor, organization)
    if area.subdistrict_id != organization.subdistrict_id:
        raise FieldError("area", _("服务范围须在单位所在街道内。"))
    if available_from and available_until and available_until < available_from:
        raise FieldError("available_until", _("可用截止不能早于可用开始。"))
    resource = Resource.objects.create(
        subdistrict_id=subdistrict_of(area),
        area=area,
        organization=organization,
        category=_category(category),
        title=text(title, field="title", label=_("资源名称"), max_length=120),
        description=(description or "").strip()[:4000],
        capacity=_positive(capacity, field="capacity", label=_("数量")),
        capacity_unit=(capacity_unit or "次")[:10],
        available_from=available_from,
        available_until=available_until,
        when=(when or "")[:80],
        where=(where or "")[:120],
        for_whom=(for_whom or "")[:80],
    )
    log("resource", resource, "offer", actor=actor)
    if NETWORK_KEEPERS.held_by(actor):  # offered by the subdistrict itself: no review needed
        _transition_resource(resource, "activate", actor=actor)
    return resource


def _changes(obj, values: dict) -> dict:
    """Set `values` on `obj`; what changed, as [old, new] strings (for the timeline and the audit)."""
    changed = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [None if old is None else str(old), None if new is None else str(new)]
        setattr(obj, name, new)
    return changed


@transaction.atomic
def edit_resource(
    *,
    actor: User,
    resource: Resource,
    category: str,
    title: str,
    capacity: int,
    capacity_unit: str = "次",
    description: str = "",
    available_from: dt.date | None = None,
    available_until: dt.date | None = None,
    when: str = "",
    where: str = "",
    for_whom: str = "",
    seen: str | None = None,
) -> Resource:
    """Correct what a resource offers; what is already used stays, so the capacity cannot drop
    below it. A keeper edits any resource, a unit's account only its own organisation's."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    permissions.require(actor, RESOURCES["edit"].permission, resource)
    _for_own_unit(actor, resource.organization)
    check_fresh(resource, "resource", seen)
    transitions.check(RESOURCES, resource.state, "edit")
    capacity = _positive(capacity, field="capacity", label=_("数量"))
    if resource.used and capacity <= resource.used:
        raise FieldError(
            "capacity",
            _("数量须多于已使用的 %(n)d%(unit)s（用完请下架）。")
            % {"n": resource.used, "unit": resource.capacity_unit},
        )
    if available_from and available_until and available_until < available_from:
        raise FieldError("available_until", _("可用截止不能早于可用开始。"))
    changed = _changes(
        resource,
        {
            "category": _category(category),
            "title": text(title, field="title", label=_("资源名称"), max_length=120),
            "description": (description or "").strip()[:4000],
            "capacity": capacity,
            "capacity_unit": text(
                capacity_unit or "次", field="capacity_unit", label=_("计量单位"), max_length=10
            ),
            "available_from": available_from,
            "available_until": available_until,
            "when": text(when, field="when", label=_("服务时间"), max_length=80, required=False),
            "where": text(where, field="where", label=_("服务地点"), max_length=120, required=False),
            "for_whom": text(for_whom, field="for_whom", label=_("服务对象"), max_length=80, required=False),
        },
    )
    if "description" in changed:  # the text is in the row; the log only says it changed
        changed["description"] = True
    resource.save()
    log("resource", resource, "edit", actor=actor, data=changed)
    audit.record(actor=actor, action="cobuilding.resource.edit", target=resource, data=changed)
    return resource


def _transition_resource(resource: Resource, name: str, *, actor: User | None, note: str = "") -> Resource:
    action = transitions.check(RESOURCES, resource.state, name)
    resource.state = action.target
    resource.save(update_fields=["state", "updated_at"])
    log("resource", resource, name, actor=actor, note=note)
    return resource


@transaction.atomic
def activate_resource(*, actor: User, resource: Resource) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    permissions.require(actor, RESOURCES["activate"].permission, resource)
    return _transition_resource(resource, "activate", actor=actor)


@transaction.atomic
def exhaust_resource(*, actor: User, resource: Resource, reason: str = "") -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    permissions.require(actor, RESOURCES["exhaust"].permission, resource)
    return _transition_resource(resource, "exhaust", actor=actor, note=reason)


# ---------------------------------------------------------------- needs


@transaction.atomic
def raise_need(
    *,
    actor: User,
    area: Area,
    category: str,
    title: str,
    description: str = "",
    urgency: int = Urgency.LOW,
    beneficiaries: int = 0,
    quantity: int = 1,
    due_on: dt.date | None = None,
    raised_by: Organization | None = None,
    group: str = "",
    publish: bool = True,
    now: dt.datetime | None = None,
) -> Need:
    permissions.require(actor, "need.manage", area)
    if urgency not in Urgency.values:
        raise FieldError("urgency", _("请选择紧急程度。"))
    if beneficiaries < 0:
        raise FieldError("beneficiaries", _("受益人数不能为负数。"))
    if due_on is not None and due_on < timezone.localdate(now or timezone.now()):
        raise FieldError("due_on", _("期望完成日期不能早于今天。"))
    if raised_by is not None and raised_by.subdistrict_id != area.subdistrict_id:
        raise FieldError("raised_by", _("提出单位须在本街道。"))
    need = Need.objects.create(
        subdistrict_id=subdistrict_of(area),
        area=area,
        raised_by=raised_by,
        group=(group or "")[:60],
        category=_category(category),
        title=text(title, field="title", label=_("需求名称"), max_length=120),
        description=(description or "").strip()[:4000],
        urgency=urgency,
        beneficiaries=beneficiaries,
        quantity=_positive(quantity, field="quantity", label=_("所需数量")),
        due_on=due_on,
        created_by=actor,
    )
    log("need", need, "raise", actor=actor)
    if publish:
        _transition_need(need, "publish", actor=actor)
    return need


def _transition_need(
    need: Need, name: str, *, actor: User | None, note: str = "", target: str | None = None
) -> Need:
    action = transitions.check(NEEDS, need.state, name)
    need.state = target or action.target
    fields = ["state", "claimed", "updated_at"]
    if need.state == NeedState.DELIVERED:
        need.delivered_at = timezone.now()
        fields.append("delivered_at")
    need.save(update_fields=fields)
    log("need", need, name, actor=actor, note=note, data={"state": need.state, "claimed": need.claimed})
    return need


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


@transaction.atomic
def need_from_visit(
    *,
    actor: User,
    visit,
    category: str,
    title: str = "",
    quantity: int = 1,
    urgency: int = Urgency.LOW,
    due_on: dt.date | None = None,
) -> Need:
    """A unit's demand found on a visit (visits app, 走访发现需求) goes on the need list, raised by
    the visited unit, its description the visit's findings; its problems stay cases of the loop."""
    organization = visit.organization
    if organization is None:
        raise FieldError("visit", _("只有走访单位的记录才能转为需求清单。"))
    wanted = (visit.needs or "").strip()
    need = raise_need(
        actor=actor,
        area=visit.area,
        category=category,
        title=title or wanted[:120] or _("%(name)s的需求") % {"name": organization.name},
        description=_("走访（%(day)s）发现：%(text)s")
        % {"day": visit.visited_on, "text": wanted or visit.findings},
        quantity=quantity,
        urgency=urgency,
        due_on=due_on,
        raised_by=organization,
    )
    log("need", need, "from_visit", actor=actor, data={"visit": visit.pk})
    return need


@transaction.atomic
def edit_need(
    *,
    actor: User,
    need: Need,
    category: str,
    title: str,
    description: str = "",
    urgency: int = Urgency.LOW,
    beneficiaries: int = 0,
    quantity: int = 1,
    due_on: dt.date | None = None,
    group: str = "",
    seen: str | None = None,
    now: dt.datetime | None = None,
) -> Need:
    """Correct a need before it is delivered; the quantity cannot drop below what units have
    claimed, and a claimed need becomes partly claimed again when more is asked for."""
    need = _lock_need(need)
    permissions.require(actor, NEEDS["edit"].permission, need)
    check_fresh(need, "need", seen)
    transitions.check(NEEDS, need.state, "edit")
    if urgency not in Urgency.values:
        raise FieldError("urgency", _("请选择紧急程度。"))
    if beneficiaries < 0:
        raise FieldError("beneficiaries", _("受益人数不能为负数。"))
    quantity = _positive(quantity, field="quantity", label=_("所需数量"))
    if quantity < need.claimed:
        raise FieldError("quantity", _("所需数量不能少于已认领的 %(n)d。") % {"n": need.claimed})
    if due_on is not None and due_on != need.due_on and due_on < timezone.localdate(now or timezone.now()):
        raise FieldError("due_on", _("期望完成日期不能早于今天。"))
    changed = _changes(
        need,
        {
            "category": _category(category),
            "title": text(title, field="title", label=_("需求名称"), max_length=120),
            "description": (description or "").strip()[:4000],
            "urgency": urgency,
            "beneficiaries": beneficiaries,
            "quantity": quantity,
            "due_on": due_on,
            "group": text(group, field="group", label=_("提出群体"), max_length=60, required=False),
        },
    )
    if "description" in changed:  # the text is in the row; the log only says it changed
        changed["description"] = True
    if need.state in (NeedState.PARTLY_CLAIMED, NeedState.CLAIMED):
        state = NeedState.CLAIMED if need.remaining == 0 else NeedState.PARTLY_CLAIMED
        if state != need.state:
            changed["state"] = [need.state, state]
            need.state = state
    need.save()
    log("need", need, "edit", actor=actor, data=changed)
    audit.record(actor=actor, action="cobuilding.need.edit", target=need, data=changed)
    return need


@transaction.atomic
def publish_need(*, actor: User, need: Need) -> Need:
    need = _lock_need(need)
    permissions.require(actor, NEEDS["publish"].permission, need)
    return _transition_need(need, "publish", actor=actor)


@transaction.atomic
def withdraw_need(*, actor: User, need: Need, reason: str) -> Need:
    need = _lock_need(need)
    permissions.require(actor, NEEDS["withdraw"].permission, need)
    reason = text(reason, field="reason", label=_("撤回原因"), max_length=200)
    if need.claims.filter(status=ClaimStatus.ACTIVE).exists():
        raise DomainError(_("已有单位认领，请先与认领单位沟通放弃认领。"))
    return _transition_need(need, "withdraw", actor=actor, note=reason)


@transaction.atomic
def claim_need(
    *,
    actor: User,
    need: Need,
    organization: Organization,
    quantity: int | None = None,
    resource: Resource | None = None,
    note: str = "",
) -> Claim:
    """The unit claims `quantity` of the need (all that remains when None): partly or fully."""
    need = _lock_need(need)
    permissions.require(actor, NEEDS["claim"].permission, need)
    _for_own_unit(actor, organization)
    transitions.check(NEEDS, need.state, "claim")
    if organization.subdistrict_id != need.subdistrict_id:
        raise FieldError("organization", _("认领单位须在本街道。"))
    quantity = (
        need.remaining if quantity is None else _positive(quantity, field="quantity", label=_("认领数量"))
    )
    if quantity > need.remaining:
        raise FieldError("quantity", _("认领数量超过尚未认领的 %(n)d。") % {"n": need.remaining})
    if resource is not None:
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if resource.organization_id != organization.pk:
            raise FieldError("resource", _("只能使用本单位提供的资源。"))
        transitions.check(RESOURCES, resource.state, "use")
        if quantity > resource.remaining:
            raise FieldError(
                "quantity",
                _("该资源只剩 %(n)d%(unit)s。") % {"n": resource.remaining, "unit": resource.capacity_unit},
            )
        resource.used += quantity
        resource.state = ResourceState.EXHAUSTED if resource.remaining == 0 else ResourceState.COMMITTED
        resource.save(update_fields=["used", "state", "updated_at"])
        log("resource", resource, "use", actor=actor, data={"need": need.pk, "quantity": quantity})
    claim = Claim.objects.create(
        subdistrict_id=need.subdistrict_id,
        area=need.area,
        need=need,
        organization=organization,
        resource=resource,
        quantity=quantity,
        note=(note or "")[:200],
        claimed_by=actor,
    )
    need.claimed += quantity
    target = NeedState.CLAIMED if need.remaining == 0 else NeedState.PARTLY_CLAIMED
    _transition_need(need, "claim", actor=actor, target=target, note=organization.name)
    return claim


@transaction.atomic
def release_claim(*, actor: User, claim: Claim, reason: str) -> Claim:
    need = _lock_need(claim.need)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    permissions.require(actor, NEEDS["release"].permission, need)
    _for_own_unit(actor, claim.organization)
    reason = text(reason, field="reason", label=_("原因"), max_length=200)
    if claim.status != ClaimStatus.ACTIVE:
        raise DomainError(_("该认领已不在进行中。"))
    transitions.check(NEEDS, need.state, "release")
    claim.status = ClaimStatus.RELEASED
    claim.save(update_fields=["status", "updated_at"])
    if claim.resource_id:
        resource = Resource.objects.select_for_update().get(pk=claim.resource_id)
        resource.used -= claim.quantity
        resource.state = ResourceState.ACTIVE if resource.used == 0 else ResourceState.COMMITTED
        resource.save(update_fields=["used", "state", "updated_at"])
    need.claimed -= claim.quantity
    target = NeedState.PUBLISHED if need.claimed == 0 else NeedState.PARTLY_CLAIMED
    _transition_need(need, "release", actor=actor, target=target, note=reason)
    return claim


@transaction.atomic
def deliver_need(*, actor: User, need: Need, result: str) -> Need:
    need = _lock_need(need)
    permissions.require(actor, NEEDS["deliver"].permission, need)
    need.result = text(result, field="result", label=_("办理结果"), max_length=4000)
    need.save(update_fields=["result", "updated_at"])
    need.claims.filter(status=ClaimStatus.ACTIVE).update(
        status=ClaimStatus.DELIVERED, updated_at=timezone.now()
    )
    return _transition_need(need, "deliver", actor=actor, note=need.result[:200])


@transaction.atomic
def evaluate_need(*, actor: User, need: Need, score: int, comment: str = "") -> Need:
    need = _lock_need(need)
    permissions.require(actor, NEEDS["evaluate"].permission, need)
    if score not in (1, 2, 3, 4, 5):
        raise FieldError("score", _("评价须为 1 到 5 星。"))
    need.score = score
    need.save(update_fields=["score", "updated_at"])
    return _transition_need(need, "evaluate", actor=actor, note=comment)


@transaction.atomic
def expire_needs(*, today: dt.date | None = None) -> int:
    """The sweep: open needs past their due date, never claimed in full, expire."""
    today = today or timezone.localdate()
    count = 0
    for need in Need.objects.select_for_update().filter(state__in=NEEDS["expire"].sources, due_on__lt=today):
        _transition_need(need, "expire", actor=None, note=_("超过期望完成日期未认领"))
        count += 1
    return count


# ---------------------------------------------------------------- projects


def _tags(tags: Iterable[str]) -> list[str]:
    tags = list(dict.fromkeys(tags or []))
    bad = [t for t in tags if t not in SIX_TOGETHER]
    if bad:
        raise FieldError("tags", _("未知的“六共”标签：%(tag)s。") % {"tag": bad[0]})
    return tags


@transaction.atomic
def create_project(
    *,
    actor: User,
    area: Area,
    title: str,
    lead: Organization,
    starts_on: dt.date,
    ends_on: dt.date,
    partners: Iterable[Organization] = (),
    needs: Iterable[Need] = (),
    resources: Iterable[Resource] = (),
    tags: Iterable[str] = (),
    budget: Decimal | str | int = 0,
    description: str = "",
) -> Project:
    permissions.require(actor, "project.manage", area)
    if ends_on < starts_on:
        raise FieldError("ends_on", _("计划完成日期不能早于开始日期。"))
    try:
        budget = Decimal(str(budget or 0))
    except InvalidOperation:
        raise FieldError("budget", _("预算须为数字。")) from None
    if budget < 0:
        raise FieldError("budget", _("预算不能为负数。"))
    if lead.subdistrict_id != area.subdistrict_id:
        raise FieldError("lead", _("牵头单位须在本街道。"))
    project = Project.objects.create(
        subdistrict_id=subdistrict_of(area),
        area=area,
        title=text(title, field="title", label=_("项目名称"), max_length=120),
        description=(description or "").strip()[:4000],
        lead=lead,
        tags=_tags(tags),
        budget=budget,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    project.partners.set([p for p in partners if p.pk != lead.pk])
    needs = list(needs)
    for need in needs:
        locked = _lock_need(need)
        if locked.subdistrict_id != project.subdistrict_id:
            raise FieldError("needs", _("只能纳入本街道的需求。"))
        _transition_need(locked, "to_project", actor=actor, note=project.title)
    project.needs.set(needs)
    resources = list(resources)
    if any(r.subdistrict_id != project.subdistrict_id for r in resources):
        raise FieldError("resources", _("只能使用本街道的资源。"))
    project.resources.set(resources)
    log("project", project, "create", actor=actor, data={"needs": [n.pk for n in needs]})
    return project


@transaction.atomic
def edit_project(
    *,
    actor: User,
    project: Project,
    partners: Iterable[Organization],
    needs: Iterable[Need],
    seen: str | None = None,
) -> Project:
    """Change a running project's partner units and the needs it takes in: a need added goes
    into the project, a need taken out goes back to what its claims make it."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.require(actor, PROJECTS["edit"].permission, project)
    check_fresh(project, "project", seen)
    transitions.check(PROJECTS, project.state, "edit")
    partners = list(dict.fromkeys(p for p in partners if p.pk != project.lead_id))
    if any(p.subdistrict_id != project.subdistrict_id for p in partners):
        raise FieldError("partners", _("合作单位须在本街道。"))
    wanted = {n.pk: n for n in needs}
    current = set(project.needs.values_list("pk", flat=True))
    added, removed = [pk for pk in wanted if pk not in current], sorted(current - set(wanted))
    for pk in sorted(added):
        locked = _lock_need(wanted[pk])
        if locked.subdistrict_id != project.subdistrict_id:
            raise FieldError("needs", _("只能纳入本街道的需求。"))
        _transition_need(locked, "to_project", actor=actor, note=project.title)
    for pk in removed:
        locked = Need.objects.select_for_update().get(pk=pk)
        if locked.state != NeedState.IN_PROJECT:
            raise Conflict(
                _("需求“%(title)s”已%(state)s，不能移出项目。")
                % {"title": locked.title, "state": locked.get_state_display()}
            )
        if locked.claimed == 0:
            target = NeedState.PUBLISHED
        else:
            target = NeedState.CLAIMED if locked.remaining == 0 else NeedState.PARTLY_CLAIMED
        _transition_need(locked, "from_project", actor=actor, target=target, note=project.title)
    before = sorted(project.partners.values_list("pk", flat=True))
    project.partners.set(partners)
    project.needs.set(list(wanted.values()))
    project.save(update_fields=["updated_at"])
    changed = {
        "partners": [before, sorted(p.pk for p in partners)],
        "needs_added": sorted(added),
        "needs_removed": removed,
    }
    log("project", project, "edit", actor=actor, data=changed)
    audit.record(actor=actor, action="cobuilding.project.edit", target=project, data=changed)
    return project


def _transition_project(
    project: Project, name: str, *, actor: User, note: str = "", data: dict | None = None
) -> Project:
    action = transitions.check(PROJECTS, project.state, name)
    project.state = action.target
    project.save()
    log("project", project, name, actor=actor, note=note, data=data)
    return project


def _lock_project(project: Project, actor: User, name: str) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.require(actor, PROJECTS[name].permission, project)
    return project


@transaction.atomic
def sign_project(*, actor: User, project: Project) -> Project:
    return _transition_project(_lock_project(project, actor, "sign"), "sign", actor=actor)


@transaction.atomic
def start_project(*, actor: User, project: Project) -> Project:
    return _transition_project(_lock_project(project, actor, "start"), "start", actor=actor)


@transaction.atomic
def update_progress(*, actor: User, project: Project, progress: int, note: str = "") -> Project:
    project = _lock_project(project, actor, "progress")
    if not 0 <= int(progress) <= 100:
        raise FieldError("progress", _("进度须在 0 到 100 之间。"))
    if int(progress) < project.progress:
        raise FieldError("progress", _("进度不能倒退（现为 %(n)d%%）。") % {"n": project.progress})
    project.progress = int(progress)
    return _transition_project(
        project, "progress", actor=actor, note=note, data={"progress": project.progress}
    )


@transaction.atomic
def complete_project(*, actor: User, project: Project, result: str) -> Project:
    """Completing a project delivers the needs it took in."""
    project = _lock_project(project, actor, "complete")
    project.result = text(result, field="result", label=_("项目成效"), max_length=4000)
    project.progress = 100
    _transition_project(project, "complete", actor=actor, note=project.result[:200])
    for need in project.needs.filter(state=NeedState.IN_PROJECT):
        locked = _lock_need(need)
        locked.result = _("通过项目“%(title)s”完成：%(result)s") % {
            "title": project.title,
            "result": project.result,
        }
        locked.save(update_fields=["result", "updated_at"])
        locked.claims.filter(status=ClaimStatus.ACTIVE).update(status=ClaimStatus.DELIVERED)
        _transition_need(locked, "deliver", actor=actor, note=project.title)
    return project


@transaction.atomic
def evaluate_project(*, actor: User, project: Project, score: int, comment: str = "") -> Project:
    project = _lock_project(project, actor, "evaluate")
    if not 0 <= int(score) <= 100:
        raise FieldError("score", _("评估得分须在 0 到 100 之间。"))
    project.score = int(score)
    return _transition_project(project, "evaluate", actor=actor, note=comment, data={"score": project.score})
