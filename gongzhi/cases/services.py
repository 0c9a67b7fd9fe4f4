"""Every write to a case. One function per action: it locks the case, checks the actor's right
and the transition, writes the change and its timeline event in one transaction, and tells
people after commit. Nothing else writes a case's state."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import permissions
from gongzhi.accounts.models import Notice, Unit, User
from gongzhi.cases import deadlines, notify, photos, signals, transitions
from gongzhi.cases.models import (
    Action,
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    Category,
    Consultation,
    OutboundMessage,
    Rating,
    Source,
    Status,
    Tier,
)
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.territory import geo
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import area_at

logger = logging.getLogger(__name__)

PUBLIC_ACTOR_LABEL = "反映人"
SYSTEM_ACTOR_LABEL = "系统"


# ---------------------------------------------------------------- helpers


def _lock(case: Case, expected_version: int | None = None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("area", "category", "assigned_unit")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(_("工单已被他人修改，请刷新后重试。"))
    return locked


def _event(
    case: Case,
    *,
    action: str,
    actor: User | None,
    from_status: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime,
    actor_label: str = "",
) -> CaseEvent:
    last = CaseEvent.objects.filter(case=case).aggregate(m=Max("seq"))["m"] or 0
    return CaseEvent.objects.create(
        case=case,
        seq=last + 1,
        action=action,
        actor=actor,
        actor_label=(actor_label or (str(actor) if actor else PUBLIC_ACTOR_LABEL))[:80],
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
        created_at=now,
    )


def _apply(
    case: Case,
    *,
    actor: User | None,
    action: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime | None = None,
    fields: Iterable[str] = (),
    actor_label: str = "",
) -> CaseEvent:
    """Move the case along `action`, save it with `fields`, and append the event."""
    now = now or timezone.now()
    before = case.status
    case.status = transitions.target(before, action)
    deadlines.refresh_next_due(case, now)
    case.version += 1
    case.save(update_fields=["status", "next_due", "overdue", "version", "updated_at", *fields])
    return _event(
        case,
        action=action,
        actor=actor,
        from_status=before,
        note=note,
        data=data,
        now=now,
        actor_label=actor_label,
    )


def _attach(case: Case, event: CaseEvent, files: Iterable[UploadedFile]) -> None:
    files = list(files or [])
    if len(files) > photos.MAX_PHOTOS:
        raise DomainError(_("最多上传 %(n)d 张照片。") % {"n": photos.MAX_PHOTOS})
    checked = [photos.check_photo(upload) for upload in files]  # all are checked before any is stored
    for content, content_type, width, height in checked:
        Attachment.objects.create(
            case=case,
            event=event,
            file=content,
            content_type=content_type,
            created_at=event.created_at,
            size=content.size,
            width=width,
            height=height,
        )


def _require_text(value: str, label: str, max_length: int = 4000) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("请填写%(field)s。") % {"field": label})
    if len(value) > max_length:
        raise DomainError(_("%(field)s不能超过 %(n)d 字。") % {"field": label, "n": max_length})
    return value


def _clean_phone(phone: str, *, required: bool) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not phone:
        if required:
            raise DomainError(_("请填写手机号码，以便查询进度和接收办理结果。"))
        return ""
    if not (phone.isdigit() and (len(phone) == 11 and phone.startswith("1") or 7 <= len(phone) <= 12)):
        raise DomainError(_("手机号码格式不正确（应为 11 位手机号或固定电话号码）。"))
    return phone


def _next_number(subdistrict: Area, now: dt.datetime) -> str:
    day = timezone.localdate(now)
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(
        subdistrict=subdistrict, day=day
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{day:%y%m%d}{subdistrict.code[-3:]}{counter.last:04d}"


def _resolve_area(*, area: Area | None, lat: float | None, lng: float | None, within: Area | None) -> Area:
    if lat is not None and lng is not None:
        geo.validate_point(lat, lng)
        found = area_at(lat, lng)
        if found is not None and (area is None or found.path.startswith(area.path)):
            area = found
        elif area is None:
            raise DomainError(_("地图上选的位置不在本平台管辖的区域内，请重新选点或选择所在居民区。"))
    if area is None:
        raise DomainError(_("请选择问题所在的区域，或在地图上选点。"))
    if within is not None and not area.path.startswith(within.path):
        raise DomainError(_("所选区域不在本街道范围内。"))
    if area.kind == AreaKind.DISTRICT or area.subdistrict_id is None:
        raise DomainError(_("请选择到街道以下的具体区域。"))
    return area


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


# ---------------------------------------------------------------- intake


@transaction.atomic
def create_case(
    *,
    actor: User | None,
    category: Category,
    title: str,
    description: str,
    source: str,
    area: Area | None = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos_: Iterable[UploadedFile] = (),
    subdistrict: Area | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record a new case. Staff (actor given) file from any source in their scope; the public
    (actor None) file through the web form and must leave a phone number."""
    now = now or timezone.now()
    if source not in Source.values:
        raise DomainError(_("未知的来源：%(source)s") % {"source": source})
    if not category.active or category.parent_id is None:
        raise DomainError(_("请选择一个具体的二级类别。"))
    title = _require_text(title, _("标题"), 120)
    description = _require_text(description, _("问题描述"), 4000)
    reporter_phone = _clean_phone(reporter_phone, required=actor is None)
    within = subdistrict if actor is None else None
    area = _resolve_area(area=area, lat=lat, lng=lng, within=within)
    if actor is not None:
        permissions.require(actor, "case.create", area)
    case = Case(
        number=_next_number(area.subdistrict, now),
        subdistrict_id=area.subdistrict_id,
        area=area,
        category=category,
        source=source,
        title=title,
        description=description,
        address=(address or "").strip()[:200],
        lat=lat,
        lng=lng,
        reporter_name=(reporter_name or "").strip()[:40],
        reporter_phone=reporter_phone,
        reporter_phone_last4=reporter_phone[-4:],
        reported_by=actor,
        status=Status.REPORTED,
    )
    case.created_at = now
    deadlines.set_response_due(case, now)
    case.next_due = deadlines.next_due_of(case)
    case.save()
    Case.objects.filter(pk=case.pk).update(created_at=now)
    event = _event(case, action=Action.REPORT, actor=actor, from_status="", data={"source": source}, now=now)
    _attach(case, event, photos_)
    transaction.on_commit(lambda: notify.tell_reporter(case, OutboundMessage.Kind.RECEIVED, at=now))
    transaction.on_commit(lambda: _announce(case))
    return case


