"""走访: recorded visits to households and organisations, and visit campaigns (e.g. 四百走访)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Household, Organization, Resident
from gongzhi.territory.models import Area


class Mode(models.TextChoices):
    DOOR = "door", _("入户")
    PHONE = "phone", _("电话")
    ONLINE = "online", _("线上")


class Target(models.TextChoices):
    HOUSEHOLDS = "households", _("全部住户")
    ORGANIZATIONS = "organizations", _("全部单位")
    BOTH = "both", _("住户和单位")


class Campaign(TimeStamped):
    """A drive to visit every household and/or unit of an area within a period."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=80)
    target = models.CharField(_("对象"), max_length=20, choices=Target.choices, default=Target.HOUSEHOLDS)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("走访任务")
        verbose_name_plural = _("走访任务")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Visit(TimeStamped):
    """One visit to a household or an organisation: who went, when, how, what was found and
    needed; the cases it raised are linked."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    household = models.ForeignKey(
        Household,
        verbose_name=_("住户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    met = models.ForeignKey(
        Resident,
        verbose_name=_("接待人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits_met",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("走访任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("走访日期"), db_index=True)
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices, default=Mode.DOOR)
    findings = models.TextField(_("走访情况"))
    needs = models.TextField(_("需求"), blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("发起的工单"), blank=True, related_name="visits"
    )

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=False) & Q(organization__isnull=True))
                | (Q(household__isnull=True) & Q(organization__isnull=False)),
                name="visit_one_target",
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.target}"

    @property
    def target(self):
        return self.household or self.organization


class VisitPhoto(models.Model):
    """A photo taken on a visit (what was found, a notice posted, a hazard), checked and re-encoded
    like every case photo (cases.photos.check_photo: GPS and other metadata dropped)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    file = models.FileField(upload_to="visits/%Y/%m/")
    name = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["visit", "pk"]
