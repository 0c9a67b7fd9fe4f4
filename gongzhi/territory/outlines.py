"""Area outlines as GeoJSON features, for the map and the API (scoped by the caller's selector)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from gongzhi.territory import coords
from gongzhi.territory.models import Area

MAP_KINDS = ["subdistrict", "grid", "neighbourhood"]


def for_display(geometry: dict) -> dict:
    """Stored WGS84, or GCJ-02 when the tile service draws in it (GONGZHI_TILE_GCJ02)."""
    return coords.convert_geometry(geometry) if settings.GONGZHI_TILE_GCJ02 else geometry


def point_for_display(lat: float, lng: float) -> tuple[float, float]:
    return coords.wgs84_to_gcj02(lat, lng) if settings.GONGZHI_TILE_GCJ02 else (lat, lng)


def feature(area: Area, *, display: bool = False) -> dict:
    geometry = area.boundary
    if geometry and display:
        geometry = for_display(geometry)
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": geometry,
        "properties": {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "kind": area.kind,
            "parent_id": area.parent_id,
            "depth": area.depth,
        },
    }


def collection(areas: Iterable[Area], *, display: bool = False) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [feature(a, display=display) for a in areas if a.boundary],
    }
