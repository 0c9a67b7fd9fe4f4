"""Writes of the service map's places: nominate, verify on site, publish, re-check, suspend,
retire; the public's "closed when I came" reports (three suspend a place); merchant pledges;
the re-check sweep that tells the grid workers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import notices
from gongzhi.accounts.models import User
from gongzhi.cobuilding import hours, transitions
from gongzhi.cobuilding.models import (
    Amenity,
    MerchantPledge,
    Place,
    PlaceKind,
    PlaceReport,
    PlaceState,
    ReportKind,
)
from gongzhi.cobuilding.services import check_fresh, log, subdistrict_of, text
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.registry import services as registry
from gongzhi.registry.models import Organization
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area
from gongzhi.territory.selectors import area_at

PLACES = transitions.PLACE_ACTIONS
# How often a published place is checked on the ground again, and how many reports suspend it.
RECHECK_DAYS = 90
REPORTS_TO_SUSPEND = 3
SUSPENDING_REPORTS = (ReportKind.CLOSED, ReportKind.MISSING)


def _amenities(values: Iterable[str], *, field: str = "amenities") -> list[str]:
    values = list(dict.fromkeys(values or []))
    bad = [v for v in values if v not in Amenity.values]
    if bad:
        raise FieldError(field, _("未知的设施：%(value)s。") % {"value": bad[0]})
    return values


def _point(lat, lng, area: Area | None) -> tuple[float, float, Area]:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise FieldError("lat", _("请在地图上选点（经纬度无效）。")) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise FieldError("lat", _("经纬度超出范围。"))
    found = area_at(lat, lng)
    if area is None:
        if found is None or found.subdistrict_id is None:
            raise FieldError("lat", _("所选位置不在任何街道范围内。"))
        return lat, lng, found
    if found is None or not found.path.startswith(area.path):
        raise FieldError("lat", _("所选位置不在“%(area)s”范围内，请核对地图上的点。") % {"area": area.name})
    return lat, lng, area


@transaction.atomic
def nominate_place(
    *,
    actor: User,
    kind: str,
    name: str,
    lat: float,
    lng: float,
    address: str,
    opening_hours: str,
    amenities: Iterable[str] = (),
    area: Area | None = None,
    operator: Organization | None = None,
    new_operator: dict | None = None,
    description: str = "",
) -> Place:
    """Nominate a place. `new_operator` ({"name", "credit_code", "kind"}) registers the operating
    unit in the registry first (its credit code checked there)."""
    if kind not in PlaceKind.values:
        raise FieldError("kind", _("请选择服务点类型。"))
    name = text(name, field="name", label=_("名称"), max_length=80)
    address = text(address, field="address", label=_("地址"), max_length=200)
    opening_hours = hours.clean(opening_hours)
    amenities = _amenities(amenities)
    lat, lng, area = _point(lat, lng, area)
    permissions.require(actor, "place.nominate", area)
    if new_operator:
        operator = registry.create_organization(
            actor=actor,
            area=area,
            data={
                "kind": new_operator.get("kind") or "shop",
                "name": new_operator.get("name") or name,
                "credit_code": new_operator.get("credit_code", ""),
                "address": address,
            },
        )
    if operator is not None and operator.subdistrict_id != area.subdistrict_id:
        raise FieldError("operator", _("运营单位须在本街道。"))
    place = Place.objects.create(
        subdistrict_id=subdistrict_of(area),
        area=area,
        kind=kind,
        name=name,
        operator=operator,
        lat=lat,
        lng=lng,
        address=address,
        opening_hours=opening_hours,
        amenities=amenities,
        description=(description or "")[:400],
    )
    log("place", place, "nominate", actor=actor)
    return place


@transaction.atomic
def edit_place(
    *,
    actor: User,
    place: Place,
    opening_hours: str | None = None,
    amenities: Iterable[str] | None = None,
    description: str | None = None,
    address: str | None = None,
    name: str | None = None,
    seen: str | None = None,
) -> Place:
    place = Place.objects.select_for_update().get(pk=place.pk)
    permissions.require(actor, "place.verify", place)
    check_fresh(place, "place", seen)
    changed = {}
    if name is not None:
        place.name = changed["name"] = text(name, field="name", label=_("名称"), max_length=80)
    if opening_hours is not None:
        place.opening_hours = changed["opening_hours"] = hours.clean(opening_hours)
    if amenities is not None:
        place.amenities = changed["amenities"] = _amenities(amenities)
    if description is not None:
        place.description = changed["description"] = description[:400]
    if address is not None:
        place.address = changed["address"] = text(address, field="address", label=_("地址"), max_length=200)
    place.save()
    log("place", place, "edit", actor=actor, data=changed)
    return place


def _transition(
    place: Place, name: str, *, actor: User | None, note: str = "", now: dt.datetime | None = None
) -> Place:
    action = transitions.check(PLACES, place.state, name)
    place.state = action.target
    now = now or timezone.now()
    if name in ("verify", "recheck"):
        place.verified_at = now
        place.verified_by = actor
        place.check_due_on = timezone.localdate(now) + dt.timedelta(days=RECHECK_DAYS)
        place.suspended_reason = ""
        place.reports.filter(resolved_at__isnull=True).update(resolved_at=now)
    if name == "suspend":
        place.suspended_reason = note[:200]
    place.save()
    log("place", place, name, actor=actor, note=note, at=now)
    return place


def _lock(place: Place, actor: User, name: str) -> Place:
    place = Place.objects.select_for_update().get(pk=place.pk)
    permissions.require(actor, PLACES[name].permission, place)
    return place


@transaction.atomic
def verify_place(*, actor: User, place: Place, note: str = "", now: dt.datetime | None = None) -> Place:
    """Checked on site: it is there, open as stated, offers what it says. Clears open reports."""
    return _transition(_lock(place, actor, "verify"), "verify", actor=actor, note=note, now=now)


@transaction.atomic
def publish_place(*, actor: User, place: Place) -> Place:
    return _transition(_lock(place, actor, "publish"), "publish", actor=actor)


@transaction.atomic
def recheck_place(*, actor: User, place: Place, note: str = "", now: dt.datetime | None = None) -> Place:
    return _transition(_lock(place, actor, "recheck"), "recheck", actor=actor, note=note, now=now)


@transaction.atomic
def suspend_place(*, actor: User, place: Place, reason: str) -> Place:
    reason = text(reason, field="reason", label=_("暂停原因"), max_length=200)
    return _transition(_lock(place, actor, "suspend"), "suspend", actor=actor, note=reason)


@transaction.atomic
def retire_place(*, actor: User, place: Place, reason: str) -> Place:
    reason = text(reason, field="reason", label=_("撤点原因"), max_length=200)
    return _transition(_lock(place, actor, "retire"), "retire", actor=actor, note=reason)


def _checkers(place: Place) -> list[User]:
    """The grid workers (and neighbourhood secretaries) whose scope holds the place."""
    ancestors = [int(x) for x in place.area.path.strip("/").split("/") if x]
    return list(
        User.objects.filter(
            is_active=True, scope_id__in=ancestors, groups__name__in=["gridworker", "neighbourhood"]
        )
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def report_place(
    *, place: Place, kind: str, note: str = "", reporter_key: str = "", now: dt.datetime | None = None
) -> PlaceReport:
    """A report from the public. Three open "closed"/"not there" reports from different people
    suspend a published place until it is checked on site again."""
    place = Place.objects.select_for_update(of=("self",)).select_related("area").get(pk=place.pk)
    if place.state != PlaceState.PUBLISHED:
        raise DomainError(_("该服务点已暂停展示，正在核实中。"))
    if kind not in ReportKind.values:
        raise FieldError("kind", _("请选择遇到的情况。"))
    now = now or timezone.now()
    report = PlaceReport.objects.create(
        place=place,
        kind=kind,
        note=(note or "").strip()[:200],
        reporter_key=(reporter_key or "")[:64],
        created_at=now,
    )
    log("place", place, "report", actor=None, note=report.get_kind_display(), at=now)
    open_reports = place.reports.filter(resolved_at__isnull=True, kind__in=SUSPENDING_REPORTS)
    keys = set()
    anonymous = 0
    for key in open_reports.values_list("reporter_key", flat=True):
        if key:
            keys.add(key)
        else:
            anonymous += 1
    if kind in SUSPENDING_REPORTS and len(keys) + anonymous >= REPORTS_TO_SUSPEND:
        _transition(
            place,
            "suspend",
            actor=None,
            note=_("收到 %(n)d 次“没开门/找不到”反馈，待复核") % {"n": REPORTS_TO_SUSPEND},
            now=now,
        )
        url = reverse("cobuilding:place", args=[place.pk])
        title = _("服务点“%(name)s”因多次反馈已暂停展示，请尽快实地复核") % {"name": place.name}
        transaction.on_commit(
            lambda: notices.notify(
                _checkers(place),
                kind="cobuilding.place_check",
                title=title,
                url=url,
                dedupe_key=f"cobuilding.suspended:{place.pk}:{report.pk}",
            )
        )
    return report


@transaction.atomic
def pledge(
    *, actor: User, place: Place, offers: Iterable[str], pledged_on: dt.date, note: str = ""
) -> MerchantPledge:
    permissions.require(actor, "place.nominate", place)
    offers = _amenities(offers, field="offers")
    if not offers:
        raise FieldError("offers", _("请至少选择一项承诺内容。"))
    place.pledges.filter(withdrawn_on__isnull=True).update(withdrawn_on=pledged_on)
    made = MerchantPledge.objects.create(
        place=place, offers=offers, pledged_on=pledged_on, note=(note or "")[:200]
    )
    log("place", place, "pledge", actor=actor, data={"offers": offers})
    return made


def sweep_rechecks(*, today: dt.date | None = None) -> int:
    """Tell the grid workers of every published place whose re-check is due (once per due date)."""
    today = today or timezone.localdate()
    told = 0
    for place in Place.objects.filter(state=PlaceState.PUBLISHED, check_due_on__lte=today).select_related(
        "area"
    ):
        told += notices.notify(
            _checkers(place),
            kind="cobuilding.place_check",
            title=_("服务点“%(name)s”需要复核（到期 %(due)s）")
            % {"name": place.name, "due": place.check_due_on},
            url=reverse("cobuilding:place", args=[place.pk]),
            dedupe_key=f"cobuilding.recheck:{place.pk}:{place.check_due_on}",
        )
    return told
