"""Writes of the network: party organisations, coverage of units, pairings, alliances."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.cobuilding.models import (
    Alliance,
    AllianceMember,
    AllianceRole,
    AllianceTheme,
    BranchLevel,
    Coverage,
    CoverageMode,
    Pairing,
    PairingActivity,
    PairingEvaluation,
    PartyBranch,
)
from gongzhi.cobuilding.services import check_fresh, log, subdistrict_of, text
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.registry.models import Organization, OrganizationKind
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area, AreaKind


@transaction.atomic
def register_branch(
    *,
    actor: User,
    organization: Organization,
    level: str,
    parent: PartyBranch | None = None,
    secretary: str = "",
    members: int = 0,
) -> PartyBranch:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    permissions.require(actor, "coverage.manage", organization)
    if organization.kind != OrganizationKind.PARTY_ORGANIZATION:
        raise FieldError("organization", _("“%(name)s”不是党组织。") % {"name": organization.name})
    if level not in BranchLevel.values:
        raise FieldError("level", _("请选择党组织层级。"))
    if members < 0:
        raise FieldError("members", _("党员人数不能为负数。"))
    if members > 100000:
        raise FieldError("members", _("党员人数过大，请核对。"))
    if parent is not None and parent.subdistrict_id != organization.subdistrict_id:
        raise FieldError("parent", _("上级党组织须在本街道。"))
    secretary = text(secretary, field="secretary", label=_("书记"), max_length=40, required=False)
    if PartyBranch.objects.filter(organization=organization).exists():
        raise Conflict(_("该党组织已登记。"))
    try:
        with transaction.atomic():
            branch = PartyBranch.objects.create(
                subdistrict_id=organization.subdistrict_id,
                area=organization.area,
                organization=organization,
                level=level,
                parent=parent,
                secretary=secretary,
                members=members,
            )
    except IntegrityError:  # registered by someone else a moment ago
        raise Conflict(_("该党组织已登记。")) from None
    log("branch", branch, "register", actor=actor, data={"level": level})
    audit.record(actor=actor, action="cobuilding.branch.register", target=branch, data={"level": level})
    return branch


@transaction.atomic
def cover_unit(
    *,
    actor: User,
    unit: Organization,
    branch: PartyBranch,
    mode: str,
    started_on: dt.date,
    note: str = "",
) -> Coverage:
    """The unit is covered by `branch` from `started_on`; a current coverage by another branch
    (or in another mode) ends that day, so the rows keep the history."""
    unit = Organization.objects.select_for_update().get(pk=unit.pk)
    permissions.require(actor, "coverage.manage", unit)
    if unit.kind == OrganizationKind.PARTY_ORGANIZATION:
        raise FieldError("unit", _("党组织本身不计入覆盖对象。"))
    if mode not in CoverageMode.values:
        raise FieldError("mode", _("请选择覆盖方式。"))
    if branch.subdistrict_id != unit.subdistrict_id:
        raise FieldError("branch", _("只能由本街道的党组织覆盖。"))
    current = Coverage.objects.filter(unit=unit, ended_on__isnull=True).first()
    if current is not None:
        if current.branch_id == branch.pk and current.mode == mode:
            raise Conflict(_("该单位已由“%(branch)s”覆盖。") % {"branch": branch})
        if started_on < current.started_on:
            raise FieldError("started_on", _("新的覆盖不能早于现有覆盖的起始日期。"))
        current.ended_on = started_on
        current.save(update_fields=["ended_on", "updated_at"])
        log("coverage", current, "end", actor=actor, note=_("改由“%(branch)s”覆盖") % {"branch": branch})
    coverage = Coverage.objects.create(
        subdistrict_id=unit.subdistrict_id,
        area=unit.area,
        unit=unit,
        branch=branch,
        mode=mode,
        started_on=started_on,
        note=(note or "")[:200],
    )
    log("coverage", coverage, "cover", actor=actor, data={"unit": unit.pk, "branch": branch.pk, "mode": mode})
    return coverage


@transaction.atomic
def end_coverage(*, actor: User, unit: Organization, ended_on: dt.date, reason: str) -> Coverage:
    unit = Organization.objects.select_for_update().get(pk=unit.pk)
    permissions.require(actor, "coverage.manage", unit)
    reason = text(reason, field="reason", label=_("原因"), max_length=200)
    current = Coverage.objects.filter(unit=unit, ended_on__isnull=True).first()
    if current is None:
        raise DomainError(_("该单位目前没有党组织覆盖。"))
    if ended_on < current.started_on:
        raise FieldError("ended_on", _("结束日期不能早于覆盖起始日期。"))
    current.ended_on = ended_on
    current.note = reason
    current.save(update_fields=["ended_on", "note", "updated_at"])
    log("coverage", current, "end", actor=actor, note=reason)
    return current


# ---------------------------------------------------------------- pairings


@transaction.atomic
def create_pairing(
    *,
    actor: User,
    unit: Organization,
    neighbourhood: Area,
    starts_on: dt.date,
    ends_on: dt.date,
    plan: str = "",
    neighbourhood_party: Organization | None = None,
) -> Pairing:
    permissions.require(actor, "pairing.manage", neighbourhood)
    if neighbourhood.kind != AreaKind.NEIGHBOURHOOD:
        raise FieldError("neighbourhood", _("结对对象须为居民区。"))
    if unit.subdistrict_id != neighbourhood.subdistrict_id:
        raise FieldError("unit", _("结对单位须在本街道。"))
    if ends_on <= starts_on:
        raise FieldError("ends_on", _("结对期限的结束日期须晚于开始日期。"))
    if neighbourhood_party is not None and neighbourhood_party.kind != OrganizationKind.PARTY_ORGANIZATION:
        raise FieldError("neighbourhood_party", _("所选单位不是党组织。"))
    overlapping = Pairing.objects.filter(
        unit=unit,
        area=neighbourhood,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
        ended_early_on__isnull=True,
    )
    if overlapping.exists():
        raise Conflict(_("该单位与该居民区在这段期间已有结对。"))
    pairing = Pairing.objects.create(
        subdistrict_id=neighbourhood.subdistrict_id,
        area=neighbourhood,
        unit=unit,
        neighbourhood_party=neighbourhood_party,
        starts_on=starts_on,
        ends_on=ends_on,
        plan=(plan or "").strip()[:4000],
    )
    log("pairing", pairing, "create", actor=actor, data={"unit": unit.pk})
    return pairing


@transaction.atomic
def edit_pairing(
    *,
    actor: User,
    pairing: Pairing,
    ends_on: dt.date,
    plan: str = "",
    neighbourhood_party: Organization | None = None,
    seen: str | None = None,
) -> Pairing:
    """Change a pairing's term end, yearly plan or the neighbourhood's party organisation."""
    pairing = Pairing.objects.select_for_update(of=("self",)).get(pk=pairing.pk)
    permissions.require(actor, "pairing.manage", pairing)
    check_fresh(pairing, "pairing", seen)
    if ends_on <= pairing.starts_on:
        raise FieldError("ends_on", _("结对期限的结束日期须晚于开始日期。"))
    if pairing.ended_early_on is not None:
        raise Conflict(_("该结对已终止，不能再修改。"))
    if neighbourhood_party is not None:
        if neighbourhood_party.kind != OrganizationKind.PARTY_ORGANIZATION:
            raise FieldError("neighbourhood_party", _("所选单位不是党组织。"))
        if neighbourhood_party.subdistrict_id != pairing.subdistrict_id:
            raise FieldError("neighbourhood_party", _("居民区党组织须在本街道。"))
    overlapping = Pairing.objects.filter(
        unit_id=pairing.unit_id,
        area_id=pairing.area_id,
        starts_on__lte=ends_on,
        ends_on__gte=pairing.starts_on,
        ended_early_on__isnull=True,
    ).exclude(pk=pairing.pk)
    if overlapping.exists():
        raise Conflict(_("该单位与该居民区在这段期间已有结对。"))
    changed = {}
    plan = (plan or "").strip()[:4000]
    if plan != pairing.plan:
        changed["plan"] = True
    if ends_on != pairing.ends_on:
        changed["ends_on"] = [str(pairing.ends_on), str(ends_on)]
    party_id = neighbourhood_party.pk if neighbourhood_party else None
    if party_id != pairing.neighbourhood_party_id:
        changed["neighbourhood_party"] = party_id
    pairing.plan, pairing.ends_on, pairing.neighbourhood_party = plan, ends_on, neighbourhood_party
    pairing.save(update_fields=["plan", "ends_on", "neighbourhood_party", "updated_at"])
    log("pairing", pairing, "edit", actor=actor, data=changed)
    audit.record(actor=actor, action="cobuilding.pairing.edit", target=pairing, data=changed)
    return pairing


@transaction.atomic
def record_activity(
    *, actor: User, pairing: Pairing, held_on: dt.date, title: str, participants: int = 0, note: str = ""
) -> PairingActivity:
    permissions.require(actor, "pairing.manage", pairing)
    title = text(title, field="title", label=_("活动名称"), max_length=120)
    if held_on < pairing.starts_on:
        raise FieldError("held_on", _("活动日期早于结对开始日期。"))
    if held_on > timezone.localdate():
        raise FieldError("held_on", _("活动日期不能晚于今天。"))
    if participants < 0:
        raise FieldError("participants", _("参与人数不能为负数。"))
    activity = PairingActivity.objects.create(
        pairing=pairing,
        held_on=held_on,
        title=title,
        participants=participants,
        note=(note or "")[:400],
        recorded_by=actor,
    )
    log("pairing", pairing, "activity", actor=actor, note=title)
    return activity


@transaction.atomic
def evaluate_pairing(
    *, actor: User, pairing: Pairing, year: int, score: int, comment: str = ""
) -> PairingEvaluation:
    permissions.require(actor, "pairing.manage", pairing)
    if not 0 <= score <= 100:
        raise FieldError("score", _("评分须在 0 到 100 之间。"))
    if not pairing.starts_on.year <= year <= pairing.ends_on.year:
        raise FieldError("year", _("评价年度须在结对期限内。"))
    try:
        with transaction.atomic():
            evaluation = PairingEvaluation.objects.create(
                pairing=pairing, year=year, score=score, comment=(comment or "")[:400], evaluated_by=actor
            )
    except IntegrityError:
        raise Conflict(_("该结对 %(year)s 年度已评价。") % {"year": year}) from None
    log("pairing", pairing, "evaluate", actor=actor, data={"year": year, "score": score})
    return evaluation


@transaction.atomic
def end_pairing(*, actor: User, pairing: Pairing, on: dt.date, reason: str) -> Pairing:
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    permissions.require(actor, "pairing.manage", pairing)
    reason = text(reason, field="reason", label=_("原因"), max_length=200)
    if pairing.ended_early_on is not None:
        raise Conflict(_("该结对已终止。"))
    if not pairing.starts_on <= on <= pairing.ends_on:
        raise FieldError("on", _("终止日期须在结对期限内。"))
    pairing.ended_early_on = on
    pairing.save(update_fields=["ended_early_on", "updated_at"])
    log("pairing", pairing, "end", actor=actor, note=reason)
    return pairing


# ---------------------------------------------------------------- alliances


@transaction.atomic
def create_alliance(
    *, actor: User, area: Area, name: str, theme: str, founded_on: dt.date, note: str = ""
) -> Alliance:
    permissions.require(actor, "alliance.manage", area)
    name = text(name, field="name", label=_("联盟名称"), max_length=80)
    if theme not in AllianceTheme.values:
        raise FieldError("theme", _("请选择联盟主题。"))
    alliance = Alliance.objects.create(
        subdistrict_id=subdistrict_of(area),
        area=area,
        name=name,
        theme=theme,
        founded_on=founded_on,
        note=(note or "")[:400],
    )
    log("alliance", alliance, "create", actor=actor)
    audit.record(actor=actor, action="cobuilding.alliance.create", target=alliance, data={"theme": theme})
    return alliance


@transaction.atomic
def edit_alliance(
    *, actor: User, alliance: Alliance, name: str, theme: str, note: str = "", seen: str | None = None
) -> Alliance:
    """Rename an alliance, change its theme or note; a form opened before another save loses."""
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    permissions.require(actor, "alliance.manage", alliance)
    check_fresh(alliance, "alliance", seen)
    name = text(name, field="name", label=_("联盟名称"), max_length=80)
    if theme not in AllianceTheme.values:
        raise FieldError("theme", _("请选择联盟主题。"))
    note = text(note, field="note", label=_("说明"), max_length=400, required=False)
    changed = {
        key: [old, new]
        for key, old, new in (
            ("name", alliance.name, name),
            ("theme", alliance.theme, theme),
            ("note", alliance.note, note),
        )
        if old != new
    }
    alliance.name, alliance.theme, alliance.note = name, theme, note
    alliance.save(update_fields=["name", "theme", "note", "updated_at"])
    log("alliance", alliance, "edit", actor=actor, data=changed)
    audit.record(actor=actor, action="cobuilding.alliance.edit", target=alliance, data=changed)
    return alliance


@transaction.atomic
def add_member(
    *,
    actor: User,
    alliance: Alliance,
    organization: Organization,
    role: str = AllianceRole.MEMBER,
    joined_on: dt.date,
) -> AllianceMember:
    alliance = Alliance.objects.select_for_update(of=("self",)).get(pk=alliance.pk)
    permissions.require(actor, "alliance.manage", alliance)
    if organization.subdistrict_id != alliance.subdistrict_id:
        raise FieldError("organization", _("成员单位须在本街道。"))
    if role not in AllianceRole.values:
        raise FieldError("role", _("请选择成员角色。"))
    if AllianceMember.objects.filter(
        alliance=alliance, organization=organization, left_on__isnull=True
    ).exists():
        raise Conflict(_("“%(name)s”已是联盟成员。") % {"name": organization.name})
    member = AllianceMember.objects.create(
        alliance=alliance, organization=organization, role=role, joined_on=joined_on
    )
    log("alliance", alliance, "join", actor=actor, data={"organization": organization.pk, "role": role})
    return member


@transaction.atomic
def remove_member(*, actor: User, member: AllianceMember, left_on: dt.date) -> AllianceMember:
    member = (
        AllianceMember.objects.select_for_update(of=("self",)).select_related("alliance").get(pk=member.pk)
    )
    permissions.require(actor, "alliance.manage", member.alliance)
    if member.left_on is not None:
        raise Conflict(_("该单位已退出联盟。"))
    if left_on < member.joined_on:
        raise FieldError("left_on", _("退出日期不能早于加入日期。"))
    member.left_on = left_on
    member.save(update_fields=["left_on", "updated_at"])
    log("alliance", member.alliance, "leave", actor=actor, data={"organization": member.organization_id})
    return member
