"""志愿+: volunteers, service scenarios and opportunities, sign-ups, service records (hours),
small good deeds, and the points ledger with its shop.

Hours and points are two different things: hours are the sum of a volunteer's service records
(the record 民政部令67号 asks for: activity, time, place), points are the sum of the volunteer's
ledger entries. Neither is stored as a mutable number. Ledger entries are only ever added: a
correction, a refund or an expiry is a new entry (TimeOverflow's Movements under a Transfer).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Organization, Resident, Sealed
from gongzhi.territory.models import Area


def new_code() -> str:
    return secrets.token_urlsafe(12)


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("未实名")
    VERIFIED = "verified", _("已实名")
    REJECTED = "rejected", _("核验未通过")


class Skill(models.Model):
    """A talent or skill tag (达人/能人): 摄影, 法律咨询, City Walk 导览, 理发…"""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("技能"), max_length=40)

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["subdistrict_id", "name"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="volunteer_skill_unique")]

    def __str__(self) -> str:
        return self.name


class Team(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("队伍名称"), max_length=80)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("依托单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["subdistrict_id", "name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(Sealed, TimeStamped):
    """A registered volunteer: a resident of the area, or someone from one of its units."""

    SEALED = {"phone": "phone"}

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("报到居民区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=40, db_index=True)
    phone_enc = models.TextField(editable=False, blank=True, default="")
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, default="", db_index=True)
    phone_mask = models.CharField(_("手机号"), max_length=24, editable=False, blank=True, default="")
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification = models.CharField(
        _("实名状态"), max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_at = models.DateTimeField(_("实名时间"), null=True, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("技能"), blank=True, related_name="volunteers")
    talent = models.BooleanField(_("社区达人"), default=False)
    availability = models.CharField(
        _("可服务时间"), max_length=120, blank=True, help_text=_("例如：Sa,Su 09:00-12:00")
    )
    teams = models.ManyToManyField(Team, verbose_name=_("服务队"), blank=True, related_name="members")
    # 在职党员双报到: a party member working in a unit registers where they live.
    party_member = models.BooleanField(_("在职党员"), default=False)
    party_unit = models.ForeignKey(
        Organization,
        verbose_name=_("工作单位党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    joined_on = models.DateField(_("注册日期"))
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["subdistrict_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "phone_hash"],
                condition=~Q(phone_hash=""),
                name="volunteer_unique_phone",
            ),
            models.CheckConstraint(
                condition=Q(party_member=True) | Q(party_unit__isnull=True),
                name="volunteer_party_unit_needs_member",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "active"])]

    def __str__(self) -> str:
        return self.name


class CredentialKind(models.TextChoices):
    TRAINING = "training", _("培训")
    AWARD = "award", _("表彰奖励")
    EVALUATION = "evaluation", _("服务评价")


class Credential(models.Model):
    """Training, awards and evaluations: the rest of a volunteer record (民政部令67号)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(_("类别"), max_length=12, choices=CredentialKind.choices)
    title = models.CharField(_("名称"), max_length=120)
    on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("培训与表彰")
        verbose_name_plural = _("培训与表彰")
        ordering = ["-on", "-id"]
        constraints = [
            # The same training, award or evaluation on the same day is one record (a form sent
            # twice, or two people entering the same certificate, writes it once).
            models.UniqueConstraint(fields=["volunteer", "kind", "title", "on"], name="credential_once")
        ]


