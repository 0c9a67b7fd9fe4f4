"""Every write of a dispute: one function per action, each taking the actor, locking the dispute,
checking the permission and the transition in `transitions.ACTIONS`, writing the change and its
timeline row together, and telling the mediators after commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import notices
from gongzhi.accounts.models import User
from gongzhi.cases import selectors as case_selectors
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case, Category
from gongzhi.cases.models import Source as CaseSource
from gongzhi.core import deadlines
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.core.events import DomainSignal
from gongzhi.mediation import policy, transitions
from gongzhi.mediation.models import (
    Action,
    Agreement,
    AgreementForm,
    Dispute,
    DisputeEvent,
    FollowUp,
    Kind,
    MediationSession,
    Party,
    PartyRole,
    Performance,
    Referral,
    Source,
    Status,
)
from gongzhi.mediation.rules import MEDIATORS
from gongzhi.registry.crypto import mask_phone
from gongzhi.registry.models import Resident
from gongzhi.territory.models import Area

# kwargs: dispute_id, action, subdistrict_id — after every timeline row, on commit.
dispute_changed = DomainSignal()


@dataclass
class PartySpec:
    role: str
    name: str = ""
    phone: str = ""
    address: str = ""
    resident: Resident | None = None


def _text(value: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("请填写%(field)s。") % {"field": label}, details={"field": label})
    return value[:limit]


def _lock(dispute: Dispute) -> Dispute:
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("area", "subdistrict")
        .get(pk=dispute.pk)
    )


def _check_version(dispute: Dispute, expected_version: int | None) -> None:
    if expected_version is not None and dispute.version != expected_version:
        raise Conflict(_("该纠纷刚被他人更新，请刷新后再试。"))


def _record(dispute: Dispute, *, actor: User | None, action: str, before: str, now, note="", data=None):
    seq = (dispute.events.aggregate(m=Max("seq"))["m"] or 0) + 1
    event = DisputeEvent.objects.create(
        dispute=dispute,
        seq=seq,
        at=now,
        actor=actor,
        action=action,
        from_status=before,
        to_status=dispute.status,
        note=(note or "")[:400],
        data=data or {},
    )
    dispute_changed.send_on_commit(
        sender=Dispute, dispute_id=dispute.pk, action=action, subdistrict_id=dispute.subdistrict_id
    )
    return event


def _move(dispute: Dispute, *, actor: User, action: str, now, fields=(), note="", data=None):
    """Check the permission and the transition of `action`, then save and write the timeline."""
    permissions.require(actor, transitions.permission(action), dispute)
    before = dispute.status
    dispute.status = transitions.target(before, action)
    dispute.version += 1
    dispute.save(update_fields=["status", "version", "updated_at", *fields])
    _record(dispute, actor=actor, action=action, before=before, now=now, note=note, data=data)
    return dispute


def mediators_of(dispute: Dispute) -> list[User]:
    users = User.objects.filter(is_active=True, groups__name__in=MEDIATORS.codes).select_related("scope")
    return [u for u in users.distinct() if u.scope_id and dispute.area.path.startswith(u.scope.path)]


def _tell(dispute: Dispute, *, kind: str, title: str, dedupe_key: str = "") -> None:
    url = reverse("mediation:detail", args=[dispute.pk])
    pk = dispute.pk
    transaction.on_commit(
        lambda: notices.notify(
            mediators_of(Dispute.objects.select_related("area").get(pk=pk)),
            kind=kind,
            title=title,
            url=url,
            dedupe_key=dedupe_key,
        )
    )


notices.register_kind("mediation.new", _("新的调解申请"))
notices.register_kind("mediation.due", _("调解期限提醒"))


def _parties(dispute: Dispute, parties: list[PartySpec]) -> None:
    roles = {p.role for p in parties}
    if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
        raise DomainError(_("请至少填写一名申请人和一名被申请人。"), details={"field": "parties"})
    for spec in parties:
        if spec.role not in PartyRole.values:
            raise DomainError(_("当事人身份无效。"), details={"field": "parties"})
        if spec.resident is not None:
            if spec.resident.subdistrict_id != dispute.subdistrict_id:
                raise DomainError(_("当事人须为本街道的居民。"), details={"field": "parties"})
            name, phone_mask = spec.resident.name, spec.resident.phone_mask
            address = spec.address or (spec.resident.dwelling.address if spec.resident.dwelling_id else "")
        else:
            name = _text(spec.name, _("当事人姓名"), 60)
            phone = (spec.phone or "").strip().replace(" ", "")
            if phone and not (phone.isdigit() and 7 <= len(phone) <= 12):
                raise DomainError(_("当事人电话号码格式不正确。"), details={"field": "parties"})
            phone_mask, address = mask_phone(phone), spec.address
        Party.objects.create(
            dispute=dispute,
            role=spec.role,
            resident=spec.resident,
            name=name,
            phone_mask=phone_mask,
            address=(address or "")[:200],
        )


@transaction.atomic
def register_dispute(
    *,
    actor: User,
    area: Area,
    kind: str,
    title: str,
    matter: str,
    parties: list[PartySpec],
    source: str = Source.APPLICATION,
    address: str = "",
    case: Case | None = None,
    now: dt.datetime | None = None,
) -> Dispute:
    """登记: a party's application (or a mediator's own initiative, or a case turned into a
    mediation); the acceptance deadline starts now."""
    now = now or timezone.now()
    permissions.require(actor, "dispute.create", area)
    if kind not in Kind.values:
        raise DomainError(_("请选择纠纷类型。"), details={"field": "kind"})
    if source not in Source.values:
        raise DomainError(_("来源无效。"), details={"field": "source"})
    if area.subdistrict_id is None:
        raise DomainError(_("请选择街道或以下的区域。"), details={"field": "area"})
    dispute = Dispute.objects.create(
        subdistrict_id=area.subdistrict_id,
        area=area,
        kind=kind,
        source=source,
        title=_text(title, _("纠纷简述"), 120),
        matter=_text(matter, _("纠纷事项"), 4000),
        address=(address or "").strip()[:200],
        case=case,
        registered_by=actor,
        applied_at=now,
        accept_due_at=deadlines.due(now, days=policy.limit("accept_working_days")),
    )
    dispute.number = f"TJ{timezone.localtime(now):%Y}-{dispute.pk:05d}"
    dispute.save(update_fields=["number"])
    _parties(dispute, parties)
    _record(dispute, actor=actor, action=Action.APPLY, before="", now=now, data={"source": source})
    _tell(dispute, kind="mediation.new", title=_("新的调解申请：%(title)s") % {"title": dispute.title})
    return dispute


@transaction.atomic
def dispute_from_case(
    *, actor: User, case: Case, kind: str, respondent: PartySpec, now: dt.datetime | None = None
) -> Dispute:
    """Turn a case that is really a dispute between neighbours into a mediation: the reporter
    becomes the applicant, the matter is the case's description. The case itself is untouched."""
    if not case_selectors.cases_for(actor).filter(pk=case.pk).exists():
        raise DomainError(_("未找到该工单，或不在您的管辖范围内。"), code="not_found")
    if Dispute.objects.filter(case=case).exclude(status__in=[Status.DECLINED, Status.WITHDRAWN]).exists():
        raise Conflict(_("该工单已转入调解。"))
    applicant = PartySpec(
        role=PartyRole.APPLICANT,
        name=case.reporter_name or _("反映人"),
        phone=case.reporter_phone,
        address=case.address,
    )
    respondent.role = PartyRole.RESPONDENT
    return register_dispute(
        actor=actor,
        area=case.area,
        kind=kind,
        title=case.title,
        matter=case.description,
        parties=[applicant, respondent],
        source=Source.CASE,
        address=case.address,
        case=case,
        now=now,
    )


