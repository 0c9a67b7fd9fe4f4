"""Places of the public service map for couriers and riders (骑手友好, 新就业群体)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Organization
from gongzhi.territory.models import Area


class PlaceKind(models.TextChoices):
    STATION = "station", _("驿站")
    RELAY = "relay", _("户外职工爱心接力站")
    MERCHANT = "merchant", _("骑手友好商户")
    CHARGING = "charging", _("充电 / 换电")
    TOILET = "toilet", _("公共厕所")
    WATER = "water", _("饮水点")
    REST = "rest", _("休息座椅")
    MEAL = "meal", _("用餐")
    PARKING = "parking", _("停车点")


class Amenity(models.TextChoices):
    WATER = "water", _("饮用水")
    TOILET = "toilet", _("厕所")
    MICROWAVE = "microwave", _("微波炉")
    CHARGING = "charging", _("充电")
    BATTERY_SWAP = "battery_swap", _("换电")
    REST = "rest", _("休息")
    AIR_CONDITIONING = "air_conditioning", _("空调")
    FRIDGE = "fridge", _("冰箱")
    FIRST_AID = "first_aid", _("医药箱")
    WIFI = "wifi", _("无线网络")
    MEAL_DISCOUNT = "meal_discount", _("爱心餐")
    UMBRELLA = "umbrella", _("雨具")


class PlaceState(models.TextChoices):
    NOMINATED = "nominated", _("已推荐")
    VERIFIED = "verified", _("已实地核验")
    PUBLISHED = "published", _("已上图")
    SUSPENDED = "suspended", _("暂停展示")
    RETIRED = "retired", _("已撤点")


class Place(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=PlaceKind.choices)
    name = models.CharField(_("名称"), max_length=80)
    operator = models.ForeignKey(
        Organization,
        verbose_name=_("运营单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_places",
    )
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    address = models.CharField(_("地址"), max_length=200)
    opening_hours = models.CharField(
        _("开放时间"),
        max_length=255,
        help_text=_("OpenStreetMap opening_hours 格式，如 Mo-Fr 08:00-20:00; 24/7"),
    )
    amenities = models.JSONField(_("设施"), default=list, blank=True)
    description = models.CharField(_("介绍"), max_length=400, blank=True)
    photo = models.ImageField(_("照片"), upload_to="cobuilding/places/%Y/%m/", blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=PlaceState.choices, default=PlaceState.NOMINATED
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    check_due_on = models.DateField(_("下次核验"), null=True, blank=True, db_index=True)
    suspended_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务点")
        verbose_name_plural = _("服务点")
        ordering = ["subdistrict_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="cobuilding_place_point",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "state"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_24_7(self) -> bool:
        return self.opening_hours.strip() == "24/7"


class ReportKind(models.TextChoices):
    CLOSED = "closed", _("来的时候没开门")
    MISSING = "missing", _("找不到这个点")
    WRONG = "wrong", _("信息有误")


class PlaceReport(TimeStamped):
    """A report from the public that a place was closed or not there; three open ones suspend it."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("反馈"), max_length=10, choices=ReportKind.choices)
    note = models.CharField(_("补充说明"), max_length=200, blank=True)
    reporter_key = models.CharField(max_length=64, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("服务点反馈")
        verbose_name_plural = _("服务点反馈")
        ordering = ["-created_at", "-id"]


class MerchantPledge(TimeStamped):
    """What a friendly merchant pledges to riders (water, toilet, microwave, charging, rest)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="pledges")
    offers = models.JSONField(_("承诺内容"), default=list)
    pledged_on = models.DateField(_("承诺日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("商户承诺")
        verbose_name_plural = _("商户承诺")
        ordering = ["-pledged_on"]