class PointsRule(models.Model):
    """How a neighbourhood gives points (the 红旗议事厅 rules of 华二, for instance)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.OneToOneField(Area, verbose_name=_("居民区"), on_delete=models.CASCADE, related_name="+")
    points_per_hour = models.PositiveIntegerField(_("每小时积分"), default=10)
    points_per_deed = models.PositiveIntegerField(_("每件善举积分"), default=5)
    daily_cap = models.PositiveIntegerField(_("每日上限"), default=50)
    monthly_cap = models.PositiveIntegerField(_("每月上限"), default=300)
    expiry_days = models.PositiveIntegerField(_("有效期（天）"), null=True, blank=True)
    allow_negative = models.BooleanField(_("允许透支"), default=False)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def __str__(self) -> str:
        return f"{self.area} {self.points_per_hour}/h"


class Scenario(models.Model):
    """A service scenario of 志愿+ (助老, 环境, 文明, 平安, 关爱…)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("服务场景"), max_length=40)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务场景")
        verbose_name_plural = _("服务场景")
        ordering = ["subdistrict_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="volunteer_scenario_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityState(models.TextChoices):
    OPEN = "open", _("报名中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Opportunity(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    scenario = models.ForeignKey(
        Scenario, verbose_name=_("服务场景"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("活动名称"), max_length=120)
    organiser = models.ForeignKey(
        Organization,
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(_("地点"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    slots = models.PositiveIntegerField(_("名额"))
    skills = models.ManyToManyField(Skill, verbose_name=_("所需技能"), blank=True, related_name="+")
    points_per_hour = models.PositiveIntegerField(_("每小时积分"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=OpportunityState.choices, default="open")
    code = models.CharField(max_length=32, unique=True, default=new_code, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="opportunity_period_order"),
            models.CheckConstraint(condition=Q(slots__gte=1), name="opportunity_has_slots"),
        ]
        indexes = [models.Index(fields=["subdistrict", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class SignupState(models.TextChoices):
    APPLIED = "applied", _("已报名")
    CONFIRMED = "confirmed", _("已确认")
    WAITLISTED = "waitlisted", _("候补")
    CHECKED_IN = "checked_in", _("已签到")
    COMPLETED = "completed", _("已签退")
    VERIFIED = "verified", _("已核实")
    CREDITED = "credited", _("已记积分")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("未到场")


class Signup(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    state = models.CharField(_("状态"), max_length=12, choices=SignupState.choices, default="applied")
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    travel_minutes = models.PositiveIntegerField(_("路途时间（分钟）"), default=0)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "volunteer"], name="signup_once"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gt=F("checked_in_at")),
                name="signup_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.opportunity}"


class RecordSource(models.TextChoices):
    ACTIVITY = "activity", _("志愿活动")
    CARE = "care", _("关爱走访")
    DEED = "deed", _("小微善举")
    OTHER = "other", _("其他服务")


class ServiceRecord(models.Model):
    """One piece of service: activity, time, place and hours (travel excluded). Added, never
    rewritten; hours of a volunteer are the sum of these."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(_("来源"), max_length=10, choices=RecordSource.choices)
    source_ref = models.CharField(max_length=40)  # "signup:12", "checkin:7"
    activity = models.CharField(_("服务内容"), max_length=120)
    place = models.CharField(_("服务地点"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_ref"], name="service_record_once_per_source"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="service_record_hours_positive"),
            models.CheckConstraint(condition=Q(ended_at__gte=F("started_at")), name="service_record_period"),
        ]
        indexes = [models.Index(fields=["volunteer", "started_at"])]


class DeedState(models.TextChoices):
    REPORTED = "reported", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")


class GoodDeed(TimeStamped):
    """小微善举: reported by someone, confirmed by a second person before any points are given."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="deeds"
    )
    description = models.CharField(_("善举内容"), max_length=200)
    happened_on = models.DateField(_("日期"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(_("报告人"), max_length=40, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=DeedState.choices, default="reported")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("小微善举")
        verbose_name_plural = _("小微善举")
        ordering = ["-happened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True)
                | Q(reported_by__isnull=True)
                | ~Q(confirmed_by=F("reported_by")),
                name="deed_confirmed_by_a_second_person",
            )
        ]


class EntryKind(models.TextChoices):
    SERVICE = "service", _("服务积分")
    DEED = "deed", _("善举积分")
    REDEEM = "redeem", _("兑换")
    REFUND = "refund", _("兑换退回")
    GIFT_OUT = "gift_out", _("转赠给他人")
    GIFT_IN = "gift_in", _("收到转赠")
    CORRECTION = "correction", _("更正")
    EXPIRY = "expiry", _("过期")


EARNING_KINDS = (EntryKind.SERVICE, EntryKind.DEED)


class AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("ledger entries are never changed: add a correcting entry")

    def delete(self):
        raise TypeError("ledger entries are never deleted: add a correcting entry")


class PointsEntry(models.Model):
    """One line of the points ledger. Never updated or deleted; a balance is a sum."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    points = models.IntegerField(_("积分"))
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    reason = models.CharField(_("事由"), max_length=200)
    source_ref = models.CharField(_("来源"), max_length=40, blank=True)  # "signup:3", "redemption:9"
    transfer = models.UUIDField(null=True, blank=True, db_index=True)  # the two entries of a gift
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), db_index=True)

    objects = AppendOnly.as_manager()

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero"),
            # An earning, a redemption's charge, a refund or an expiry happens once per source.
            models.UniqueConstraint(
                fields=["kind", "source_ref"],
                condition=~Q(source_ref="") & ~Q(kind__in=["correction", "gift_out", "gift_in"]),
                name="points_entry_once_per_source",
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["service", "deed", "refund", "gift_in"]) & Q(points__gt=0))
                | (Q(kind__in=["redeem", "gift_out", "expiry"]) & Q(points__lt=0))
                | Q(kind="correction"),
                name="points_entry_sign_follows_kind",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.points:+d} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("ledger entries are never changed: add a correcting entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger entries are never deleted: add a correcting entry")


class Reward(TimeStamped):
    """An item of the points shop, with its stock."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("兑换点"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("物品/服务"), max_length=80)
    points = models.PositiveIntegerField(_("所需积分"))
    stock = models.PositiveIntegerField(_("库存"))
    provider = models.ForeignKey(
        Organization,
        verbose_name=_("提供单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("积分商品")
        verbose_name_plural = _("积分商城")
        ordering = ["subdistrict_id", "points", "id"]
        constraints = [models.CheckConstraint(condition=Q(points__gte=1), name="reward_costs_points")]

    def __str__(self) -> str:
        return self.name


class RedemptionState(models.TextChoices):
    REQUESTED = "requested", _("待领取")
    FULFILLED = "fulfilled", _("已领取")
    CANCELLED = "cancelled", _("已取消")


class Redemption(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("积分"))
    state = models.CharField(_("状态"), max_length=10, choices=RedemptionState.choices, default="requested")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("兑换")
        verbose_name_plural = _("兑换")
        ordering = ["-created_at", "-id"]


def new_transfer() -> uuid.UUID:
    return uuid.uuid4()
