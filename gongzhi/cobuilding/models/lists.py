"""资源清单 / 需求清单 / 项目清单 and the claims (认领) that match a unit to a need."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Organization
from gongzhi.territory.models import Area


class Category(models.TextChoices):
    ELDERLY = "elderly", _("为老服务")
    CHILDREN = "children", _("青少年服务")
    VOLUNTEER = "volunteer", _("志愿服务")
    VENUE = "venue", _("场地设施")
    EMPLOYMENT = "employment", _("就业创业")
    LEGAL = "legal", _("法律咨询")
    HEALTH = "health", _("医疗健康")
    CULTURE = "culture", _("文化教育")
    GOODS = "goods", _("物资捐赠")
    FUNDS = "funds", _("资金支持")
    EXPERTISE = "expertise", _("专业技术")
    ENVIRONMENT = "environment", _("环境整治")
    OTHER = "other", _("其他")


class Urgency(models.IntegerChoices):
    LOW = 1, _("一般")
    MEDIUM = 2, _("较急")
    HIGH = 3, _("紧急")


class ResourceState(models.TextChoices):
    OFFERED = "offered", _("已申报")
    ACTIVE = "active", _("可认领")
    COMMITTED = "committed", _("已部分使用")
    EXHAUSTED = "exhausted", _("已用完")


class Resource(TimeStamped):
    """What a unit offers: category, description, capacity (in its own unit: hours, places,
    people, yuan), when, where and for whom."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("服务范围"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("提供单位"),
        on_delete=models.PROTECT,
        related_name="cobuilding_resources",
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("资源"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    capacity = models.PositiveIntegerField(_("数量"), default=1)
    capacity_unit = models.CharField(_("计量单位"), max_length=10, default="次")
    used = models.PositiveIntegerField(_("已使用"), default=0)
    available_from = models.DateField(_("可用开始"), null=True, blank=True)
    available_until = models.DateField(_("可用截止"), null=True, blank=True)
    when = models.CharField(_("服务时间"), max_length=80, blank=True)
    where = models.CharField(_("服务地点"), max_length=120, blank=True)
    for_whom = models.CharField(_("服务对象"), max_length=80, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=ResourceState.choices, default=ResourceState.OFFERED
    )

    class Meta:
        verbose_name = _("资源")
        verbose_name_plural = _("资源清单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used__lte=F("capacity")), name="cobuilding_resource_not_overused"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="cobuilding_resource_capacity_positive"
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "state", "category"])]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return self.capacity - self.used


class NeedState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("待认领")
    PARTLY_CLAIMED = "partly_claimed", _("部分认领")
    CLAIMED = "claimed", _("已认领")
    IN_PROJECT = "in_project", _("项目实施中")
    DELIVERED = "delivered", _("已办结")
    EVALUATED = "evaluated", _("已评价")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")


class Need(TimeStamped):
    """What a neighbourhood, a group or a unit needs; `quantity` in the same units as the
    resources that may serve it, so claims can be partial."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("需求所在"), on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        Organization,
        verbose_name=_("提出单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cobuilding_needs",
    )
    group = models.CharField(_("提出群体"), max_length=60, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("需求"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    urgency = models.PositiveSmallIntegerField(_("紧急程度"), choices=Urgency.choices, default=Urgency.LOW)
    beneficiaries = models.PositiveIntegerField(_("受益人数"), default=0)
    quantity = models.PositiveIntegerField(_("所需数量"), default=1)
    claimed = models.PositiveIntegerField(_("已认领数量"), default=0)
    due_on = models.DateField(_("期望完成"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=NeedState.choices, default=NeedState.DRAFT)
    result = models.TextField(_("办理结果"), blank=True)
    score = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求清单")
        ordering = ["-urgency", "due_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed__lte=F("quantity")), name="cobuilding_need_not_overclaimed"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cobuilding_need_quantity_positive"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="cobuilding_need_score_range",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "state", "category"])]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return self.quantity - self.claimed


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", _("已认领")
    DELIVERED = "delivered", _("已兑现")
    RELEASED = "released", _("已放弃")


class Claim(TimeStamped):
    """A unit claims (认领) part or all of a need, optionally out of one of its resources."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="claims")
    organization = models.ForeignKey(
        Organization, verbose_name=_("认领单位"), on_delete=models.PROTECT, related_name="cobuilding_claims"
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("使用资源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    quantity = models.PositiveIntegerField(_("认领数量"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("认领")
        verbose_name_plural = _("认领")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="cobuilding_claim_positive")]


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", _("已立项")
    SIGNED = "signed", _("已签约")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成")
    EVALUATED = "evaluated", _("已评估")


# 六共: stored as labels the deployment may change (no single published list, research note).
SIX_TOGETHER = ("供需共商", "资源共享", "信息共通", "项目共建", "难题共解", "发展共促")


class Project(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("实施区域"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("项目"), max_length=120)
    description = models.TextField(_("内容"), blank=True)
    lead = models.ForeignKey(
        Organization,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="cobuilding_led_projects",
    )
    partners = models.ManyToManyField(
        Organization, verbose_name=_("参与单位"), blank=True, related_name="cobuilding_projects"
    )
    needs = models.ManyToManyField(Need, verbose_name=_("对应需求"), blank=True, related_name="projects")
    resources = models.ManyToManyField(
        Resource, verbose_name=_("使用资源"), blank=True, related_name="projects"
    )
    tags = models.JSONField(_("六共"), default=list, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, default=0)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("计划完成"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    result = models.TextField(_("成效"), blank=True)
    score = models.PositiveSmallIntegerField(_("评估得分"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=ProjectState.choices, default=ProjectState.PROPOSED
    )

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目清单")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="cobuilding_project_progress_range"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="cobuilding_project_period"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="cobuilding_project_budget"),
        ]

    def __str__(self) -> str:
        return self.title
