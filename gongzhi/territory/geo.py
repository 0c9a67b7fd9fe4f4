"""Geometry: validating outlines and finding the area a point falls in.

Outlines are GeoJSON (WGS84, [lng, lat]). Lookup uses shapely's STRtree over prepared polygons,
rebuilt when outlines change; the deepest area containing the point wins.
"""

from __future__ import annotations

import logging
import threading

from django.utils.translation import gettext as _
from shapely import STRtree, prepare
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from gongzhi.core.errors import DomainError

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_index: dict = {"tree": None, "geoms": [], "ids": [], "depths": []}


def validate_polygon(geojson: dict) -> dict:
    """Return the geometry part of a GeoJSON Polygon/MultiPolygon (or Feature), or refuse it."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise DomainError(_("边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。"))
    try:
        geometry = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise DomainError(_("边界坐标格式不正确：%(error)s") % {"error": exc}) from exc
    if geometry.is_empty or not geometry.is_valid:
        raise DomainError(_("边界不是有效的多边形（可能自相交）。"))
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DomainError(_("边界坐标超出经纬度范围（应为 WGS84 经度、纬度）。"))
    return {"type": geojson["type"], "coordinates": geojson["coordinates"]}


def centre_of(geojson: dict) -> tuple[float, float]:
    point = shape(geojson).representative_point()
    return point.y, point.x


def validate_point(lat: float, lng: float) -> tuple[float, float]:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(_("坐标超出范围：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。"))
    return lat, lng


def invalidate() -> None:
    with _lock:
        _index["tree"] = None


def _build() -> None:
    from gongzhi.territory.models import Area

    geoms: list[BaseGeometry] = []
    ids: list[int] = []
    depths: list[int] = []
    for area_id, depth, boundary in Area.objects.exclude(boundary=None).values_list(
        "id", "depth", "boundary"
    ):
        geometry = shape(boundary)
        prepare(geometry)
        geoms.append(geometry)
        ids.append(area_id)
        depths.append(depth)
    _index.update(tree=STRtree(geoms) if geoms else None, geoms=geoms, ids=ids, depths=depths, built=True)


def warm() -> bool:
    """Build the lookup index now (at worker start: gongzhi/wsgi.py) rather than inside the first
    request that needs it — seconds for a city's tens of thousands of outlines. Returns whether
    it was built; a database that is not ready yet only postpones it to the first lookup."""
    from django.db import DatabaseError, transaction

    try:
        with _lock, transaction.atomic():
            if _index["tree"] is None:
                _build()
    except DatabaseError as exc:
        logger.warning("area lookup not built at start (%s); it will be at the first lookup", exc)
        return False
    return True


def area_id_at(lat: float, lng: float) -> int | None:
    """The id of the deepest area whose outline contains the point, or None."""
    with _lock:
        if _index["tree"] is None:
            _build()
        tree, geoms, ids, depths = _index["tree"], _index["geoms"], _index["ids"], _index["depths"]
    if tree is None:
        return None
    point = Point(lng, lat)
    best: int | None = None
    best_depth = -1
    for i in tree.query(point):
        if depths[i] > best_depth and geoms[i].covers(point):
            best, best_depth = ids[i], depths[i]
    return best
