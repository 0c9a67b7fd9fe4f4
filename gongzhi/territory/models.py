from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("区")
    SUBDISTRICT = "subdistrict", _("街道")
    GRID = "grid", _("网格")
    NEIGHBOURHOOD = "neighbourhood", _("居民区")
    ESTATE = "estate", _("小区")
    BUILDING = "building", _("楼栋")


KIND_ORDER = [k.value for k in AreaKind]


class Area(TimeStamped):
    """A node of the territory tree. `path` is the chain of ancestor ids ("/1/4/17/"), so a
    subtree is one indexed prefix match; `subdistrict` is denormalised for sharding and counts."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("层级"), max_length=20, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    subdistrict = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    def contains(self, other: "Area") -> bool:
        return other.path.startswith(self.path)

    @property
    def kind_label(self) -> str:
        return AreaKind(self.kind).label
