"""Every write of 志愿+: one function per action, atomic, the volunteer's row locked where points
move. Staff pass `actor` (checked against the rules); a volunteer acting on their own behalf on
the public pages passes `volunteer` and no actor."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.registry import crypto
from gongzhi.registry.models import Organization, Resident
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area, AreaKind
from gongzhi.volunteers import ledger, transitions
from gongzhi.volunteers.models import (
    Credential,
    CredentialKind,
    DeedState,
    EntryKind,
    GoodDeed,
    Opportunity,
    OpportunityState,
    PointsEntry,
    PointsRule,
    RecordSource,
    Redemption,
    RedemptionState,
    Reward,
    Scenario,
    ServiceRecord,
    Signup,
    SignupState,
    Skill,
    Verification,
    Volunteer,
)
from gongzhi.volunteers.transitions import SignupAction

HOUR = Decimal("0.01")


def _text(value: str, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise FieldError(field, _("请填写%(label)s。") % {"label": label})
    return value[:limit]


def _lock(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update(of=("self",)).select_related("area").get(pk=volunteer.pk)


def _subdistrict_of(area: Area) -> int:
    if area.subdistrict_id is None:
        raise FieldError("area", _("请选择街道或以下的区域。"))
    return area.subdistrict_id


# ---------------------------------------------------------------- volunteers


@transaction.atomic
def register_volunteer(
    *,
    actor: User,
    area: Area,
    name: str,
    phone: str = "",
    resident: Resident | None = None,
    organization: Organization | None = None,
    skills: list[str] = (),
    talent: bool = False,
    availability: str = "",
    party_member: bool = False,
    party_unit: Organization | None = None,
    joined_on: dt.date | None = None,
) -> Volunteer:
    permissions.require(actor, "volunteer.manage", area)
    subdistrict_id = _subdistrict_of(area)
    name = _text(name, "name", _("姓名"), 40)
    if resident is not None and resident.subdistrict_id != subdistrict_id:
        raise FieldError("resident", _("该居民不在本街道。"))
    if party_unit is not None and not party_member:
        raise FieldError("party_unit", _("只有在职党员才登记工作单位党组织。"))
    volunteer = Volunteer(
        subdistrict_id=subdistrict_id,
        area=area,
        name=name,
        resident=resident,
        organization=organization,
        talent=talent,
        availability=(availability or "").strip()[:120],
        party_member=party_member,
        party_unit=party_unit,
        joined_on=joined_on or timezone.localdate(),
    )
    phone = (phone or "").strip()
    if phone:
        if not phone.isdigit() or len(phone) != 11 or not phone.startswith("1"):
            raise FieldError("phone", _("请填写11位手机号。"))
        volunteer.seal("phone", phone)
        if Volunteer.objects.filter(subdistrict_id=subdistrict_id, phone_hash=volunteer.phone_hash).exists():
            raise FieldError("phone", _("该手机号已注册为本街道志愿者。"))
    volunteer.save()
    if skills:
        volunteer.skills.set(
            [
                Skill.objects.get_or_create(subdistrict_id=subdistrict_id, name=s.strip()[:40])[0]
                for s in skills
                if s.strip()
            ]
        )
    audit.record(actor=actor, action="volunteer.register", target=volunteer, data={"area": area.pk})
    return volunteer


@transaction.atomic
def verify_volunteer(
    *, actor: User, volunteer: Volunteer, verified: bool = True, now: dt.datetime | None = None
) -> Volunteer:
    volunteer = _lock(volunteer)
    permissions.require(actor, "volunteer.manage", volunteer)
    volunteer.verification = Verification.VERIFIED if verified else Verification.REJECTED
    volunteer.verified_at = now or timezone.now()
    volunteer.save(update_fields=["verification", "verified_at", "updated_at"])
    audit.record(actor=actor, action="volunteer.verify", target=volunteer, data={"verified": verified})
    return volunteer


def volunteer_by_phone(phone: str, *, subdistrict: Area | None = None) -> Volunteer | None:
    """The active volunteer with this phone (for the phone-code sign-in of the public pages)."""
    digest = crypto.blind_index((phone or "").strip(), kind="phone")
    qs = Volunteer.objects.filter(phone_hash=digest, active=True).select_related("area")
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    return qs.first()


@transaction.atomic
def add_credential(
    *,
    actor: User,
    volunteer: Volunteer,
    kind: str,
    title: str,
    on: dt.date | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Credential:
    """A training, an award or an evaluation in the volunteer's record (民政部令67号). Added,
    not edited: the same one twice (kind, title, day) is refused."""
    now = now or timezone.now()
    permissions.require(actor, "credential.add", volunteer)
    if kind not in CredentialKind.values:
        raise FieldError("kind", _("类别应为培训、表彰奖励或服务评价。"))
    title = _text(title, "title", _("名称"), 120)
    if on is None:
        raise FieldError("on", _("请填写日期。"))
    if on > timezone.localdate(now):
        raise FieldError("on", _("日期不能晚于今天。"))
    note = (note or "").strip()
    if len(note) > 200:
        raise FieldError("note", _("说明不能超过200字。"))
    try:
        with transaction.atomic():
            credential = Credential.objects.create(
                volunteer=volunteer,
                kind=kind,
                title=title,
                on=on,
                note=note,
                recorded_by=actor,
                created_at=now,
            )
    except IntegrityError:
        raise Conflict(_("该记录已登记过。"), code="duplicate_credential") from None
    audit.record(
        actor=actor,
        action="volunteer.credential_add",
        target=volunteer,
        data={"credential": credential.pk, "kind": kind, "title": title, "on": on.isoformat()},
    )
    return credential


@transaction.atomic
def set_points_rule(*, actor: User, area: Area, **values) -> PointsRule:
    permissions.require(actor, "volunteer.manage", area)
    if area.kind not in (AreaKind.NEIGHBOURHOOD, AreaKind.SUBDISTRICT):
        raise FieldError("area", _("积分规则按居民区（或全街道）设置。"))
    allowed = {
        "points_per_hour",
        "points_per_deed",
        "daily_cap",
        "monthly_cap",
        "expiry_days",
        "allow_negative",
    }
    unknown = set(values) - allowed
    if unknown:
        raise FieldError(sorted(unknown)[0], _("未知的规则项。"))
    for key, value in values.items():
        if key != "allow_negative" and value is not None and int(value) < 0:
            raise FieldError(key, _("不能为负数。"))
    rule, _created = PointsRule.objects.update_or_create(
        area=area, defaults={"subdistrict_id": _subdistrict_of(area), **values}
    )
    audit.record(
        actor=actor, action="volunteer.points_rule", target=area, data={k: str(v) for k, v in values.items()}
    )
    return rule


# ---------------------------------------------------------------- opportunities and sign-ups


@transaction.atomic
def create_opportunity(
    *,
    actor: User,
    area: Area,
    scenario: Scenario,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    slots: int,
    organiser: Organization | None = None,
    skills: list[Skill] = (),
    points_per_hour: int | None = None,
) -> Opportunity:
    permissions.require(actor, "opportunity.manage", area)
    subdistrict_id = _subdistrict_of(area)
    if scenario.subdistrict_id != subdistrict_id:
        raise FieldError("scenario", _("服务场景不属于本街道。"))
    if ends_at <= starts_at:
        raise FieldError("ends_at", _("结束时间须晚于开始时间。"))
    if slots < 1:
        raise FieldError("slots", _("名额至少为1。"))
    opportunity = Opportunity.objects.create(
        subdistrict_id=subdistrict_id,
        area=area,
        scenario=scenario,
        title=_text(title, "title", _("活动名称"), 120),
        place=_text(place, "place", _("地点"), 120),
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        organiser=organiser,
        points_per_hour=points_per_hour,
        created_by=actor,
    )
    if skills:
        opportunity.skills.set(skills)
    return opportunity


@transaction.atomic
def apply(
    *,
    volunteer: Volunteer,
    opportunity: Opportunity,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Signup:
    """A volunteer signs up (themselves, or a staff member for them)."""
    now = now or timezone.now()
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if actor is not None:
        permissions.require(actor, "opportunity.manage", opportunity)
    if not volunteer.active:
        raise DomainError(_("该志愿者已不在册。"))
    if opportunity.state != OpportunityState.OPEN or opportunity.ends_at <= now:
        raise Conflict(_("该活动已不接受报名。"))
    if opportunity.subdistrict_id != volunteer.subdistrict_id:
        raise NotAllowed(_("只能报名本街道的活动。"))
    existing = Signup.objects.filter(opportunity=opportunity, volunteer=volunteer).first()
    if existing is not None and existing.state != SignupState.CANCELLED:
        raise Conflict(_("您已报名该活动。"))
    if existing is not None:
        existing.state = SignupState.APPLIED
        existing.save(update_fields=["state", "updated_at"])
        return existing
    return Signup.objects.create(
        subdistrict_id=opportunity.subdistrict_id,
        area_id=opportunity.area_id,
        opportunity=opportunity,
        volunteer=volunteer,
    )


def _confirmed_count(opportunity: Opportunity) -> int:
    return Signup.objects.filter(
        opportunity=opportunity,
        state__in=[
            SignupState.CONFIRMED,
            SignupState.CHECKED_IN,
            SignupState.COMPLETED,
            SignupState.VERIFIED,
            SignupState.CREDITED,
        ],
    ).count()


def _move(signup: Signup, action: str, **fields) -> Signup:
    signup.state = transitions.target(signup.state, action)
    for key, value in fields.items():
        setattr(signup, key, value)
    signup.save(update_fields=["state", "updated_at", *fields])
    return signup


@transaction.atomic
def act(*, actor: User, signup: Signup, action: str, now: dt.datetime | None = None) -> Signup:
    """A staff action on a sign-up, from the action table (confirm, waitlist, promote, verify,
    credit, no_show, cancel)."""
    now = now or timezone.now()
    if action not in transitions.TRANSITIONS:
        raise DomainError(_("未知的操作。"))
    signup = (
        Signup.objects.select_for_update(of=("self",))
        .select_related("opportunity", "volunteer__area")
        .get(pk=signup.pk)
    )
    permissions.require(actor, transitions.permission(action) or "opportunity.manage", signup.opportunity)
    if action == SignupAction.CONFIRM:
        # Confirming beyond the slots puts the volunteer on the waiting list instead.
        Opportunity.objects.select_for_update().get(pk=signup.opportunity_id)
        if _confirmed_count(signup.opportunity) >= signup.opportunity.slots:
            action = SignupAction.WAITLIST
    if action == SignupAction.PROMOTE:
        Opportunity.objects.select_for_update().get(pk=signup.opportunity_id)
        if _confirmed_count(signup.opportunity) >= signup.opportunity.slots:
            raise Conflict(_("名额已满，无法递补。"))
    if action == SignupAction.NO_SHOW and now < signup.opportunity.starts_at:
        raise Conflict(_("活动尚未开始，不能记为未到场。"))
    if action == SignupAction.VERIFY:
        _move(signup, action, verified_by=actor)
        _record_signup_service(signup, actor=actor)
        return signup
    if action == SignupAction.CREDIT:
        _move(signup, action)
        _credit_signup(signup, actor=actor, now=now)
        return signup
    return _move(signup, action)


@transaction.atomic
def cancel_own(*, volunteer: Volunteer, signup: Signup) -> Signup:
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    if signup.volunteer_id != volunteer.pk:
        raise NotAllowed()
    return _move(signup, SignupAction.CANCEL)


def _signup_by_code(volunteer: Volunteer, code: str) -> Signup:
    signup = (
        Signup.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .filter(opportunity__code=code, volunteer=volunteer)
        .first()
    )
    if signup is None:
        if not Opportunity.objects.filter(code=code).exists():
            raise DomainError(_("二维码无效。"), code="bad_code")
        raise Conflict(_("您没有报名该活动，请先报名。"), code="not_signed_up")
    return signup


@transaction.atomic
def check_in(*, volunteer: Volunteer, code: str, now: dt.datetime | None = None) -> Signup:
    """The volunteer scans the activity's QR code on arrival."""
    now = now or timezone.now()
    signup = _signup_by_code(volunteer, code)
    opportunity = signup.opportunity
    if now < opportunity.starts_at - dt.timedelta(hours=1):
        raise Conflict(_("活动开始前1小时内才能签到。"))
    if now > opportunity.ends_at:
        raise Conflict(_("活动已结束，不能签到。"))
    return _move(signup, SignupAction.CHECK_IN, checked_in_at=now)


