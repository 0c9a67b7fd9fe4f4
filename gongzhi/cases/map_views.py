"""The staff map (/map/): area outlines in the user's scope and case points, filtered as the
queue is. Scope comes from the selectors (`subtree` of the user's scope, `cases.selectors.queue`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.models import FAR_FUTURE, Source, Status
from gongzhi.core import rules as permissions
from gongzhi.territory import outlines
from gongzhi.territory.models import Area
from gongzhi.territory.selectors import subtree

# The most points one map draws; the most urgent come first (the queue's order).
MAX_POINTS = 2000


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _date(value: str | None) -> dt.date | None:
    try:
        return parse_date((value or "").strip()) if value else None
    except ValueError:
        return None


def filters_from(query) -> case_selectors.QueueFilters:
    """The queue's filters from a query string; anything malformed is ignored, not an error."""
    view = query.get("view", "all")
    status = query.get("status", "")
    return case_selectors.QueueFilters(
        view=view if view in ("all", "mine", "unit", "tier") else "all",
        status=status if status in ("", "open", "any", *Status.values) else "",
        category=_int(query.get("category")),
        area=_int(query.get("area")),
        source=query.get("source", "") if query.get("source", "") in Source.values else "",
        tier=_int(query.get("tier")) if _int(query.get("tier")) in (1, 2, 3) else None,
        overdue=query.get("overdue") in ("1", "true", "on"),
        since=_date(query.get("since")),
        until=_date(query.get("until")),
        q=query.get("q", "").replace("\x00", "")[:100],
    )


def _forbidden(request: HttpRequest) -> bool:
    return not permissions.has(request.user, "map.view") or request.user.scope_id is None


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    if _forbidden(request):
        return render(request, "cases/map.html", {"forbidden": True}, status=403)
    areas = subtree(request.user.scope, kinds=outlines.MAP_KINDS).order_by("path")
    config = {
        "tileUrl": settings.GONGZHI_TILE_URL,
        "tileAttribution": getattr(settings, "GONGZHI_TILE_ATTRIBUTION", ""),
        "gcj02": settings.GONGZHI_TILE_GCJ02,
        "outlinesUrl": reverse("map:outlines"),
        "pointsUrl": reverse("map:points"),
        "centre": _centre(request.user.scope),
        "statuses": {value: str(label) for value, label in Status.choices},
        "texts": {
            "count": _("共 %(n)s 个工单"),
            "truncated": _("（只显示最紧急的 %(n)s 个）") % {"n": MAX_POINTS},
            "overdue": _("已超时"),
            "approximate": _("未选点，显示在所在区域中心"),
            "open": _("打开工单"),
            "error": _("地图数据加载失败，请刷新重试。"),
        },
    }
    return render(
        request,
        "cases/map.html",
        {
            "config": config,
            "areas": areas,
            "categories": case_selectors.categories(),
            "statuses": Status.choices,
            "sources": Source.choices,
            "filters": filters_from(request.GET),
        },
    )


def _centre(area: Area) -> list[float] | None:
    if area.centre_lat is None or area.centre_lng is None:
        return None
    return list(outlines.point_for_display(area.centre_lat, area.centre_lng))


@login_required
def outline_data(request: HttpRequest) -> HttpResponse:
    if _forbidden(request):
        return JsonResponse({"type": "FeatureCollection", "features": []}, status=403)
    areas = subtree(request.user.scope, kinds=outlines.MAP_KINDS).order_by("path")
    return JsonResponse(outlines.collection(areas, display=True))


@login_required
def point_data(request: HttpRequest) -> HttpResponse:
    """Case points as GeoJSON. A case without a point of its own is drawn at its area's centre
    (`approximate`: true)."""
    if _forbidden(request):
        return JsonResponse({"type": "FeatureCollection", "features": []}, status=403)
    rows, more = case_selectors.queue(request.user, filters_from(request.GET), limit=MAX_POINTS)
    now = timezone.now()
    features = []
    for case in rows:
        lat, lng, approximate = case.lat, case.lng, False
        if lat is None or lng is None:
            lat, lng, approximate = case.area.centre_lat, case.area.centre_lng, True
        if lat is None or lng is None:
            continue
        lat, lng = outlines.point_for_display(lat, lng)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]},
                "properties": {
                    "number": case.number,
                    "title": case.title,
                    "status": case.status,
                    "status_label": str(case.get_status_display()),
                    "overdue": case.overdue or case.is_overdue(now),
                    "category": case.category.name,
                    "area": case.area.name,
                    "due": timezone.localtime(case.next_due).isoformat()
                    if case.next_due < FAR_FUTURE
                    else None,
                    "approximate": approximate,
                    "url": reverse("cases:detail", args=[case.number]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features, "truncated": bool(more)})