def _announce(case: Case) -> None:
    """Tell the listening apps about a new case; one failing listener never breaks intake."""
    for receiver, result in signals.case_reported.send_robust(sender=Case, case=case):
        if isinstance(result, Exception):
            logger.error("case_reported receiver %s failed for %s: %r", receiver, case.number, result)


# ---------------------------------------------------------------- dispatch and handling


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
    transaction.on_commit(
        lambda: notify.tell_reporter(case, OutboundMessage.Kind.REJECTED, at=now, reason=reason)
    )
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
    transaction.on_commit(lambda: notify.tell_reporter(case, OutboundMessage.Kind.REPLIED, at=now))
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
    transaction.on_commit(lambda: notify.tell_reporter(case, OutboundMessage.Kind.CLOSED, at=now))
    return case


def _reopen(case: Case, *, actor: User | None, reason: str, now: dt.datetime) -> None:
    case.reopen_count += 1
    case.closed_at = None
    case.verified_at = None
    case.replied_at = None
    deadlines.set_handling_dues(case, now)
    _apply(
        case,
        actor=actor,
        action=Action.REOPEN,
        note=reason,
        now=now,
        data={"reopen_count": case.reopen_count},
        fields=["reopen_count", "closed_at", "verified_at", "replied_at", "reply_due", "close_due"],
    )
    transaction.on_commit(
        lambda: notify.notice(
            [*notify.unit_members(case), *notify.dispatchers_for(case)],
            case=case,
            kind=Notice.Kind.REOPENED,
            title=_("工单 %(n)s 已重新打开：%(r)s") % {"n": case.number, "r": reason[:60]},
            at=now,
        )
    )


