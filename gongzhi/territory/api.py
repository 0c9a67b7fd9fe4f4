"""The areas router of the REST API (/api/areas/): the caller's scope subtree and outlines."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.territory import outlines
from gongzhi.territory.models import Area
from gongzhi.territory.selectors import subtree

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    depth: int
    centre_lat: float | None
    centre_lng: float | None
    has_outline: bool


class AreaDetailOut(AreaOut):
    outline: dict | None = Field(None, description="GeoJSON Feature (WGS84), null when none is stored")


class AreaQuery(Schema):
    kind: list[str] = Field([], description="limit to these kinds (district, subdistrict, grid, …)")


def _scoped(request: HttpRequest):
    scope = request.auth.scope
    if scope is None:
        return Area.objects.none()
    return subtree(scope)


def _out(area: Area) -> dict:
    return {
        "id": area.pk,
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "parent_id": area.parent_id,
        "depth": area.depth,
        "centre_lat": area.centre_lat,
        "centre_lng": area.centre_lng,
        "has_outline": bool(area.boundary),
    }


@router.get("/", response={200: list[AreaOut], 401: ErrorOut, 422: ErrorOut}, summary="管辖范围内的区域")
def areas(request: HttpRequest, filters: Query[AreaQuery]):
    qs = _scoped(request)
    if filters.kind:
        qs = qs.filter(kind__in=filters.kind)
    return [_out(a) for a in qs.order_by("path")]


@router.get(
    "/outlines",
    response={200: dict, 401: ErrorOut, 422: ErrorOut},
    summary="区域边界 (GeoJSON FeatureCollection, WGS84)",
)
def outline_collection(request: HttpRequest, filters: Query[AreaQuery]):
    return outlines.collection(_scoped(request).filter(kind__in=filters.kind or outlines.MAP_KINDS))


@router.get("/{code}", response={200: AreaDetailOut, 401: ErrorOut, 404: ErrorOut}, summary="区域详情和边界")
def area(request: HttpRequest, code: str):
    found = Area.objects.filter(code=code).first()
    if found is None or not permissions.has(request.auth, "area.view", found):
        raise NotFound(_("区域不存在或不在您的管辖范围内。"))
    data = _out(found)
    data["outline"] = outlines.feature(found) if found.boundary else None
    return data
