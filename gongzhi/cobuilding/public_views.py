"""The public service map for couriers and riders (no account): the mobile map page, the GeoJSON
feed of published places (for the delivery platforms to embed), an Open311-style read-only list,
"closed when I came" reports, and "report a problem here" (the public case form with the place's
point filled in). The page works offline once loaded: a web app manifest and a service worker
keep the page, its scripts, the places and (when configured) the tiles."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.cases import public_views as case_public
from gongzhi.cobuilding import hours, selectors
from gongzhi.cobuilding.models import Amenity, Place, PlaceKind, ReportKind
from gongzhi.cobuilding.services import places as place_services
from gongzhi.core.errors import DomainError
from gongzhi.core.throttle import throttled
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import ancestors

REPORTS_PER_HOUR = 10
PROBLEMS_PER_HOUR = 20
SHANGHAI = [31.2195, 121.4229]


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _reporter_key(request: HttpRequest) -> str:
    raw = f"{settings.SECRET_KEY}:{_ip(request)}:{request.META.get('HTTP_USER_AGENT', '')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _throttled(request: HttpRequest, bucket: str, limit: int) -> bool:
    return throttled(request, f"cobuilding:{bucket}", limit)


def directions_url(place: Place) -> str:
    """A link that opens the phone's map app at the place (Amap's URI API; GCJ-02 is applied by it)."""
    return f"https://uri.amap.com/marker?position={place.lng:.6f},{place.lat:.6f}&name={place.name}&coordinate=wgs84"


def feature(place: Place, now=None) -> dict:
    labels = dict(Amenity.choices)
    return {
        "type": "Feature",
        "id": place.pk,
        "geometry": {"type": "Point", "coordinates": [round(place.lng, 7), round(place.lat, 7)]},
        "properties": {
            "id": place.pk,
            "name": place.name,
            "kind": place.kind,
            "kind_label": str(place.get_kind_display()),
            "address": place.address,
            "opening_hours": place.opening_hours,
            "hours_text": hours.describe(place.opening_hours, now),
            "always_open": hours.is_always_open(place.opening_hours),
            "open_now": hours.is_open(place.opening_hours, now),
            "open_intervals": hours.open_intervals(place.opening_hours, now),
            "amenities": place.amenities,
            "amenity_labels": [str(labels.get(a, a)) for a in place.amenities],
            "operator": place.operator.name if place.operator_id else "",
            "description": place.description,
            "verified_on": timezone.localtime(place.verified_at).date().isoformat()
            if place.verified_at
            else None,
            "directions_url": directions_url(place),
            "report_url": reverse("cobuilding:map_report", args=[place.pk]),
            "problem_url": reverse("cobuilding:map_problem", args=[place.pk]),
        },
    }


def _places(request: HttpRequest):
    qs = selectors.published_places()
    code = (request.GET.get("subdistrict") or "").strip()[:40]
    if code:
        qs = qs.filter(subdistrict__code=code)
    kind = request.GET.get("kind", "")
    if kind in PlaceKind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("pk")


@require_GET
def places_geojson(request: HttpRequest) -> HttpResponse:
    """Published places as GeoJSON (WGS84), open to anyone, for the platforms' apps to embed."""
    now = timezone.now()
    features = [feature(place, now) for place in _places(request)]
    response = JsonResponse(
        {"type": "FeatureCollection", "generated_at": now.isoformat(), "features": features},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def services_list(request: HttpRequest) -> HttpResponse:
    """An Open311-style read-only list of the places (GeoReport v2 "services"-like rows)."""
    rows = [
        {
            "service_code": f"place-{place.pk}",
            "service_name": place.name,
            "group": str(place.get_kind_display()),
            "description": place.description or place.address,
            "address": place.address,
            "lat": place.lat,
            "long": place.lng,
            "opening_hours": place.opening_hours,
            "keywords": ",".join(place.amenities),
            "type": "realtime" if hours.is_always_open(place.opening_hours) else "standard",
        }
        for place in _places(request)
    ]
    response = JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _centre(request: HttpRequest) -> list[float]:
    code = (request.GET.get("subdistrict") or "").strip()[:40]
    areas = Area.objects.filter(kind=AreaKind.SUBDISTRICT).exclude(centre_lat=None)
    area = (areas.filter(code=code).first() if code else None) or areas.order_by("path").first()
    return [area.centre_lat, area.centre_lng] if area else SHANGHAI


@require_GET
def courier_map(request: HttpRequest) -> HttpResponse:
    config = {
        "geojsonUrl": reverse("cobuilding:map_geojson"),
        "swUrl": reverse("cobuilding:map_sw"),
        "tileUrl": settings.GONGZHI_TILE_URL,
        "gcj02": settings.GONGZHI_TILE_GCJ02,
        "centre": _centre(request),
        "kinds": {value: str(label) for value, label in PlaceKind.choices},
        "amenities": {value: str(label) for value, label in Amenity.choices},
        "reportKinds": {value: str(label) for value, label in ReportKind.choices},
        "texts": {
            "openNow": _("营业中"),
            "closed": _("已关门"),
            "allDay": _("24 小时"),
            "directions": _("导航过去"),
            "problem": _("在这里反映问题"),
            "report": _("信息不对？告诉我们"),
            "none": _("附近没有符合条件的服务点。"),
            "offline": _("当前离线，显示的是上次加载的服务点。"),
            "thanks": _("谢谢反馈，我们会尽快核实。"),
            "count": _("共 %(n)s 个服务点"),
            "distance": _("约 %(d)s"),
            "verified": _("核验于 %(d)s"),
        },
    }
    return render(
        request,
        "cobuilding/public/map.html",
        {
            "config": config,
            "kinds": PlaceKind.choices,
            "amenities": Amenity.choices,
            "report_kinds": ReportKind.choices,
        },
    )


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("暖新地图 · 骑手友好服务点"),
        "short_name": _("暖新地图"),
        "start_url": reverse("cobuilding:map"),
        "scope": reverse("cobuilding:map"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#c0392b",
        "lang": "zh-CN",
        "icons": [{"src": static("cobuilding/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    assets = [
        reverse("cobuilding:map"),
        reverse("cobuilding:map_geojson"),
        static("vendor/pico.min.css"),
        static("gongzhi/app.css"),
        static("vendor/htmx.min.js"),
        static("vendor/leaflet/leaflet.css"),
        static("vendor/leaflet/leaflet.js"),
        static("gongzhi/map.js"),
        static("cobuilding/courier-map.js"),
        static("cobuilding/courier-map.css"),
    ]
    response = render(
        request,
        "cobuilding/public/sw.js",
        {
            "assets": json.dumps(assets),
            "version": "gongzhi-courier-map-1",
            "tile_url": json.dumps(settings.GONGZHI_TILE_URL),
        },
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = reverse("cobuilding:map")
    response["Cache-Control"] = "no-cache"
    return response


@require_POST
def report_place(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Closed when I came" / "not there" / "wrong": three from different people suspend it."""
    if _throttled(request, "report", REPORTS_PER_HOUR):
        return JsonResponse({"code": "too_many", "message": _("提交太频繁，请稍后再试。")}, status=429)
    try:
        place = selectors.public_place(pk)
        place_services.report_place(
            place=place,
            kind=request.POST.get("kind", ""),
            note=request.POST.get("note", ""),
            reporter_key=_reporter_key(request),
        )
    except DomainError as exc:
        return JsonResponse(
            {"code": exc.code, "message": exc.message, "details": exc.details}, status=exc.status
        )
    return JsonResponse({"ok": True, "message": _("谢谢反馈，我们会尽快核实。")})


def _neighbourhood_of(area: Area) -> Area | None:
    for candidate in reversed(ancestors(area)):
        if candidate.kind == AreaKind.NEIGHBOURHOOD:
            return candidate
    return None


@require_http_methods(["GET", "POST"])
def problem(request: HttpRequest, pk: int) -> HttpResponse:
    """The public case form with the place, its point and its neighbourhood filled in."""
    try:
        place = selectors.public_place(pk)
    except DomainError as exc:
        return render(request, "registry/error.html", {"message": exc.message}, status=exc.status)
    initial = {
        "lat": place.lat,
        "lng": place.lng,
        "address": f"{place.address}（{place.name}）",
        "area": _neighbourhood_of(place.area),
        "title": _("%(name)s附近：") % {"name": place.name},
    }
    return case_public.report_page(
        request,
        initial=initial,
        bucket="cobuilding:problem",
        limit=PROBLEMS_PER_HOUR,
        context={"place": place},
    )
