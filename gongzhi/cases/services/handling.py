"""Dispatch and handling: acceptance, assignment, escalation, meetings, reply, verification, closure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Notice, Unit, User
from gongzhi.cases import deadlines, notify
from gongzhi.cases.models import (
    Action,
    Case,
    Consultation,
    OutboundMessage,
    Tier,
)
from gongzhi.cases.services._base import (
    SYSTEM_ACTOR_LABEL,
    _apply,
    _attach,
    _lock,
    _require_text,
)
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError


def default_unit(case: Case, tier: int) -> Unit | None:
    """The unit a dispatcher would usually pick: the neighbourhood committee for tier 1, the grid
    station for tier 2, the category's department for tier 3."""
    ancestors = [int(p) for p in case.area.path.strip("/").split("/") if p]
    units = Unit.objects.filter(active=True, subdistrict_id=case.subdistrict_id)
    if tier == Tier.NEIGHBOURHOOD:
        unit = (
            units.filter(kind="neighbourhood_committee", area_id__in=ancestors)
            .order_by("-area__depth")
            .first()
        )
        if unit:
            return unit
    if tier == Tier.GRID:
        unit = units.filter(kind="grid_station", area_id__in=ancestors).order_by("-area__depth").first()
        if unit:
            return unit
    if case.category.default_unit_name:
        return units.filter(name=case.category.default_unit_name).first()
    return None


