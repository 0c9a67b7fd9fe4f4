"""Every write of care: one function per action. The sweep (care.sweep) calls the system ones
(`sync_population`, `generate_dues`, `escalate`); people call the others with their account, or
as a volunteer assignee (`volunteer=`, no account) from the volunteer pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.accounts.notices import notify
from gongzhi.care import transitions
from gongzhi.care.models import (
    REACHED,
    RISK_ORDER,
    WORKING_DAYS,
    Alert,
    AlertLevel,
    AlertReason,
    AlertState,
    AssigneeKind,
    AssigneeRole,
    Assignment,
    CareGroup,
    CarePolicy,
    CheckIn,
    Due,
    Frequency,
    Mode,
    Outcome,
    Recipient,
    Risk,
)
from gongzhi.care.rules import ALERTED_IN_NEIGHBOURHOOD, ALERTED_IN_SUBDISTRICT, CARE_WORKERS
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Source
from gongzhi.cases.photos import checked_content
from gongzhi.core import calendar, deadlines
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.registry.models import Organization, Resident, ResidentTag, Tag
from gongzhi.registry.selectors import current_tags_q
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area
from gongzhi.visits.services import CaseSpec
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import RecordSource, Volunteer

__all__ = ["CaseSpec"]

BACKDATE_DAYS = 7
# Most to least frequent: a policy may not contact a high-risk person less often than a low one.
RISK_FREQUENCY_ORDER = {
    Frequency.DAILY: 0,
    Frequency.TWICE_WEEKLY: 1,
    Frequency.WEEKLY: 2,
    Frequency.MONTHLY: 3,
}


def policy_for(subdistrict_id: int) -> CarePolicy:
    return CarePolicy.objects.filter(subdistrict_id=subdistrict_id).first() or CarePolicy(
        subdistrict_id=subdistrict_id
    )


def frequency_of(recipient: Recipient, policy: CarePolicy | None = None) -> str:
    if recipient.frequency:
        return recipient.frequency
    return (policy or policy_for(recipient.subdistrict_id)).frequency_for(recipient.risk)


def next_due_on(frequency: str, after: dt.date) -> dt.date:
    """The day the next contact is due after one made on `after`: daily ones the next calendar
    day (holidays too), the others after N working days of the official calendar."""
    if frequency == Frequency.DAILY:
        return after + dt.timedelta(days=1)
    day = after
    for _step in range(WORKING_DAYS[frequency]):
        day = calendar.next_workday(day)
    return day


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def overdue_at(due: Due, policy: CarePolicy) -> dt.datetime:
    """When a contact not made becomes an alert: the due day's end plus the margin (working
    days, or plain days for a daily contact) the policy had when the due was opened."""
    margin = due.margin_days if due.margin_days is not None else policy.margin_days
    return deadlines.due(_end_of(due.due_on), days=margin, working=due.frequency != Frequency.DAILY)


def subdistrict_at(alert: Alert, policy: CarePolicy, frequency: str) -> dt.datetime:
    return deadlines.due(
        alert.raised_at, days=policy.subdistrict_after_days, working=frequency != Frequency.DAILY
    )


# ---------------------------------------------------------------- the cared-for population


@transaction.atomic
def save_group(
    *,
    actor: User,
    area: Area,
    name: str,
    tags: list[Tag],
    min_age: int | None = None,
    risk: str = Risk.MEDIUM,
    active: bool = True,
    group: CareGroup | None = None,
) -> CareGroup:
    """Create or change a saved query (the sweep enrols and ends people by it). Editing locks the
    group, so two people saving it at once are applied one after the other, never mixed."""
    permissions.require(actor, "care.manage", area)
    name = (name or "").strip()
    if not name:
        raise FieldError("name", _("请填写人群名称。"))
    if len(name) > 60:
        raise FieldError("name", _("人群名称不能超过60个字。"))
    if not tags:
        raise FieldError("tags", _("请至少选择一个标签。"))
    if area.subdistrict_id is None:
        raise FieldError("area", _("请选择街道或以下的范围。"))
    if any(t.subdistrict_id != area.subdistrict_id for t in tags):
        raise FieldError("tags", _("标签须属于本街道。"))
    if risk not in Risk.values:
        raise FieldError("risk", _("请选择风险等级。"))
    if min_age is not None and not 0 <= min_age <= 120:
        raise FieldError("min_age", _("年龄应在0到120之间。"))
    before: dict = {}
    if group is None:
        group = CareGroup(subdistrict_id=area.subdistrict_id)
    else:
        group = CareGroup.objects.select_for_update().select_related("area").get(pk=group.pk)
        permissions.require(actor, "care.manage", group)
        if group.subdistrict_id != area.subdistrict_id:
            raise FieldError("area", _("人群不能移到其他街道。"))
        before = {
            "area": group.area_id,
            "name": group.name,
            "tags": sorted(group.tags.values_list("pk", flat=True)),
            "min_age": group.min_age,
            "risk": group.risk,
            "active": group.active,
        }
    group.area, group.name, group.min_age, group.risk, group.active = area, name, min_age, risk, active
    group.save()
    group.tags.set(tags)
    audit.record(
        actor=actor,
        action="care.group_save",
        target=group,
        data={
            "before": before,
            "area": area.pk,
            "tags": sorted(t.pk for t in tags),
            "min_age": min_age,
            "risk": risk,
            "active": active,
        },
    )
    return group


@transaction.atomic
def save_policy(
    *,
    actor: User,
    subdistrict: Area,
    high: str,
    medium: str,
    low: str,
    margin_days: int,
    subdistrict_after_days: int,
    not_reached_limit: int,
) -> CarePolicy:
    """Set a subdistrict's contact frequencies per risk level and its alert margins. Applies from
    the next due of each person: an open due keeps its day, its frequency and its overdue margin
    (they were written on it when it was opened); the alert limits (not reached in a row, days
    before the subdistrict is told) apply at once."""
    if subdistrict.kind != "subdistrict":
        raise FieldError("subdistrict", _("关爱规则按街道设置。"))
    permissions.require(actor, "care.manage", subdistrict)
    for field, value in (("high", high), ("medium", medium), ("low", low)):
        if value not in Frequency.values:
            raise FieldError(field, _("请选择联系频次。"))
    if RISK_FREQUENCY_ORDER[high] > RISK_FREQUENCY_ORDER[medium] or (
        RISK_FREQUENCY_ORDER[medium] > RISK_FREQUENCY_ORDER[low]
    ):
        raise FieldError("high", _("风险越高，联系应越频繁（高 ≥ 中 ≥ 低）。"))
    for field, value, low_limit, high_limit in (
        ("margin_days", margin_days, 0, 10),
        ("subdistrict_after_days", subdistrict_after_days, 1, 20),
        ("not_reached_limit", not_reached_limit, 1, 5),
    ):
        if not isinstance(value, int) or not low_limit <= value <= high_limit:
            raise FieldError(
                field, _("数值应在%(low)s到%(high)s之间。") % {"low": low_limit, "high": high_limit}
            )
    CarePolicy.objects.get_or_create(subdistrict=subdistrict)
    policy = CarePolicy.objects.select_for_update().get(subdistrict=subdistrict)
    fields = ["high", "medium", "low", "margin_days", "subdistrict_after_days", "not_reached_limit"]
    before = {f: getattr(policy, f) for f in fields}
    for field, value in zip(
        fields, (high, medium, low, margin_days, subdistrict_after_days, not_reached_limit), strict=True
    ):
        setattr(policy, field, value)
    policy.save()
    audit.record(
        actor=actor,
        action="care.policy_save",
        target=subdistrict,
        data={"before": before, "after": {f: getattr(policy, f) for f in fields}},
    )
    return policy


def group_residents(group: CareGroup, *, on: dt.date):
    """The residents the saved query finds today (the registry as it is now)."""
    qs = Resident.objects.filter(area__path__startswith=group.area.path, moved_out_on__isnull=True)
    for tag_id in group.tags.values_list("pk", flat=True):
        holders = ResidentTag.objects.filter(current_tags_q(on), tag_id=tag_id).values("resident_id")
        qs = qs.filter(pk__in=holders)
    if group.min_age:
        try:
            born_by = on.replace(year=on.year - group.min_age)
        except ValueError:
            born_by = on.replace(year=on.year - group.min_age, day=28)
        qs = qs.filter(birth_date__lte=born_by)
    return qs


@transaction.atomic
def sync_population(*, today: dt.date | None = None) -> dict[str, int]:
    """Enrol the residents the saved groups find, end those no group finds any longer (unless
    enrolled by hand). Idempotent. A person's risk is set on enrolment (the highest of their
    groups) and from then on only by a person."""
    today = today or timezone.localdate()
    found: dict[int, list[CareGroup]] = {}
    for group in CareGroup.objects.filter(active=True).select_related("area"):
        for resident_id in group_residents(group, on=today).values_list("pk", flat=True):
            found.setdefault(resident_id, []).append(group)
    existing = {r.resident_id: r for r in Recipient.objects.filter(resident_id__in=list(found))}
    enrolled = ended = 0
    residents = Resident.objects.in_bulk(list(set(found) - set(existing)))
    for resident_id, groups in found.items():
        recipient = existing.get(resident_id)
        if recipient is None:
            resident = residents[resident_id]
            risk = min((g.risk for g in groups), key=lambda r: RISK_ORDER[r])
            recipient = Recipient.objects.create(
                subdistrict_id=resident.subdistrict_id,
                area_id=resident.area_id,
                resident=resident,
                risk=risk,
                reasons="、".join(g.name for g in groups)[:200],
                enrolled_on=today,
            )
            enrolled += 1
        elif not recipient.active:
            recipient.active, recipient.ended_on = True, None
            recipient.save(update_fields=["active", "ended_on", "updated_at"])
            enrolled += 1
        current = set(recipient.groups.values_list("pk", flat=True))
        wanted = {g.pk for g in groups}
        if current != wanted:
            recipient.groups.set(wanted)
    gone = Recipient.objects.filter(active=True, manual=False).exclude(resident_id__in=list(found))
    for recipient in gone:
        recipient.active, recipient.ended_on = False, today
        recipient.save(update_fields=["active", "ended_on", "updated_at"])
        recipient.groups.clear()
        Due.objects.filter(recipient=recipient, met_at__isnull=True).delete()
        ended += 1
    # The recipient's area follows the registry (a move within the subdistrict).
    moved = (
        Recipient.objects.filter(active=True)
        .exclude(area_id=F("resident__area_id"))
        .select_related("resident")
    )
    for recipient in moved:
        recipient.area_id = recipient.resident.area_id
        recipient.save(update_fields=["area", "updated_at"])
    return {"enrolled": enrolled, "ended": ended}


@transaction.atomic
def enrol(
    *, actor: User, resident: Resident, risk: str, reasons: str, today: dt.date | None = None
) -> Recipient:
    """Enrol someone by hand (no saved group finds them: a neighbour's worry, a hospital's word)."""
    permissions.require(actor, "care.manage", resident)
    if risk not in Risk.values:
        raise FieldError("risk", _("请选择风险等级。"))
    reasons = (reasons or "").strip()
    if not reasons:
        raise FieldError("reasons", _("请填写纳入关爱的原因。"))
    recipient, created = Recipient.objects.get_or_create(
        resident=resident,
        defaults={
            "subdistrict_id": resident.subdistrict_id,
            "area_id": resident.area_id,
            "risk": risk,
            "reasons": reasons[:200],
            "manual": True,
            "enrolled_on": today or timezone.localdate(),
        },
    )
    if not created:
        if recipient.active:
            raise Conflict(_("该居民已在关爱名单中。"))
        recipient.active, recipient.ended_on, recipient.manual = True, None, True
        recipient.risk, recipient.reasons = risk, reasons[:200]
        recipient.save()
    # On today's round at once, not at the next sweep.
    schedule_next(recipient, after=last_contact_day(recipient))
    audit.record(actor=actor, action="care.enrol", target=recipient, data={"risk": risk})
    return recipient


@transaction.atomic
def set_risk(*, actor: User, recipient: Recipient, risk: str, reasons: str, frequency: str = "") -> Recipient:
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    permissions.require(actor, "care.manage", recipient)
    if risk not in Risk.values:
        raise FieldError("risk", _("请选择风险等级。"))
    if frequency and frequency not in Frequency.values:
        raise FieldError("frequency", _("请选择联系频次。"))
    reasons = (reasons or "").strip()
    if not reasons:
        raise FieldError("reasons", _("请写明风险原因。"))
    before = {"risk": recipient.risk, "frequency": recipient.frequency}
    recipient.risk, recipient.reasons, recipient.frequency = risk, reasons[:200], frequency
    recipient.save(update_fields=["risk", "reasons", "frequency", "updated_at"])
    # A changed frequency moves the open due: from the last contact, by the new frequency.
    due = Due.objects.filter(recipient=recipient, met_at__isnull=True).first()
    if due is not None:
        new_frequency = frequency_of(recipient)
        if new_frequency != due.frequency:
            last = last_contact_day(recipient)
            due_on = next_due_on(new_frequency, last) if last else due.due_on
            # A person's own change re-opens the due on today's terms (the policy's margin too).
            due.frequency, due.due_on = new_frequency, min(due.due_on, due_on)
            due.margin_days = policy_for(recipient.subdistrict_id).margin_days
            due.save(update_fields=["frequency", "due_on", "margin_days"])
    audit.record(actor=actor, action="care.set_risk", target=recipient, data={"before": before, "risk": risk})
    return recipient


@transaction.atomic
def assign(
    *,
    actor: User,
    recipient: Recipient,
    role: str,
    kind: str,
    user: User | None = None,
    volunteer: Volunteer | None = None,
    organization: Organization | None = None,
    duties: str = "",
    expected: int | None = None,
    today: dt.date | None = None,
) -> Assignment:
    """Make someone the primary (or back-up) carer; the one holding that role before steps down.

    `expected` is the assignment the editor saw in that role (its id, 0 for none): when someone
    else changed the role meanwhile, nothing is written and the editor is told (of two people
    editing the same assignment at once exactly one wins). None skips the check (the demo)."""
    recipient = Recipient.objects.select_for_update(of=("self",)).select_related("area").get(pk=recipient.pk)
    permissions.require(actor, "care.manage", recipient)
    today = today or timezone.localdate()
    if not recipient.active:
        raise Conflict(_("该对象已不在关爱名单中。"))
    if role not in AssigneeRole.values:
        raise FieldError("role", _("请选择主责或备岗。"))
    if kind not in AssigneeKind.values:
        raise FieldError("kind", _("请选择结对类型。"))
    if sum(x is not None for x in (user, volunteer, organization)) != 1:
        raise FieldError("assignee", _("请选择一位结对人（工作人员、志愿者或单位）。"))
    if kind in (AssigneeKind.GRIDWORKER, AssigneeKind.NEIGHBOURHOOD):
        if (
            user is None
            or not CARE_WORKERS.held_by(user)
            or not permissions.has(user, "care.check_in", recipient)
        ):
            raise FieldError("assignee", _("结对的工作人员须能在该对象所在区域开展关爱。"))
    elif kind in (AssigneeKind.VOLUNTEER, AssigneeKind.NEIGHBOUR):
        if volunteer is None or not volunteer.active or volunteer.subdistrict_id != recipient.subdistrict_id:
            raise FieldError("assignee", _("请选择本街道在册的志愿者。"))
    elif organization is None or organization.subdistrict_id != recipient.subdistrict_id:
        raise FieldError("assignee", _("请选择本街道的成员单位。"))
    duties = (duties or "").strip()
    if len(duties) > 200:
        raise FieldError("duties", _("职责说明不能超过200个字。"))
    current = Assignment.objects.filter(recipient=recipient, role=role, active=True).first()
    if expected is not None and (current.pk if current else 0) != expected:
        raise Conflict(_("该结对刚被他人修改，请刷新后再试。"))
    other = Assignment.objects.filter(recipient=recipient, active=True).exclude(role=role)
    if other.filter(user=user, volunteer=volunteer, organization=organization).exists():
        raise FieldError("assignee", _("主责和备岗不能是同一人。"))
    before = None
    if current is not None:
        before = {"id": current.pk, "kind": current.kind, "assignee": str(current.assignee)}
        current.active, current.ended_on = False, today
        current.save(update_fields=["active", "ended_on", "updated_at"])
    assignment = Assignment.objects.create(
        subdistrict_id=recipient.subdistrict_id,
        area_id=recipient.area_id,
        recipient=recipient,
        role=role,
        kind=kind,
        user=user,
        volunteer=volunteer,
        organization=organization,
        duties=duties,
        started_on=today,
    )
    audit.record(
        actor=actor,
        action="care.assign",
        target=recipient,
        data={
            "role": role,
            "kind": kind,
            "assignment": assignment.pk,
            "assignee": str(assignment.assignee),
            "before": before,
        },
    )
    return assignment


@transaction.atomic
def end_assignment(*, actor: User, assignment: Assignment, today: dt.date | None = None) -> Assignment:
    """End an assignment (the volunteer moved away, the shop closed); the role stays empty until
    someone new is assigned. Ending one already ended is refused."""
    recipient = Recipient.objects.select_for_update(of=("self",)).get(pk=assignment.recipient_id)
    assignment = Assignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    permissions.require(actor, "care.manage", recipient)
    if not assignment.active:
        raise Conflict(_("该结对已经结束。"))
    assignment.active, assignment.ended_on = False, today or timezone.localdate()
    assignment.save(update_fields=["active", "ended_on", "updated_at"])
    audit.record(
        actor=actor,
        action="care.assignment_end",
        target=recipient,
        data={"assignment": assignment.pk, "role": assignment.role, "assignee": str(assignment.assignee)},
    )
    return assignment


# ---------------------------------------------------------------- dues and check-ins


def last_contact_day(recipient: Recipient) -> dt.date | None:
    last = (
        CheckIn.objects.filter(recipient=recipient, outcome__in=REACHED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localtime(last).date() if last else None


def schedule_next(
    recipient: Recipient, *, after: dt.date | None, policy: CarePolicy | None = None
) -> Due | None:
    """Open the next due of an active recipient without one (idempotent)."""
    if not recipient.active or Due.objects.filter(recipient=recipient, met_at__isnull=True).exists():
        return None
    policy = policy or policy_for(recipient.subdistrict_id)
    frequency = frequency_of(recipient, policy)
    due_on = next_due_on(frequency, after) if after else recipient.enrolled_on
    terms = {
        "subdistrict_id": recipient.subdistrict_id,
        "area_id": recipient.area_id,
        "recipient": recipient,
        "frequency": frequency,
        "margin_days": policy.margin_days,
    }
    try:
        with transaction.atomic():
            return Due.objects.create(due_on=due_on, **terms)
    except IntegrityError:  # met today and due today again (a daily contact made early): next day
        return Due.objects.create(due_on=next_due_on(frequency, due_on), **terms)


def generate_dues() -> int:
    """An open due for every active recipient that has none. Idempotent."""
    made = 0
    policies: dict[int, CarePolicy] = {}
    open_due = Due.objects.filter(recipient=OuterRef("pk"), met_at__isnull=True)
    without = Recipient.objects.filter(active=True).exclude(Exists(open_due))
    for recipient in without.iterator(chunk_size=500):
        policy = policies.setdefault(recipient.subdistrict_id, policy_for(recipient.subdistrict_id))
        with transaction.atomic():
            made += schedule_next(recipient, after=last_contact_day(recipient), policy=policy) is not None
    return made


def _is_assignee(recipient: Recipient, volunteer: Volunteer) -> bool:
    return Assignment.objects.filter(recipient=recipient, volunteer=volunteer, active=True).exists()


@transaction.atomic
def record_check_in(
    *,
    recipient: Recipient,
    mode: str,
    outcome: str,
    actor: User | None = None,
    volunteer: Volunteer | None = None,
    at: dt.datetime | None = None,
    note: str = "",
    photo=None,
    minutes: int = 0,
    cases: list[CaseSpec] = (),
    now: dt.datetime | None = None,
) -> CheckIn:
    """Record one contact. One that reaches the person meets the open due and opens the next;
    "not reached" leaves it open and may raise an alert at once (high risk, or the second in a
    row). Needs found become cases in the same transaction."""
    now = now or timezone.now()
    at = at or now
    recipient = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("resident__dwelling", "area")
        .get(pk=recipient.pk)
    )
    if actor is not None:
        permissions.require(actor, "care.check_in", recipient)
    elif volunteer is None or not _is_assignee(recipient, volunteer):
        raise NotAllowed(_("只有结对的志愿者才能记录对该对象的关爱联系。"))
    if not recipient.active:
        raise Conflict(_("该对象已不在关爱名单中。"))
    if mode not in Mode.values:
        raise FieldError("mode", _("请选择联系方式。"))
    if outcome not in Outcome.values:
        raise FieldError("outcome", _("请选择联系情况。"))
    if at > now + dt.timedelta(minutes=5):
        raise FieldError("at", _("联系时间不能晚于现在。"))
    if at < now - dt.timedelta(days=BACKDATE_DAYS):
        raise FieldError("at", _("只能补记%(days)s天内的联系。") % {"days": BACKDATE_DAYS})
    if not 0 <= minutes <= 480:
        raise FieldError("minutes", _("服务时长应在0到480分钟之间。"))
    note = (note or "").strip()
    if outcome == Outcome.NEEDS_HELP and not note and not cases:
        raise FieldError("note", _("请写明需要什么帮助。"))
    if cases and actor is None:
        raise FieldError("cases", _("发起工单请联系网格员或居委。"))
    photo = checked_content(photo)  # type from the bytes, re-encoded, EXIF GPS dropped
    check_in = CheckIn.objects.create(
        subdistrict_id=recipient.subdistrict_id,
        area_id=recipient.area_id,
        recipient=recipient,
        at=at,
        mode=mode,
        outcome=outcome,
        note=note[:500],
        by_user=actor,
        by_volunteer=volunteer if actor is None else None,
        minutes=minutes,
    )
    if photo:
        check_in.photo = photo
        check_in.save(update_fields=["photo"])
    resident = recipient.resident
    raised = [
        case_services.create_case(
            actor=actor,
            category=spec.category,
            title=spec.title,
            description=spec.description,
            source=Source.VISIT,
            area=recipient.area,
            address=resident.dwelling.address if resident.dwelling_id else "",
            reporter_name=resident.name,
            now=now,
        )
        for spec in cases
    ]
    if raised:
        check_in.cases.add(*raised)
    policy = policy_for(recipient.subdistrict_id)
    if outcome in REACHED:
        due = Due.objects.filter(recipient=recipient, met_at__isnull=True).first()
        if due is not None and timezone.localtime(at).date() >= due.due_on - dt.timedelta(
            days=_early_days(due)
        ):
            due.met_at, due.check_in = at, check_in
            due.save(update_fields=["met_at", "check_in"])
            schedule_next(recipient, after=timezone.localtime(at).date(), policy=policy)
        elif due is None:
            schedule_next(recipient, after=timezone.localtime(at).date(), policy=policy)
    else:
        _alert_if_unreachable(recipient, check_in, policy=policy, now=now)
    if check_in.by_volunteer_id and minutes:
        volunteer_services.record_service(
            volunteer=volunteer,
            source=RecordSource.CARE,
            source_ref=f"checkin:{check_in.pk}",
            activity=_("关爱走访：%(mode)s") % {"mode": Mode(mode).label},
            place=resident.dwelling.address if resident.dwelling_id and mode == Mode.VISIT else "",
            started_at=at,
            ended_at=at + dt.timedelta(minutes=minutes),
            hours=Decimal(minutes) / 60,
            actor=None,
        )
    return check_in


def _early_days(due: Due) -> int:
    """A contact made a little before its day still counts for it (not a daily one)."""
    return 0 if due.frequency == Frequency.DAILY else 2


def _alert_if_unreachable(
    recipient: Recipient, check_in: CheckIn, *, policy: CarePolicy, now: dt.datetime
) -> None:
    last_reached = (
        CheckIn.objects.filter(recipient=recipient, outcome__in=REACHED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    streak = CheckIn.objects.filter(recipient=recipient, outcome=Outcome.NOT_REACHED)
    if last_reached is not None:
        streak = streak.filter(at__gt=last_reached)
    attempts = list(streak.order_by("at", "id").values_list("pk", flat=True))
    if not attempts:
        return
    if recipient.risk == Risk.HIGH:
        reason = AlertReason.HIGH_RISK
    elif len(attempts) >= policy.not_reached_limit:
        reason = AlertReason.NOT_REACHED
    else:
        return
    raise_alert(recipient=recipient, reason=reason, key=f"reach:{attempts[0]}", check_in=check_in, now=now)


def _staff_to_tell(recipient: Recipient, level: str) -> list[User]:
    ancestors = [int(x) for x in recipient.area.path.strip("/").split("/") if x]
    roles = ALERTED_IN_SUBDISTRICT if level == AlertLevel.SUBDISTRICT else ALERTED_IN_NEIGHBOURHOOD
    users = list(
        User.objects.filter(is_active=True, scope_id__in=ancestors, groups__name__in=roles.codes)
        .filter(Q(scope__subdistrict_id=recipient.subdistrict_id) | Q(scope_id=recipient.subdistrict_id))
        .distinct()
    )
    if level == AlertLevel.NEIGHBOURHOOD:
        users += [
            a.user
            for a in Assignment.objects.filter(
                recipient=recipient, active=True, user__isnull=False
            ).select_related("user")
            if a.user not in users
        ]
    return users


def alert_url(alert: Alert) -> str:
    return f"/care/alerts/{alert.pk}/"


def raise_alert(
    *, recipient: Recipient, reason: str, key: str, now: dt.datetime, due: Due | None = None, check_in=None
) -> Alert | None:
    """Raise an alert once per key and tell the back-up and the neighbourhood (None when the
    key already raised one)."""
    if Alert.objects.filter(key=key).exists():
        return None
    alert = Alert.objects.create(
        subdistrict_id=recipient.subdistrict_id,
        area_id=recipient.area_id,
        recipient=recipient,
        reason=reason,
        key=key,
        due=due,
        check_in=check_in,
        raised_at=now,
    )
    name = recipient.resident.name
    title = _("关爱预警：%(name)s %(reason)s") % {"name": name, "reason": AlertReason(reason).label}
    # Written with the alert (a notice row, no outside delivery): both or neither.
    notify(
        _staff_to_tell(recipient, AlertLevel.NEIGHBOURHOOD),
        kind="care.alert",
        title=title,
        url=alert_url(alert),
        dedupe_key=f"care.alert:{alert.pk}",
        at=now,
    )
    return alert


def escalate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Raise alerts for contacts overdue past the margin; send to the subdistrict the alerts
    still open past the second limit. Idempotent."""
    now = now or timezone.now()
    policies: dict[int, CarePolicy] = {}
    raised = escalated = 0
    raised_for = Alert.objects.filter(due=OuterRef("pk"), reason=AlertReason.OVERDUE)
    open_dues = (
        Due.objects.filter(met_at__isnull=True, due_on__lt=timezone.localdate(now), recipient__active=True)
        .exclude(Exists(raised_for))
        .select_related("recipient__resident", "recipient__area")
    )
    for due in open_dues.iterator(chunk_size=500):
        policy = policies.setdefault(due.subdistrict_id, policy_for(due.subdistrict_id))
        if now > overdue_at(due, policy):
            with transaction.atomic():
                raised += (
                    raise_alert(
                        recipient=due.recipient,
                        reason=AlertReason.OVERDUE,
                        key=f"overdue:{due.pk}",
                        due=due,
                        now=overdue_at(due, policy),
                    )
                    is not None
                )
    pending = Alert.objects.filter(
        level=AlertLevel.NEIGHBOURHOOD, state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED]
    ).select_related("recipient__resident", "recipient__area", "due")
    for alert in pending.iterator(chunk_size=500):
        policy = policies.setdefault(alert.subdistrict_id, policy_for(alert.subdistrict_id))
        frequency = alert.due.frequency if alert.due_id else frequency_of(alert.recipient, policy)
        if alert.state == AlertState.OPEN and now > subdistrict_at(alert, policy, frequency):
            with transaction.atomic():
                escalated += _send_up(alert, now=now)
    return {"raised": raised, "escalated": escalated}