@transaction.atomic
def rate_case(
    *,
    case: Case,
    rating: str,
    solved: bool,
    comment: str = "",
    actor: User | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The reporter's rating (on the public page, or taken by phone by a dispatcher).
    An unsatisfied rating reopens the case."""
    case = _lock(case, expected_version)
    if actor is not None:
        permissions.require(actor, "case.rate_by_phone", case)
    if rating not in Rating.values:
        raise DomainError(_("请选择满意、基本满意或不满意。"))
    comment = (comment or "").strip()[:500]
    now = now or timezone.now()
    case.rating = rating
    case.solved = bool(solved)
    case.rated_at = now
    _apply(
        case,
        actor=actor,
        action=Action.RATE,
        note=comment,
        now=now,
        data={"rating": rating, "solved": bool(solved), "by_phone": actor is not None},
        fields=["rating", "solved", "rated_at"],
    )
    if rating == Rating.UNSATISFIED:
        _reopen(case, actor=actor, reason=comment or _("反映人不满意"), now=now)
    return case


@transaction.atomic
def reopen_case(
    *,
    case: Case,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.reopen", case)
    reason = _require_text(reason, _("重新打开的理由"), 500)
    transitions.target(case.status, Action.REOPEN)
    _reopen(case, actor=actor, reason=reason, now=now)
    return case


@transaction.atomic
def request_suspension(
    *,
    case: Case,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.suspend_request", case)
    reason = _require_text(reason, _("挂起理由"), 500)
    if case.suspension_requested:
        raise DomainError(_("已申请挂起，等待审批。"))
    case.suspension_requested = True
    _apply(
        case,
        actor=actor,
        action=Action.SUSPEND_REQUEST,
        note=reason,
        fields=["suspension_requested"],
        now=now,
    )
    transaction.on_commit(
        lambda: notify.notice(
            notify.leaders_for(case),
            case=case,
            kind=Notice.Kind.INFO,
            title=_("工单 %(n)s 申请挂起，待审批") % {"n": case.number},
            at=now,
        )
    )
    return case


@transaction.atomic
def approve_suspension(
    *,
    case: Case,
    actor: User,
    approved: bool,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The approver's decision on a suspension request. Suspended cases stop their clocks."""
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.suspend_approve", case)
    if not case.suspension_requested:
        raise DomainError(_("该工单没有待审批的挂起申请。"))
    case.suspension_requested = False
    if approved:
        _apply(
            case,
            actor=actor,
            action=Action.SUSPEND,
            note=note,
            data={"approved": True},
            fields=["suspension_requested"],
            now=now,
        )
    else:
        _apply(
            case,
            actor=actor,
            action=Action.NOTE,
            note=note or _("挂起申请未批准"),
            data={"approved": False},
            fields=["suspension_requested"],
            now=now,
        )
    return case


@transaction.atomic
def resume_case(
    *,
    case: Case,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    case = _lock(case, expected_version)
    permissions.require(actor, "case.resume", case)
    now = now or timezone.now()
    deadlines.set_handling_dues(case, now)
    _apply(case, actor=actor, action=Action.RESUME, note=note, now=now, fields=["reply_due", "close_due"])
    return case


@transaction.atomic
def merge_case(
    *,
    case: Case,
    master: Case,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Merge a duplicate into its master case; the reporters of both are told."""
    if case.pk == master.pk:
        raise DomainError(_("不能把工单合并到它自己。"))
    # Lock in id order so that two merges in opposite directions cannot deadlock.
    first, second = sorted([case, master], key=lambda c: c.pk)
    locked = {c.pk: _lock(c) for c in (first, second)}
    case, master = locked[case.pk], locked[master.pk]
    if expected_version is not None and case.version != expected_version:
        raise Conflict(_("工单已被他人修改，请刷新后重试。"))
    permissions.require(actor, "case.merge", case)
    permissions.require(actor, "case.merge", master)
    if master.status in (Status.MERGED, Status.REJECTED) or master.master_id:
        raise DomainError(_("主工单 %(n)s 已合并或不予受理，不能作为主工单。") % {"n": master.number})
    if case.subdistrict_id != master.subdistrict_id:
        raise DomainError(_("只能合并同一街道的工单。"))
    now = now or timezone.now()
    case.master = master
    case.closed_at = now
    _apply(
        case,
        actor=actor,
        action=Action.MERGE,
        note=note,
        now=now,
        data={"master": master.number},
        fields=["master", "closed_at"],
    )
    master.version += 1
    master.save(update_fields=["version", "updated_at"])
    _event(
        master,
        action=Action.NOTE,
        actor=actor,
        from_status=master.status,
        note=_("工单 %(n)s 作为重复件并入本工单。") % {"n": case.number},
        data={"merged": case.number},
        now=now,
    )

    def tell() -> None:
        notify.tell_reporter(case, OutboundMessage.Kind.MERGED, at=now, master=master.number)
        if master.reporter_phone:
            notify.tell_reporter(
                master, OutboundMessage.Kind.MERGED, at=now, master=master.number, number=case.number
            )

    transaction.on_commit(tell)
    return case


@transaction.atomic
def add_note(
    *,
    case: Case,
    actor: User,
    note: str,
    photos_: Iterable[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case)
    permissions.require(actor, "case.note", case)
    note = _require_text(note, _("备注"), 2000)
    event = _apply(case, actor=actor, action=Action.NOTE, note=note, now=now)
    _attach(case, event, photos_)
    return case


# ---------------------------------------------------------------- deadlines


@transaction.atomic
def mark_overdue(*, case: Case, now: dt.datetime, auto_escalate: bool) -> str | None:
    """The sweep's work on one case: flag it overdue once, tell people, and escalate a handling
    case whose reply deadline passed (one tier per missed deadline). Idempotent."""
    case = _lock(case)
    if not case.is_open or case.next_due >= now or case.overdue:
        return None
    if auto_escalate and case.status == Status.ASSIGNED and case.tier and case.tier < Tier.SUBDISTRICT:
        escalate_case(
            case=case,
            actor=None,
            reason=_("反馈期限 %(due)s 已过，系统自动升级。")
            % {"due": f"{timezone.localtime(case.reply_due):%Y-%m-%d %H:%M}"},
            automatic=True,
            now=now,
        )
        return "escalated"
    case.overdue = True
    case.version += 1
    case.save(update_fields=["overdue", "version", "updated_at"])
    _event(
        case,
        action=Action.OVERDUE,
        actor=None,
        actor_label=SYSTEM_ACTOR_LABEL,
        from_status=case.status,
        data={"due": case.next_due.isoformat()},
        now=now,
    )
    users = [*notify.unit_members(case), *notify.dispatchers_for(case)]
    key = f"overdue:{case.pk}:{case.next_due:%Y%m%d%H%M}"
    transaction.on_commit(
        lambda: notify.notice(
            users,
            case=case,
            kind=Notice.Kind.OVERDUE,
            title=_("工单 %(n)s 已超时") % {"n": case.number},
            dedupe_key=key,
            at=now,
        )
    )
    return "overdue"


def notify_due_soon(*, case: Case, now: dt.datetime) -> int:
    users = (
        [*notify.unit_members(case)] if case.status == Status.ASSIGNED else [*notify.dispatchers_for(case)]
    )
    key = f"due_soon:{case.pk}:{case.next_due:%Y%m%d%H%M}"
    return notify.notice(
        users,
        case=case,
        kind=Notice.Kind.DUE_SOON,
        title=_("工单 %(n)s 即将超时") % {"n": case.number},
        dedupe_key=key,
        at=now,
    )