@transaction.atomic
def accept_case(
    *,
    case: Case,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    case = _lock(case, expected_version)
    permissions.require(actor, "case.accept", case)
    now = now or timezone.now()
    case.responded_at = case.responded_at or now
    _apply(case, actor=actor, action=Action.ACCEPT, note=note, now=now, fields=["responded_at"])
    return case


@transaction.atomic
def reject_case(
    *,
    case: Case,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    case = _lock(case, expected_version)
    permissions.require(actor, "case.reject", case)
    reason = _require_text(reason, _("不予受理的理由"), 500)
    now = now or timezone.now()
    case.responded_at = case.responded_at or now
    case.closed_at = now
    _apply(
        case, actor=actor, action=Action.REJECT, note=reason, now=now, fields=["responded_at", "closed_at"]
    )
    notify.tell_reporter(case, OutboundMessage.Kind.REJECTED, at=now, reason=reason)
    return case


def _assign_fields(case: Case, *, tier: int, unit: Unit, now: dt.datetime) -> None:
    if unit.subdistrict_id != case.subdistrict_id:
        raise DomainError(_("承办单位“%(unit)s”不属于本街道。") % {"unit": unit})
    if not unit.active:
        raise DomainError(_("承办单位“%(unit)s”已停用。") % {"unit": unit})
    case.tier = tier
    case.assigned_unit = unit
    case.responded_at = case.responded_at or now
    deadlines.set_handling_dues(case, now)


def _tell_unit(case: Case, kind: str, title: str, at: dt.datetime | None = None) -> None:
    notify.notice(notify.unit_members(case), case=case, kind=kind, title=title, at=at)


@transaction.atomic
def assign_case(
    *,
    case: Case,
    actor: User,
    tier: int,
    unit: Unit,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Dispatch to a handling unit at a tier (re-dispatch when already assigned)."""
    case = _lock(case, expected_version)
    permissions.require(actor, "case.assign", case)
    if tier not in Tier.values:
        raise DomainError(_("层级必须是 1、2 或 3。"))
    now = now or timezone.now()
    _assign_fields(case, tier=tier, unit=unit, now=now)
    _apply(
        case,
        actor=actor,
        action=Action.ASSIGN,
        note=note,
        now=now,
        data={"tier": tier, "unit": unit.pk, "unit_name": unit.name},
        fields=["tier", "assigned_unit", "responded_at", "reply_due", "close_due"],
    )
    transaction.on_commit(
        lambda: _tell_unit(
            case, Notice.Kind.ASSIGNED, _("新工单 %(n)s：%(t)s") % {"n": case.number, "t": case.title}, at=now
        )
    )
    return case


@transaction.atomic
def escalate_case(
    *,
    case: Case,
    actor: User | None,
    reason: str,
    unit: Unit | None = None,
    automatic: bool = False,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Move the case up one tier (1 → 2 → 3), to `unit` or the tier's usual unit."""
    case = _lock(case, expected_version)
    if not automatic:
        permissions.require(actor, "case.escalate", case)
    reason = _require_text(reason, _("升级理由"), 500)
    if case.tier is None or case.tier >= Tier.SUBDISTRICT:
        raise DomainError(_("工单已在最高层级（街道协调），不能再升级。"))
    to_tier = case.tier + 1
    unit = unit or default_unit(case, to_tier) or case.assigned_unit
    now = now or timezone.now()
    from_tier = case.tier
    _assign_fields(case, tier=to_tier, unit=unit, now=now)
    case.escalated_automatically = automatic
    _apply(
        case,
        actor=actor,
        action=Action.ESCALATE,
        note=reason,
        now=now,
        data={
            "from_tier": from_tier,
            "to_tier": to_tier,
            "unit": unit.pk,
            "unit_name": unit.name,
            "automatic": automatic,
        },
        fields=["tier", "assigned_unit", "responded_at", "reply_due", "close_due", "escalated_automatically"],
        actor_label=SYSTEM_ACTOR_LABEL if automatic else "",
    )
    transaction.on_commit(
        lambda: _tell_unit(
            case,
            Notice.Kind.ESCALATED,
            _("工单 %(n)s 已升级到第 %(t)d 级") % {"n": case.number, "t": to_tier},
            at=now,
        )
    )
    return case


def _record_meeting(
    *,
    case: Case,
    actor: User,
    kind: str,
    action: str,
    permission: str,
    tier: int,
    held_on: dt.date,
    participants: list[Unit],
    decision: str,
    lead_unit: Unit,
    co_units: list[Unit],
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, permission, case)
    if case.tier != tier:
        raise DomainError(
            _("只有第 %(tier)d 级的工单可以记录%(what)s。")
            % {"tier": tier, "what": Consultation.Kind(kind).label}
        )
    decision = _require_text(decision, _("会商决定"), 2000)
    if len(participants) < 2:
        raise DomainError(_("会商至少需要两个参会单位。"))
    units = [lead_unit, *participants, *co_units]
    if any(u.subdistrict_id != case.subdistrict_id for u in units):
        raise DomainError(_("参会单位和承办单位必须属于本街道。"))
    if held_on > timezone.localdate(now):
        raise DomainError(_("会商日期不能晚于今天。"))
    meeting = Consultation.objects.create(
        case=case,
        kind=kind,
        held_on=held_on,
        decision=decision,
        lead_unit=lead_unit,
        recorded_by=actor,
        created_at=now,
    )
    meeting.participants.set(participants)
    case.assigned_unit = lead_unit
    case.co_units.add(*co_units)
    _apply(
        case,
        actor=actor,
        action=action,
        note=decision,
        data={
            "consultation": meeting.pk,
            "held_on": held_on.isoformat(),
            "participants": [u.name for u in participants],
            "lead_unit": lead_unit.name,
            "co_units": [u.name for u in co_units],
        },
        fields=["assigned_unit"],
        now=now,
    )
    transaction.on_commit(
        lambda: notify.notice(
            [*notify.unit_members(case), *User.objects.filter(unit__in=co_units, is_active=True)],
            case=case,
            kind=Notice.Kind.ASSIGNED,
            title=_("%(what)s决定：工单 %(n)s 由您单位办理")
            % {"what": Consultation.Kind(kind).label, "n": case.number},
            at=now,
        )
    )
    return case


@transaction.atomic
def record_consultation(
    *,
    case: Case,
    actor: User,
    held_on: dt.date,
    participants: list[Unit],
    decision: str,
    lead_unit: Unit,
    co_units: list[Unit] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record the tier-2 grid consultation: who met, what they decided, who leads and helps."""
    return _record_meeting(
        case=case,
        actor=actor,
        kind=Consultation.Kind.GRID,
        action=Action.CONSULT,
        permission="case.consult",
        tier=Tier.GRID,
        held_on=held_on,
        participants=list(participants),
        decision=decision,
        lead_unit=lead_unit,
        co_units=list(co_units),
        expected_version=expected_version,
        now=now,
    )


@transaction.atomic
def record_coordination(
    *,
    case: Case,
    actor: User,
    held_on: dt.date,
    participants: list[Unit],
    decision: str,
    lead_unit: Unit,
    co_units: list[Unit] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record the tier-3 decision of the subdistrict working committee."""
    return _record_meeting(
        case=case,
        actor=actor,
        kind=Consultation.Kind.SUBDISTRICT,
        action=Action.COORDINATE,
        permission="case.coordinate",
        tier=Tier.SUBDISTRICT,
        held_on=held_on,
        participants=list(participants),
        decision=decision,
        lead_unit=lead_unit,
        co_units=list(co_units),
        expected_version=expected_version,
        now=now,
    )


@transaction.atomic
def reply_case(
    *,
    case: Case,
    actor: User,
    text: str,
    photos_: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The handling unit's reply: what was done. The reporter is told before closure."""
    case = _lock(case, expected_version)
    permissions.require(actor, "case.reply", case)
    text = _require_text(text, _("办理结果"), 2000)
    now = now or timezone.now()
    case.reply_text = text
    case.replied_at = now
    event = _apply(
        case, actor=actor, action=Action.REPLY, note=text, now=now, fields=["reply_text", "replied_at"]
    )
    _attach(case, event, photos_)
    notify.tell_reporter(case, OutboundMessage.Kind.REPLIED, at=now)
    return case


@transaction.atomic
def verify_case(
    *,
    case: Case,
    actor: User,
    passed: bool,
    note: str,
    photos_: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The on-site re-check. A failed check sends the case back to the handling unit."""
    case = _lock(case, expected_version)
    permissions.require(actor, "case.verify", case)
    note = _require_text(note, _("核查情况"), 2000)
    now = now or timezone.now()
    if passed:
        case.verified_at = now
        event = _apply(case, actor=actor, action=Action.VERIFY, note=note, now=now, fields=["verified_at"])
    else:
        case.replied_at = None
        case.reply_text = ""
        deadlines.set_handling_dues(case, now)
        event = _apply(
            case,
            actor=actor,
            action=Action.VERIFY_FAIL,
            note=note,
            now=now,
            fields=["replied_at", "reply_text", "reply_due", "close_due"],
        )
        transaction.on_commit(
            lambda: _tell_unit(
                case,
                Notice.Kind.REOPENED,
                _("工单 %(n)s 核查未通过，请继续处置") % {"n": case.number},
                at=now,
            )
        )
    _attach(case, event, photos_)
    return case


@transaction.atomic
def close_case(
    *,
    case: Case,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    case = _lock(case, expected_version)
    permissions.require(actor, "case.close", case)
    now = now or timezone.now()
    case.closed_at = now
    _apply(case, actor=actor, action=Action.CLOSE, note=note, now=now, fields=["closed_at"])
    notify.tell_reporter(case, OutboundMessage.Kind.CLOSED, at=now)
    return case
