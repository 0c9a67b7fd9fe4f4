"""旧区改造 / 城市更新 and 加装电梯: a project's consultation and signing rounds, counted per
certificate (权证 / 承租凭证; for a lift, per dwelling), with one plan per household (一户一策):
the responsible cadre, contacts, obstacles, and each round's answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Dwelling
from gongzhi.territory.models import Area


class Kind(models.TextChoices):
    OLD_AREA = "old_area", _("旧区改造（征收）")
    REBUILD = "rebuild", _("拆除重建")
    LIFT = "lift", _("加装电梯")
    RETROFIT = "retrofit", _("综合修缮")


class ProjectState(models.TextChoices):
    PREPARED = "prepared", _("准备中")
    ROUND1_OPEN = "round1_open", _("第一轮征询中")
    ROUND1_PASSED = "round1_passed", _("第一轮征询通过")
    ROUND1_FAILED = "round1_failed", _("第一轮征询未通过")
    ROUND2_OPEN = "round2_open", _("签约中")
    EFFECTIVE = "effective", _("签约生效")
    VOID = "void", _("签约未生效")
    CLEARED = "cleared", _("搬迁完成")


class Project(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("地块/楼栋"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("项目名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=ProjectState.choices, default=ProjectState.PREPARED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("更新改造项目")
        verbose_name_plural = _("更新改造项目")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "state"])]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """A consultation (1) or signing (2) round: its window and threshold (a percentage of the
    eligible certificates; `strict` for "more than", as round 1's > 90%)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    threshold = models.DecimalField(_("生效比例（%）"), max_digits=5, decimal_places=2)
    strict = models.BooleanField(_("须超过该比例"), default=False)
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    reached_on = models.DateField(_("达到比例日期"), null=True, blank=True)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    passed = models.BooleanField(_("通过"), null=True, blank=True)

    class Meta:
        verbose_name = _("征询/签约轮次")
        verbose_name_plural = _("征询/签约轮次")
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="round_unique_number"),
            models.CheckConstraint(condition=Q(number__in=[1, 2]), name="round_one_or_two"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="round_period_order"),
            models.CheckConstraint(
                condition=Q(threshold__gt=0) & Q(threshold__lte=100), name="round_threshold_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.number}轮"


class CertificateState(models.TextChoices):
    UNVISITED = "unvisited", _("未走访")
    VISITED = "visited", _("已走访")
    AGREED = "agreed", _("已同意")
    SIGNED = "signed", _("已签约")
    MOVED = "moved", _("已搬离")


class CertificateKind(models.TextChoices):
    TITLE = "title", _("产权证")
    TENANCY = "tenancy", _("承租凭证")
    DWELLING = "dwelling", _("房屋（按户）")


class Certificate(TimeStamped):
    """The counting unit: one certificate, with its dwellings, holders and households."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="certificates")
    number = models.CharField(_("证号"), max_length=40)
    kind = models.CharField(
        _("类型"), max_length=10, choices=CertificateKind.choices, default=CertificateKind.TITLE
    )
    holders = models.CharField(_("权利人/承租人"), max_length=120)
    households = models.PositiveSmallIntegerField(_("户数"), default=1)
    persons = models.PositiveSmallIntegerField(_("人数"), default=1)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    dwellings = models.ManyToManyField(Dwelling, verbose_name=_("房屋"), blank=True, related_name="+")
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包保干部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=10, choices=CertificateState.choices, default="unvisited")
    plan = models.TextField(_("一户一策"), blank=True)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    moved_on = models.DateField(_("搬离日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("权证")
        verbose_name_plural = _("权证")
        ordering = ["project_id", "area_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="certificate_unique_number")
        ]
        indexes = [models.Index(fields=["project", "state"])]

    def __str__(self) -> str:
        return self.number


class Answer(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("不同意")
    SIGNED = "signed", _("签约")


class Response(models.Model):
    """A certificate's answer in a round: one per round and certificate."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="responses")
    answer = models.CharField(_("意见"), max_length=10, choices=Answer.choices)
    on = models.DateField(_("日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("征询/签约意见")
        verbose_name_plural = _("征询/签约意见")
        constraints = [
            models.UniqueConstraint(fields=["round", "certificate"], name="response_one_per_round")
        ]
        indexes = [models.Index(fields=["round", "answer", "on"])]


class Contact(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="contacts")
    on = models.DateField(_("日期"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("情况"), max_length=300)

    class Meta:
        verbose_name = _("走访联系")
        verbose_name_plural = _("走访联系")
        ordering = ["certificate_id", "-on", "-id"]


class ObstacleKind(models.TextChoices):
    INHERITANCE = "inheritance", _("继承未析产")
    FAMILY = "family", _("家庭矛盾")
    VALUATION = "valuation", _("补偿估价分歧")
    ELDERLY = "elderly", _("独居老人")
    UNREACHABLE = "unreachable", _("联系不上")
    OTHER = "other", _("其他")


class Obstacle(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="obstacles")
    kind = models.CharField(_("难点"), max_length=20, choices=ObstacleKind.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    raised_on = models.DateField(_("发现日期"))
    resolved_on = models.DateField(_("化解日期"), null=True, blank=True)
    resolution = models.CharField(_("化解方式"), max_length=300, blank=True)
    mediation_ref = models.CharField(_("调解案件"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("难点")
        verbose_name_plural = _("难点")
        ordering = ["certificate_id", "raised_on", "id"]
