"""Trained text models and the suggestions they made at intake."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """One trained category (and handling-unit) model, with its evaluation on held-back cases.

    The pickled pipelines live in `blob` (zlib-compressed), so every app server sees the same
    model without a shared disk. At most one version is active: the one suggestions use."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    created_at = models.DateTimeField(_("训练时间"))
    trained_on = models.PositiveIntegerField(_("训练样本数"), default=0)
    held_back = models.PositiveIntegerField(_("留出评估样本数"), default=0)
    metrics = models.JSONField(_("评估结果"), default=dict, blank=True)
    blob = models.BinaryField(editable=False)
    active = models.BooleanField(_("启用"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("文本模型版本")
        verbose_name_plural = _("文本模型版本")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="modelversion_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def macro_f1(self) -> float | None:
        return (self.metrics.get("category") or {}).get("macro_f1")


class Suggestion(models.Model):
    """What the model suggested for a case at intake and what the dispatcher chose."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="text_suggestions")
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    # [[category_id, name, confidence], ...] best first; the unit as {"id", "name", "confidence"}.
    suggested = models.JSONField(default=list, blank=True)
    suggested_unit = models.JSONField(default=dict, blank=True)
    chosen = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted = models.BooleanField(_("采纳首选建议"), default=False)
    in_top3 = models.BooleanField(_("在前三建议中"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("类别建议")
        verbose_name_plural = _("类别建议")
        ordering = ["-created_at"]
