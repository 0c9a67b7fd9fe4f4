"""关爱: who is cared for (a saved tag query on the registry), how often, who looks after whom,
the contacts due and made, and the alerts raised when a contact is missed.

A cared-for person (`Recipient`) comes from one or more saved groups (`CareGroup`: 独居 AND
age ≥ 80 in a neighbourhood; 孤老; 低保 AND 重病) or is enrolled by hand. Each has a risk level
that sets how often they must be contacted; the sweep keeps one open `Due` per person, and a
contact that reaches them (`CheckIn`) meets it and sets the next. Not reaching someone twice in a
row, or a contact overdue by the policy's margin, raises an `Alert`; longer, the alert goes up to
the subdistrict. Every alert is acknowledged and closed with what was done.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Organization, Resident, Tag
from gongzhi.territory.models import Area


class Risk(models.TextChoices):
    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")
    LOW = "low", _("低风险")


RISK_ORDER = {Risk.HIGH: 0, Risk.MEDIUM: 1, Risk.LOW: 2}


class Frequency(models.TextChoices):
    DAILY = "daily", _("每天")
    TWICE_WEEKLY = "twice_weekly", _("每周两次")
    WEEKLY = "weekly", _("每周一次")
    MONTHLY = "monthly", _("每月一次")


# The next contact after one made on day D: daily ones on the next calendar day (holidays too),
# the others after this many working days of the official calendar.
WORKING_DAYS = {Frequency.TWICE_WEEKLY: 2, Frequency.WEEKLY: 5, Frequency.MONTHLY: 20}


class CarePolicy(models.Model):
    """A subdistrict's settings (defaults when it has none): frequency per risk level, the margin
    after which a missed contact alerts the back-up and the neighbourhood, and how much longer
    before the subdistrict is told."""

    subdistrict = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="+")
    high = models.CharField(
        _("高风险频次"), max_length=14, choices=Frequency.choices, default=Frequency.DAILY
    )
    medium = models.CharField(
        _("中风险频次"), max_length=14, choices=Frequency.choices, default=Frequency.TWICE_WEEKLY
    )
    low = models.CharField(
        _("低风险频次"), max_length=14, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    margin_days = models.PositiveSmallIntegerField(_("逾期提醒（工作日）"), default=1)
    subdistrict_after_days = models.PositiveSmallIntegerField(_("上报街道（再过工作日）"), default=2)
    not_reached_limit = models.PositiveSmallIntegerField(_("连续未联系上次数"), default=2)

    class Meta:
        verbose_name = _("关爱规则")
        verbose_name_plural = _("关爱规则")

    def frequency_for(self, risk: str) -> str:
        return getattr(self, risk)


class CareGroup(TimeStamped):
    """A saved query on the registry: residents of `area` holding ALL `tags`, at least `min_age`."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签（同时具有）"), related_name="+")
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    risk = models.CharField(_("默认风险等级"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("关爱人群")
        verbose_name_plural = _("关爱人群")
        ordering = ["subdistrict_id", "name"]

    def __str__(self) -> str:
        return self.name


class Recipient(TimeStamped):
    """A cared-for person."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="care"
    )
    risk = models.CharField(_("风险等级"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    reasons = models.CharField(_("风险原因"), max_length=200, blank=True)
    frequency = models.CharField(
        _("联系频次"), max_length=14, choices=Frequency.choices, blank=True, help_text=_("留空则按风险等级")
    )
    groups = models.ManyToManyField(CareGroup, verbose_name=_("所属人群"), blank=True, related_name="members")
    manual = models.BooleanField(_("人工纳入"), default=False)
    active = models.BooleanField(_("关爱中"), default=True)
    enrolled_on = models.DateField(_("纳入日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("关爱对象")
        verbose_name_plural = _("关爱对象")
        ordering = ["area_id", "id"]
        indexes = [models.Index(fields=["subdistrict", "active"])]

    def __str__(self) -> str:
        return str(self.resident)


class AssigneeKind(models.TextChoices):
    GRIDWORKER = "gridworker", _("网格员")
    NEIGHBOURHOOD = "neighbourhood", _("居委干部")
    VOLUNTEER = "volunteer", _("志愿者")
    NEIGHBOUR = "neighbour", _("结对邻居")
    UNIT = "unit", _("联盟成员单位")


class AssigneeRole(models.TextChoices):
    PRIMARY = "primary", _("主责")
    BACKUP = "backup", _("备岗")


class Assignment(TimeStamped):
    """Who looks after whom: a staff member, a volunteer (a 结对 neighbour is a volunteer too) or
    a member unit of the care alliance (the shop that sees the elder every day)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("职责"), max_length=10, choices=AssigneeRole.choices)
    kind = models.CharField(_("类型"), max_length=14, choices=AssigneeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duties = models.CharField(_("做什么"), max_length=200, blank=True)
    active = models.BooleanField(default=True)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("关爱结对")
        verbose_name_plural = _("关爱结对")
        ordering = ["recipient_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "role"], condition=Q(active=True), name="care_one_active_per_role"
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(volunteer__isnull=True) & Q(organization__isnull=True))
                | (Q(user__isnull=True) & Q(volunteer__isnull=False) & Q(organization__isnull=True))
                | (Q(user__isnull=True) & Q(volunteer__isnull=True) & Q(organization__isnull=False)),
                name="care_assignee_is_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.assignee}"

    @property
    def assignee(self):
        return self.user or self.volunteer or self.organization


class Due(models.Model):
    """A contact due on a day. One open due per person; a contact that reaches them meets it."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="dues")
    due_on = models.DateField(_("应联系日期"), db_index=True)
    frequency = models.CharField(_("频次"), max_length=14, choices=Frequency.choices)
    # The policy's margin when the due was opened: a policy changed later applies from the next
    # due, so an open one keeps its day and the moment it turns into an alert. None on dues
    # opened before the margin was kept (they follow the current policy).
    margin_days = models.PositiveSmallIntegerField(_("逾期提醒（工作日）"), null=True, blank=True)
    met_at = models.DateTimeField(_("联系时间"), null=True, blank=True)
    check_in = models.OneToOneField(
        "CheckIn", null=True, blank=True, on_delete=models.SET_NULL, related_name="met_due"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("应联系")
        verbose_name_plural = _("应联系")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "due_on"], name="care_due_once_a_day"),
            models.UniqueConstraint(
                fields=["recipient"], condition=Q(met_at__isnull=True), name="care_one_open_due"
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "met_at", "due_on"])]

    @property
    def is_open(self) -> bool:
        return self.met_at is None

    def on_time(self) -> bool | None:
        if self.met_at is None:
            return None
        from django.utils import timezone

        return timezone.localtime(self.met_at).date() <= self.due_on


class Mode(models.TextChoices):
    VISIT = "visit", _("上门")
    PHONE = "phone", _("电话")
    SHOP = "shop", _("店内见到")
    VIDEO = "video", _("视频")


class Outcome(models.TextChoices):
    WELL = "well", _("安好")
    NEEDS_HELP = "needs_help", _("需要帮助")
    NOT_REACHED = "not_reached", _("未联系上")


REACHED = (Outcome.WELL, Outcome.NEEDS_HELP)


class CheckIn(models.Model):
    """One contact attempt, recorded on a phone: how, how they were, a note, maybe a photo."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="check_ins")
    at = models.DateTimeField(_("联系时间"), db_index=True)
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices)
    outcome = models.CharField(_("情况"), max_length=12, choices=Outcome.choices)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    photo = models.ImageField(_("照片"), upload_to="care/%Y/%m/", blank=True)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_volunteer = models.ForeignKey(
        "volunteers.Volunteer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveSmallIntegerField(_("服务时长（分钟）"), default=0)
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="care_check_ins")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关爱联系")
        verbose_name_plural = _("关爱联系")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(by_user__isnull=False) | Q(by_volunteer__isnull=False),
                name="care_check_in_has_author",
            )
        ]
        indexes = [models.Index(fields=["recipient", "at"])]

    @property
    def by(self):
        return self.by_user or self.by_volunteer


class AlertReason(models.TextChoices):
    OVERDUE = "overdue", _("联系逾期")
    NOT_REACHED = "not_reached", _("连续未联系上")
    HIGH_RISK = "high_risk", _("高风险对象未联系上")


class AlertLevel(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("居民区")
    SUBDISTRICT = "subdistrict", _("街道")


class AlertState(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已接收")
    CLOSED = "closed", _("已办结")


class Alert(models.Model):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="alerts")
    reason = models.CharField(_("原因"), max_length=12, choices=AlertReason.choices)
    level = models.CharField(
        _("层级"), max_length=14, choices=AlertLevel.choices, default=AlertLevel.NEIGHBOURHOOD
    )
    state = models.CharField(_("状态"), max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    key = models.CharField(max_length=60, unique=True)  # what raised it, once: "overdue:due:12"
    due = models.ForeignKey(Due, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    check_in = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("发起时间"))
    escalated_at = models.DateTimeField(_("上报街道时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(_("处理情况"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("关爱预警")
        verbose_name_plural = _("关爱预警")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="closed") | ~Q(resolution=""), name="care_alert_closed_with_resolution"
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "state"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.recipient}"