@transaction.atomic
def accept_dispute(
    *,
    dispute: Dispute,
    actor: User,
    mediator: User | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dispute:
    """受理: a mediator takes it on; the one-month mediation term starts."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    _check_version(dispute, expected_version)
    permissions.require(actor, transitions.permission(Action.ACCEPT), dispute)
    mediator = mediator or actor
    if not permissions.has(mediator, "dispute.mediate", dispute):
        raise DomainError(_("所选调解员不能调解该纠纷。"), details={"field": "mediator"})
    dispute.mediator = mediator
    dispute.accepted_at = now
    dispute.mediation_due_at = deadlines.due(now, days=policy.limit("mediate_days"), working=False)
    return _move(
        dispute,
        actor=actor,
        action=Action.ACCEPT,
        now=now,
        fields=["mediator", "accepted_at", "mediation_due_at"],
        data={"mediator": mediator.pk},
    )


@transaction.atomic
def decline_dispute(*, dispute: Dispute, actor: User, reason: str, now: dt.datetime | None = None) -> Dispute:
    """不予受理 (e.g. a party refuses mediation, 人民调解法 第十七条; or a court already has it)."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    reason = _text(reason, _("不予受理的理由"), 400)
    dispute.ended_at = now
    dispute.outcome_note = reason
    return _move(
        dispute, actor=actor, action=Action.DECLINE, now=now, fields=["ended_at", "outcome_note"], note=reason
    )


@transaction.atomic
def record_session(
    *,
    dispute: Dispute,
    actor: User,
    held_at: dt.datetime,
    place: str,
    attendees: str,
    summary: str,
    now: dt.datetime | None = None,
) -> MediationSession:
    now = now or timezone.now()
    dispute = _lock(dispute)
    if held_at > now + dt.timedelta(minutes=5):
        raise DomainError(_("调解时间不能晚于现在。"), details={"field": "held_at"})
    if dispute.accepted_at and held_at < dispute.accepted_at - dt.timedelta(days=1):
        raise DomainError(_("调解时间不能早于受理时间。"), details={"field": "held_at"})
    place = _text(place, _("调解地点"), 120)
    attendees = _text(attendees, _("参加人员"), 400)
    summary = _text(summary, _("调解情况"), 4000)
    _move(dispute, actor=actor, action=Action.SESSION, now=now)
    return MediationSession.objects.create(
        dispute=dispute, held_at=held_at, place=place, mediator=actor, attendees=attendees, summary=summary
    )


@transaction.atomic
def extend_dispute(*, dispute: Dispute, actor: User, reason: str, now: dt.datetime | None = None) -> Dispute:
    """延期: once, with the parties' consent, by `extend_days`."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    permissions.require(actor, transitions.permission(Action.EXTEND), dispute)
    transitions.target(dispute.status, Action.EXTEND)
    if dispute.extended:
        raise DomainError(_("调解期限只能延长一次。"), code="already_extended")
    reason = _text(reason, _("延期理由"), 400)
    dispute.extended = True
    dispute.mediation_due_at = deadlines.due(
        dispute.mediation_due_at, days=policy.limit("extend_days"), working=False
    )
    return _move(
        dispute,
        actor=actor,
        action=Action.EXTEND,
        now=now,
        fields=["extended", "mediation_due_at"],
        note=reason,
    )


@transaction.atomic
def sign_agreement(
    *,
    dispute: Dispute,
    actor: User,
    terms: str,
    signed_on: dt.date,
    signed_by: str,
    form: str = AgreementForm.WRITTEN,
    perform_by: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Agreement:
    """调解协议: the parties sign (or agree orally, recorded by the mediator)."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    if form not in AgreementForm.values:
        raise DomainError(_("请选择协议形式。"), details={"field": "form"})
    terms = _text(terms, _("协议内容"), 4000)
    signed_by = _text(signed_by, _("签字当事人"), 200)
    today = timezone.localdate(now)
    if signed_on > today:
        raise DomainError(_("签订日期不能晚于今天。"), details={"field": "signed_on"})
    if dispute.accepted_at and signed_on < timezone.localdate(dispute.accepted_at):
        raise DomainError(_("签订日期不能早于受理日期。"), details={"field": "signed_on"})
    if perform_by is not None and perform_by < signed_on:
        raise DomainError(_("履行期限不能早于签订日期。"), details={"field": "perform_by"})
    if transitions.allowed(dispute.status, Action.AGREE) and not dispute.sessions.exists():
        raise DomainError(_("请先记录至少一次调解。"), code="no_session")
    dispute.ended_at = now
    _move(dispute, actor=actor, action=Action.AGREE, now=now, fields=["ended_at"])
    return Agreement.objects.create(
        dispute=dispute,
        form=form,
        terms=terms,
        perform_by=perform_by,
        signed_on=signed_on,
        signed_by=signed_by,
        confirm_by=signed_on + dt.timedelta(days=policy.limit("confirm_days")),
        held_check_on=signed_on + dt.timedelta(days=policy.limit("held_check_days")),
    )


def _refer(dispute: Dispute, *, actor: User, referral: str, category: Category | None, now) -> Case | None:
    if referral not in Referral.values or referral == Referral.NONE:
        raise DomainError(_("请选择分流去向。"), details={"field": "referral"})
    if referral != Referral.CASE:
        return None
    if category is None:
        raise DomainError(_("转为工单须选择类别。"), details={"field": "category"})
    return case_services.create_case(
        actor=actor,
        category=category,
        title=dispute.title[:120],
        description=_("矛盾调解 %(number)s 转办：%(matter)s")
        % {"number": dispute.number, "matter": dispute.matter},
        source=CaseSource.MEETING,
        area=dispute.area,
        address=dispute.address,
        now=now,
    )


@transaction.atomic
def fail_dispute(
    *,
    dispute: Dispute,
    actor: User,
    reason: str,
    referral: str,
    category: Category | None = None,
    now: dt.datetime | None = None,
) -> Dispute:
    """调解不成 (人民调解法 第二十六条): end the mediation and tell the parties where to go next —
    the court's circuit hearing, litigation, arbitration, an administrative body, or a case."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    permissions.require(actor, transitions.permission(Action.FAIL), dispute)
    transitions.target(dispute.status, Action.FAIL)
    reason = _text(reason, _("调解不成的原因"), 400)
    dispute.referred_case = _refer(dispute, actor=actor, referral=referral, category=category, now=now)
    dispute.referral = referral
    dispute.outcome_note = reason
    dispute.ended_at = now
    return _move(
        dispute,
        actor=actor,
        action=Action.FAIL,
        now=now,
        fields=["referral", "referred_case", "outcome_note", "ended_at"],
        note=reason,
        data={"referral": referral},
    )


@transaction.atomic
def withdraw_dispute(
    *, dispute: Dispute, actor: User, reason: str, now: dt.datetime | None = None
) -> Dispute:
    now = now or timezone.now()
    dispute = _lock(dispute)
    reason = _text(reason, _("撤回原因"), 400)
    dispute.outcome_note = reason
    dispute.ended_at = now
    return _move(
        dispute,
        actor=actor,
        action=Action.WITHDRAW,
        now=now,
        fields=["outcome_note", "ended_at"],
        note=reason,
    )


@transaction.atomic
def apply_confirmation(
    *, dispute: Dispute, actor: User, applied_on: dt.date, now: dt.datetime | None = None
) -> Agreement:
    """司法确认: both parties apply to the court within 30 days of the agreement (第三十三条)."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    _move(dispute, actor=actor, action=Action.CONFIRM, now=now, data={"applied_on": applied_on.isoformat()})
    agreement = dispute.agreement
    if agreement.form != AgreementForm.WRITTEN:
        raise DomainError(_("口头协议不能申请司法确认。"))
    if applied_on < agreement.signed_on or applied_on > timezone.localdate(now):
        raise DomainError(_("申请日期须在签订日期和今天之间。"), details={"field": "applied_on"})
    if applied_on > agreement.confirm_by:
        raise DomainError(
            _("已超过司法确认申请期限（%(date)s）。") % {"date": agreement.confirm_by.isoformat()},
            code="confirmation_late",
        )
    agreement.confirmation_applied_on = applied_on
    agreement.save(update_fields=["confirmation_applied_on"])
    return agreement


@transaction.atomic
def record_follow_up(
    *,
    dispute: Dispute,
    actor: User,
    on: dt.date,
    performance: str,
    note: str,
    now: dt.datetime | None = None,
) -> FollowUp:
    """回访: is the agreement being kept?"""
    now = now or timezone.now()
    dispute = _lock(dispute)
    if performance not in Performance.values:
        raise DomainError(_("请选择履行情况。"), details={"field": "performance"})
    note = _text(note, _("回访情况"), 400)
    _move(
        dispute, actor=actor, action=Action.FOLLOW_UP, now=now, note=note, data={"performance": performance}
    )
    if on > timezone.localdate(now) or on < dispute.agreement.signed_on:
        raise DomainError(_("回访日期须在签订日期和今天之间。"), details={"field": "on"})
    return FollowUp.objects.create(dispute=dispute, on=on, by=actor, performance=performance, note=note)


@transaction.atomic
def close_held(*, dispute: Dispute, actor: User, now: dt.datetime | None = None) -> Dispute:
    """协议履行: closed as held, after the three-month follow-up found it kept."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    permissions.require(actor, transitions.permission(Action.CLOSE_HELD), dispute)
    transitions.target(dispute.status, Action.CLOSE_HELD)
    agreement = dispute.agreement
    check = dispute.follow_ups.filter(on__gte=agreement.held_check_on).order_by("-on", "-id").first()
    if check is None:
        raise DomainError(
            _("须在 %(date)s 之后回访一次，确认协议履行后才能办结。")
            % {"date": agreement.held_check_on.isoformat()},
            code="too_early",
        )
    if check.performance == Performance.NOT_PERFORMED:
        raise DomainError(_("最近一次回访显示协议未履行，不能按已履行办结。"))
    return _move(dispute, actor=actor, action=Action.CLOSE_HELD, now=now)


@transaction.atomic
def report_broken(
    *,
    dispute: Dispute,
    actor: User,
    reason: str,
    referral: str,
    category: Category | None = None,
    now: dt.datetime | None = None,
) -> Dispute:
    """The agreement was not kept: refer the parties on (a court, or a case)."""
    now = now or timezone.now()
    dispute = _lock(dispute)
    permissions.require(actor, transitions.permission(Action.REPORT_BROKEN), dispute)
    transitions.target(dispute.status, Action.REPORT_BROKEN)
    reason = _text(reason, _("未履行情况"), 400)
    dispute.referred_case = _refer(dispute, actor=actor, referral=referral, category=category, now=now)
    dispute.referral = referral
    dispute.outcome_note = reason
    return _move(
        dispute,
        actor=actor,
        action=Action.REPORT_BROKEN,
        now=now,
        fields=["referral", "referred_case", "outcome_note"],
        note=reason,
        data={"referral": referral},
    )


def remind_due(*, now: dt.datetime | None = None, within: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Tell the mediators of every dispute whose acceptance or mediation deadline is near or past
    (idempotent: one notice per dispute, deadline and user)."""
    now = now or timezone.now()
    sent = 0
    soon = now + within
    rows = Dispute.objects.select_related("area").filter(
        status__in=[Status.APPLIED, Status.ACCEPTED, Status.MEDIATING]
    )
    for dispute in rows.iterator():
        due = dispute.due_at()
        if due is None or due > soon:
            continue
        late = due < now
        title = (_("已超期：%(title)s") if late else _("即将到期：%(title)s")) % {"title": dispute.title}
        sent += notices.notify(
            mediators_of(dispute),
            kind="mediation.due",
            title=title,
            url=reverse("mediation:detail", args=[dispute.pk]),
            dedupe_key=f"mediation:{dispute.pk}:{dispute.status}:{due.isoformat()}:{'late' if late else 'soon'}",
        )
    return sent
