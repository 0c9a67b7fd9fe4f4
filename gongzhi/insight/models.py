"""研判督办: weekly grid meeting reports, the resident interaction index, supervision alerts.

Everything here is derived from the apps below (read, never written back); the only writes are
insight's own: a report's agenda and freezing, its decisions (each carried out through the
owning app's services), the stored index, and an alert's review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit
from gongzhi.core.models import TimeStamped
from gongzhi.territory.models import Area


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FROZEN = "frozen", _("已定稿")


class WeeklyReport(TimeStamped):
    """One grid's weekly meeting report (网格每周例会): figures drafted from the week's events,
    edited into an agenda, decisions recorded, then frozen as sent."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("周一"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # The drafted sections (providers.Section as JSON), recomputed until the report is frozen.
    sections = models.JSONField(default=list, blank=True)
    agenda = models.TextField(_("议程"), blank=True, max_length=8000)
    generated_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("网格例会报告")
        verbose_name_plural = _("网格例会报告")
        ordering = ["-week_start", "area__code"]
        constraints = [
            models.UniqueConstraint(fields=["area", "week_start"], name="weekly_report_one_per_grid_week"),
            models.CheckConstraint(
                condition=(Q(status="frozen") & Q(frozen_at__isnull=False))
                | (Q(status="draft") & Q(frozen_at__isnull=True)),
                name="weekly_report_frozen_has_time",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "-week_start"])]

    def __str__(self) -> str:
        return gettext("%(area)s %(week)s 周例会") % {
            "area": self.area,
            "week": f"{self.week_start:%Y-%m-%d}",
        }

    @property
    def frozen(self) -> bool:
        return self.status == ReportStatus.FROZEN


class DecisionKind(models.TextChoices):
    CASE_ACTION = "case_action", _("已有工单的督办事项")
    NEW_CASE = "new_case", _("新立工单")


class Decision(models.Model):
    """A meeting decision: an owner, a due date, and the case it became or acts on (written
    through the cases services, never here)."""

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="decisions")
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=DecisionKind.choices)
    text = models.CharField(_("决定事项"), max_length=500)
    owner = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成期限"))
    case = models.ForeignKey("cases.Case", verbose_name=_("工单"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("例会决定")
        verbose_name_plural = _("例会决定")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


class InteractionIndex(models.Model):
    """居民互动指数 of one neighbourhood and month, as computed (insight.index), with its parts."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    households = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    weighted = models.FloatField(default=0.0)
    reach = models.FloatField(default=0.0)
    depth = models.FloatField(default=0.0)
    responsiveness = models.FloatField(null=True, blank=True)
    value = models.FloatField(default=0.0)
    # Interactions per kind ("report": 12, …) and the three rates, for the drill-down.
    counts = models.JSONField(default=dict, blank=True)
    rates = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("居民互动指数")
        verbose_name_plural = _("居民互动指数")
        ordering = ["-month", "-value"]
        constraints = [
            models.UniqueConstraint(fields=["area", "month"], name="interaction_index_one_per_month"),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=100), name="interaction_index_0_100"
            ),
            models.CheckConstraint(
                condition=Q(reached__lte=models.F("households")), name="index_reach_le_households"
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "month"])]

    def __str__(self) -> str:
        return f"{self.area} {self.month:%Y-%m} {self.value:.1f}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待研判")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")


class Alert(TimeStamped):
    """A supervision alert (智慧监督): which rule found what, with the rows that triggered it."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("规则"), max_length=40)
    # What the alert is about, stable across scans (the same finding is not raised twice).
    key = models.CharField(max_length=200)
    title = models.CharField(_("摘要"), max_length=200)
    detail = models.TextField(_("说明"), blank=True)
    # [{"type": "case", "id": 1, "label": "…", "url": "/cases/1/"}, …]
    evidence = models.JSONField(default=list, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("涉及单位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("涉及人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    reason = models.TextField(_("研判意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("监督预警")
        verbose_name_plural = _("监督预警")
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="alert_one_per_finding"),
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(reason="") & Q(decided_at__isnull=False)),
                name="alert_decision_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "status", "-found_at"])]

    def __str__(self) -> str:
        return self.title


class PlantedAnomaly(models.Model):
    """A finding the demo planted on purpose, so that each rule's precision can be shown."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="planted_one_per_finding")]
