"""The co-building network: party organisations and the units they cover, pairings of units
with neighbourhoods, alliances, and the one timeline of every co-building object."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Organization
from gongzhi.territory.models import Area


class BranchLevel(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    COHESION_BRANCH = "cohesion_branch", _("凝聚力党支部")


class PartyBranch(TimeStamped):
    """A party organisation (an `Organization` of kind party_organization) with its level and
    parent in the party tree."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    organization = models.OneToOneField(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="party_branch"
    )
    level = models.CharField(_("层级"), max_length=20, choices=BranchLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    secretary = models.CharField(_("书记"), max_length=40, blank=True)
    members = models.PositiveIntegerField(_("党员人数"), default=0)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["subdistrict_id", "level", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="cobuilding_branch_not_own_parent")
        ]

    def __str__(self) -> str:
        return self.organization.name


class CoverageMode(models.TextChoices):
    OWN = "own", _("单独组建")
    JOINT = "joint", _("联合组建")
    AREA = "area", _("区域覆盖（凝聚力党支部）")
    WORK = "work", _("工作覆盖（党建指导员）")


class Coverage(TimeStamped):
    """A unit covered by a party organisation from `started_on` until `ended_on` (None: still).
    The rows are the history: a change ends one row and starts another."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    unit = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="coverages"
    )
    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="coverages"
    )
    mode = models.CharField(_("覆盖方式"), max_length=10, choices=CoverageMode.choices)
    started_on = models.DateField(_("覆盖起始"))
    ended_on = models.DateField(_("覆盖结束"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党组织覆盖")
        verbose_name_plural = _("党组织覆盖")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(ended_on__isnull=True), name="cobuilding_one_current_coverage"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="cobuilding_coverage_period_order",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.unit} ← {self.branch}"


class Pairing(TimeStamped):
    """结对共建: a unit paired with a neighbourhood (and its party organisation) for a term."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("居民区"), on_delete=models.PROTECT, related_name="cobuilding_pairings"
    )
    unit = models.ForeignKey(
        Organization, verbose_name=_("结对单位"), on_delete=models.PROTECT, related_name="pairings"
    )
    neighbourhood_party = models.ForeignKey(
        Organization,
        verbose_name=_("居民区党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="neighbourhood_pairings",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    plan = models.TextField(_("年度计划"), blank=True)
    ended_early_on = models.DateField(_("提前终止"), null=True, blank=True)

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = _("结对共建")
        ordering = ["area_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="cobuilding_pairing_term"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ⇄ {self.area}"

    def status(self, on) -> str:
        end = min(self.ends_on, self.ended_early_on) if self.ended_early_on else self.ends_on
        if on < self.starts_on:
            return "upcoming"
        return "active" if on <= end else "ended"

    def status_label(self, on) -> str:
        return {"upcoming": _("未开始"), "active": _("进行中"), "ended": _("已到期")}[self.status(on)]


class PairingActivity(TimeStamped):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="activities")
    held_on = models.DateField(_("活动日期"))
    title = models.CharField(_("活动"), max_length=120)
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    note = models.CharField(_("说明"), max_length=400, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("结对活动")
        verbose_name_plural = _("结对活动")
        ordering = ["-held_on", "-id"]


class PairingEvaluation(TimeStamped):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("评价"), max_length=400, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("结对评价")
        verbose_name_plural = _("结对评价")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="cobuilding_one_evaluation_a_year"),
            models.CheckConstraint(condition=Q(score__lte=100), name="cobuilding_evaluation_score_range"),
        ]


class AllianceTheme(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("养老服务")
    NIGHT_ECONOMY = "night_economy", _("夜间经济")
    MUSIC_STREET = "music_street", _("音乐街区")
    COURIERS = "couriers", _("新就业群体")
    OTHER = "other", _("其他")


class Alliance(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=80)
    theme = models.CharField(_("主题"), max_length=20, choices=AllianceTheme.choices)
    founded_on = models.DateField(_("成立日期"))
    note = models.CharField(_("说明"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("联盟")
        verbose_name_plural = _("联盟")
        ordering = ["subdistrict_id", "name"]

    def __str__(self) -> str:
        return self.name


class AllianceRole(models.TextChoices):
    LEAD = "lead", _("牵头单位")
    DEPUTY = "deputy", _("副理事单位")
    MEMBER = "member", _("成员单位")


class AllianceMember(TimeStamped):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="alliance_memberships"
    )
    role = models.CharField(
        _("角色"), max_length=10, choices=AllianceRole.choices, default=AllianceRole.MEMBER
    )
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("联盟成员")
        verbose_name_plural = _("联盟成员")
        ordering = ["alliance_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "organization"],
                condition=Q(left_on__isnull=True),
                name="cobuilding_member_once",
            )
        ]


class Timeline(models.Model):
    """What happened to any co-building object (need, resource, project, place, coverage,
    pairing), written by the service that did it, never edited."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=20)
    subject_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    note = models.CharField(max_length=400, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("共建记录")
        verbose_name_plural = _("共建记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject", "subject_id", "at"])]