def _send_up(alert: Alert, *, now: dt.datetime) -> int:
    if not Alert.objects.filter(pk=alert.pk, level=AlertLevel.NEIGHBOURHOOD).update(
        level=AlertLevel.SUBDISTRICT, escalated_at=now
    ):
        return 0
    title = _("关爱预警上报街道：%(name)s %(reason)s") % {
        "name": alert.recipient.resident.name,
        "reason": alert.get_reason_display(),
    }
    users = _staff_to_tell(alert.recipient, AlertLevel.SUBDISTRICT)
    notify(
        users,
        kind="care.alert",
        title=title,
        url=alert_url(alert),
        dedupe_key=f"care.alert_up:{alert.pk}",
        at=now,
    )
    return 1


@transaction.atomic
def act_on_alert(
    *, actor: User, alert: Alert, action: str, resolution: str = "", now: dt.datetime | None = None
) -> Alert:
    """Acknowledge an alert, or close it with what was done (the action table in transitions)."""
    now = now or timezone.now()
    if action not in transitions.TRANSITIONS:
        raise DomainError(_("未知的操作。"))
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    permissions.require(actor, transitions.permission(action), alert)
    alert.state = transitions.target(alert.state, action)
    fields = ["state"]
    if action == transitions.AlertAction.ACKNOWLEDGE:
        alert.acknowledged_by, alert.acknowledged_at = actor, now
        fields += ["acknowledged_by", "acknowledged_at"]
    else:
        resolution = (resolution or "").strip()
        if not resolution:
            raise FieldError("resolution", _("请填写处理情况。"))
        alert.resolution, alert.closed_by, alert.closed_at = resolution[:500], actor, now
        fields += ["resolution", "closed_by", "closed_at"]
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
            fields += ["acknowledged_by", "acknowledged_at"]
    alert.save(update_fields=fields)
    return alert