@transaction.atomic
def check_out(
    *, volunteer: Volunteer, code: str, travel_minutes: int = 0, now: dt.datetime | None = None
) -> Signup:
    """The volunteer scans the code again when leaving; travel time is not service time."""
    now = now or timezone.now()
    if travel_minutes < 0 or travel_minutes > 600:
        raise FieldError("travel_minutes", _("路途时间应在0到600分钟之间。"))
    signup = _signup_by_code(volunteer, code)
    if signup.state == SignupState.CHECKED_IN and now <= signup.checked_in_at:
        raise Conflict(_("签退时间须晚于签到时间。"))
    return _move(signup, SignupAction.CHECK_OUT, checked_out_at=now, travel_minutes=travel_minutes)


def signup_hours(signup: Signup) -> Decimal:
    """Time on site within the activity's period, less travel, in hours (two decimals, rounded down)."""
    begin = max(signup.checked_in_at, signup.opportunity.starts_at)
    end = min(signup.checked_out_at, signup.opportunity.ends_at)
    minutes = max(0, int((end - begin).total_seconds() // 60) - signup.travel_minutes)
    return (Decimal(minutes) / 60).quantize(HOUR, rounding=ROUND_DOWN)


def _record_signup_service(signup: Signup, *, actor: User) -> ServiceRecord:
    opportunity = signup.opportunity
    return record_service(
        volunteer=signup.volunteer,
        source=RecordSource.ACTIVITY,
        source_ref=f"signup:{signup.pk}",
        activity=opportunity.title,
        place=opportunity.place,
        started_at=signup.checked_in_at,
        ended_at=signup.checked_out_at,
        hours=signup_hours(signup),
        actor=actor,
    )


def record_service(
    *,
    volunteer: Volunteer,
    source: str,
    source_ref: str,
    activity: str,
    place: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    hours: Decimal,
    actor: User | None,
) -> ServiceRecord:
    """Add one service record (hours). A source gives at most one record. Called inside the
    caller's transaction (a verified sign-up here, a care check-in from the care app)."""
    if hours < 0:
        raise FieldError("hours", _("服务时长不能为负。"))
    try:
        with transaction.atomic():
            return ServiceRecord.objects.create(
                subdistrict_id=volunteer.subdistrict_id,
                area_id=volunteer.area_id,
                volunteer=volunteer,
                source=source,
                source_ref=source_ref,
                activity=activity[:120],
                place=place[:120],
                started_at=started_at,
                ended_at=ended_at,
                hours=Decimal(hours).quantize(HOUR, rounding=ROUND_DOWN),
                recorded_by=actor if actor is not None and actor.pk else None,
            )
    except IntegrityError:
        raise Conflict(_("该服务已记录，不能重复记录。")) from None


def _earned_between(volunteer: Volunteer, begin: dt.datetime, end: dt.datetime) -> int:
    return (
        PointsEntry.objects.filter(
            volunteer=volunteer,
            kind__in=[EntryKind.SERVICE, EntryKind.DEED],
            created_at__gte=begin,
            created_at__lt=end,
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )


def earn(
    *,
    volunteer: Volunteer,
    kind: str,
    points: int,
    reason: str,
    source_ref: str,
    actor: User | None,
    now: dt.datetime,
) -> PointsEntry | None:
    """Points earned, clipped to what the day's and the month's caps still allow (None when
    nothing is left under them). The caller holds the transaction."""
    volunteer = _lock(volunteer)
    rule = ledger.rule_for(volunteer)
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    allowed = min(
        points,
        rule.daily_cap - _earned_between(volunteer, day, day + dt.timedelta(days=1)),
        rule.monthly_cap - _earned_between(volunteer, month, next_month),
    )
    if allowed <= 0:
        return None
    expires_on = local.date() + dt.timedelta(days=rule.expiry_days) if rule.expiry_days else None
    if PointsEntry.objects.filter(kind=kind, source_ref=source_ref).exists():
        raise Conflict(_("该项积分已发放，不能重复发放。"))
    return ledger.post(
        volunteer=volunteer,
        points=allowed,
        kind=kind,
        reason=reason,
        source_ref=source_ref,
        actor=actor,
        expires_on=expires_on,
        at=now,
    )


def _credit_signup(signup: Signup, *, actor: User, now: dt.datetime) -> PointsEntry | None:
    record = ServiceRecord.objects.filter(source_ref=f"signup:{signup.pk}").first()
    if record is None:
        raise Conflict(_("请先核实服务时长。"))
    rule = ledger.rule_for(signup.volunteer)
    per_hour = signup.opportunity.points_per_hour or rule.points_per_hour
    points = int((record.hours * per_hour).to_integral_value(rounding=ROUND_DOWN))
    if points <= 0:
        return None
    return earn(
        volunteer=signup.volunteer,
        kind=EntryKind.SERVICE,
        points=points,
        reason=_("参加活动：%(title)s（%(hours)s小时）")
        % {"title": signup.opportunity.title, "hours": record.hours},
        source_ref=f"signup:{signup.pk}",
        actor=actor,
        now=now,
    )


# ---------------------------------------------------------------- small good deeds


@transaction.atomic
def report_deed(
    *,
    actor: User,
    volunteer: Volunteer,
    description: str,
    happened_on: dt.date,
    reporter_name: str = "",
    now: dt.datetime | None = None,
) -> GoodDeed:
    permissions.require(actor, "deed.report", volunteer)
    if happened_on > timezone.localdate(now or timezone.now()):
        raise FieldError("happened_on", _("善举日期不能晚于今天。"))
    return GoodDeed.objects.create(
        subdistrict_id=volunteer.subdistrict_id,
        area_id=volunteer.area_id,
        volunteer=volunteer,
        description=_text(description, "description", _("善举内容"), 200),
        happened_on=happened_on,
        reported_by=actor,
        reporter_name=(reporter_name or actor.display_name or actor.username)[:40],
    )


@transaction.atomic
def confirm_deed(
    *, actor: User, deed: GoodDeed, accept: bool = True, now: dt.datetime | None = None
) -> GoodDeed:
    """A second person confirms (or rejects) the deed; only then are points given."""
    now = now or timezone.now()
    deed = GoodDeed.objects.select_for_update(of=("self",)).select_related("volunteer__area").get(pk=deed.pk)
    permissions.require(actor, "deed.confirm", deed)
    if deed.state != DeedState.REPORTED:
        raise Conflict(_("该善举已确认过。"))
    if deed.reported_by_id == actor.pk:
        raise NotAllowed(_("善举须由报告人以外的第二人确认。"), code="same_person")
    deed.state = DeedState.CONFIRMED if accept else DeedState.REJECTED
    deed.confirmed_by = actor
    deed.confirmed_at = now
    deed.save(update_fields=["state", "confirmed_by", "confirmed_at", "updated_at"])
    if accept:
        rule = ledger.rule_for(deed.volunteer)
        if rule.points_per_deed:
            earn(
                volunteer=deed.volunteer,
                kind=EntryKind.DEED,
                points=rule.points_per_deed,
                reason=_("小微善举：%(what)s") % {"what": deed.description},
                source_ref=f"deed:{deed.pk}",
                actor=actor,
                now=now,
            )
    return deed


# ---------------------------------------------------------------- the points shop


@transaction.atomic
def create_reward(
    *, actor: User, area: Area, name: str, points: int, stock: int, provider: Organization | None = None
) -> Reward:
    permissions.require(actor, "reward.manage", area)
    if points < 1:
        raise FieldError("points", _("所需积分至少为1。"))
    if stock < 0:
        raise FieldError("stock", _("库存不能为负。"))
    reward = Reward.objects.create(
        subdistrict_id=_subdistrict_of(area),
        area=area,
        name=_text(name, "name", _("名称"), 80),
        points=points,
        stock=stock,
        provider=provider,
    )
    audit.record(actor=actor, action="volunteer.reward_create", target=reward, data={"stock": stock})
    return reward


@transaction.atomic
def restock(*, actor: User, reward: Reward, add: int) -> Reward:
    permissions.require(actor, "reward.manage", reward)
    if add < 1:
        raise FieldError("add", _("补货数量至少为1。"))
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + add)
    reward.refresh_from_db()
    audit.record(actor=actor, action="volunteer.reward_restock", target=reward, data={"add": add})
    return reward


@transaction.atomic
def redeem(*, volunteer: Volunteer, reward: Reward, now: dt.datetime | None = None) -> Redemption:
    """Take one item for its points: the balance is checked under the volunteer's lock and the
    stock taken by a conditional update, so two people taking the last item cannot both win."""
    now = now or timezone.now()
    volunteer = _lock(volunteer)
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward.active:
        raise Conflict(_("该商品已下架。"))
    if reward.subdistrict_id != volunteer.subdistrict_id:
        raise NotAllowed(_("只能兑换本街道积分商城的商品。"))
    have = ledger.balance(volunteer)
    if have < reward.points and not ledger.rule_for(volunteer).allow_negative:
        raise ledger.NotEnoughPoints(
            _("积分不足：当前余额 %(have)s 分，兑换“%(name)s”需要 %(need)s 分。")
            % {"have": have, "name": reward.name, "need": reward.points},
            details={"balance": have, "needed": reward.points},
        )
    if not Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1):
        raise Conflict(_("“%(name)s”已兑完。") % {"name": reward.name}, code="out_of_stock")
    redemption = Redemption.objects.create(
        subdistrict_id=volunteer.subdistrict_id,
        area_id=volunteer.area_id,
        reward=reward,
        volunteer=volunteer,
        points=reward.points,
    )
    ledger.post(
        volunteer=volunteer,
        points=-reward.points,
        kind=EntryKind.REDEEM,
        reason=_("兑换：%(name)s") % {"name": reward.name},
        source_ref=f"redemption:{redemption.pk}",
        at=now,
    )
    return redemption


@transaction.atomic
def fulfil_redemption(*, actor: User, redemption: Redemption, now: dt.datetime | None = None) -> Redemption:
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    permissions.require(actor, "redemption.handle", redemption)
    if redemption.state != RedemptionState.REQUESTED:
        raise Conflict(_("该兑换已处理。"))
    redemption.state = RedemptionState.FULFILLED
    redemption.handled_by = actor
    redemption.handled_at = now or timezone.now()
    redemption.save(update_fields=["state", "handled_by", "handled_at", "updated_at"])
    return redemption


@transaction.atomic
def cancel_redemption(
    *,
    redemption: Redemption,
    actor: User | None = None,
    volunteer: Volunteer | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Redemption:
    """Cancel a redemption not yet handed over: the item goes back to stock, the points back to
    the volunteer as a refund entry."""
    now = now or timezone.now()
    redemption = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward", "volunteer")
        .get(pk=redemption.pk)
    )
    if actor is not None:
        permissions.require(actor, "redemption.handle", redemption)
    elif volunteer is None or volunteer.pk != redemption.volunteer_id:
        raise NotAllowed()
    if redemption.state != RedemptionState.REQUESTED:
        raise Conflict(_("该兑换已处理，不能取消。"))
    owner = _lock(redemption.volunteer)
    redemption.state = RedemptionState.CANCELLED
    redemption.handled_by = actor
    redemption.handled_at = now
    redemption.note = (note or "")[:200]
    redemption.save(update_fields=["state", "handled_by", "handled_at", "note", "updated_at"])
    Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    ledger.post(
        volunteer=owner,
        points=redemption.points,
        kind=EntryKind.REFUND,
        reason=_("取消兑换：%(name)s") % {"name": redemption.reward.name},
        source_ref=f"redemption:{redemption.pk}",
        actor=actor,
        at=now,
    )
    return redemption


@transaction.atomic
def gift(
    *, giver: Volunteer, receiver: Volunteer, points: int, note: str = "", now: dt.datetime | None = None
) -> uuid.UUID:
    """Give points to another volunteer: two entries under one transfer that sum to zero."""
    now = now or timezone.now()
    if points < 1:
        raise FieldError("points", _("转赠积分至少为1。"))
    if giver.pk == receiver.pk:
        raise FieldError("receiver", _("不能转赠给自己。"))
    if giver.subdistrict_id != receiver.subdistrict_id:
        raise NotAllowed(_("只能转赠给本街道的志愿者。"))
    first, second = sorted([giver, receiver], key=lambda v: v.pk)  # one lock order: no deadlock
    locked = {v.pk: _lock(v) for v in (first, second)}
    transfer = uuid.uuid4()
    reason = (note or "").strip()[:100]
    ledger.post(
        volunteer=locked[giver.pk],
        points=-points,
        kind=EntryKind.GIFT_OUT,
        reason=_("转赠给%(name)s %(note)s") % {"name": receiver.name, "note": reason},
        transfer=transfer,
        at=now,
        allow_negative=False,
    )
    ledger.post(
        volunteer=locked[receiver.pk],
        points=points,
        kind=EntryKind.GIFT_IN,
        reason=_("收到%(name)s的转赠 %(note)s") % {"name": giver.name, "note": reason},
        transfer=transfer,
        at=now,
    )
    return transfer


@transaction.atomic
def correct(
    *, actor: User, volunteer: Volunteer, points: int, reason: str, entry: PointsEntry | None = None, now=None
) -> PointsEntry:
    """A correction is a new entry with its reason (the wrong entry stays as it was)."""
    volunteer = _lock(volunteer)
    permissions.require(actor, "points.correct", volunteer)
    reason = _text(reason, "reason", _("更正原因"), 200)
    if points == 0:
        raise FieldError("points", _("更正积分不能为0。"))
    if entry is not None and entry.volunteer_id != volunteer.pk:
        raise FieldError("entry", _("只能更正该志愿者自己的流水。"))
    made = ledger.post(
        volunteer=volunteer,
        points=points,
        kind=EntryKind.CORRECTION,
        reason=reason,
        corrects=entry,
        actor=actor,
        at=now,
    )
    audit.record(actor=actor, action="volunteer.points_correct", target=volunteer, data={"points": points})
    return made


def expire_points(*, today: dt.date | None = None) -> int:
    """Write an expiry entry for what is left of each earning past its date (idempotent: one
    expiry per earning, by its source). Returns how many were written."""
    today = today or timezone.localdate()
    written = 0
    candidates = (
        PointsEntry.objects.filter(expires_on__lt=today, points__gt=0)
        .values_list("volunteer_id", flat=True)
        .distinct()
    )
    for volunteer in Volunteer.objects.filter(pk__in=list(candidates)):
        with transaction.atomic():
            volunteer = _lock(volunteer)
            for lot in ledger.lots_of(volunteer):
                if lot.expires_on is None or lot.expires_on >= today or lot.remaining <= 0:
                    continue
                ref = f"entry:{lot.entry_id}"
                if PointsEntry.objects.filter(kind=EntryKind.EXPIRY, source_ref=ref).exists():
                    continue
                ledger.post(
                    volunteer=volunteer,
                    points=-lot.remaining,
                    kind=EntryKind.EXPIRY,
                    reason=_("积分过期（%(date)s到期）") % {"date": lot.expires_on},
                    source_ref=ref,
                    allow_negative=True,
                )
                written += 1
    return written
