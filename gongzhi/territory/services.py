"""Writes to the territory tree."""

from django.db import transaction

from gongzhi.core.errors import DomainError
from gongzhi.territory import geo
from gongzhi.territory.models import KIND_ORDER, Area, AreaKind


@transaction.atomic
def create_area(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Area | None = None,
    boundary: dict | None = None,
    centre: tuple[float, float] | None = None,
) -> Area:
    """Add an area under `parent`; keeps path, depth and subdistrict right."""
    if kind not in KIND_ORDER:
        raise DomainError(f"未知的区域层级：{kind}")
    if parent is not None and KIND_ORDER.index(kind) <= KIND_ORDER.index(parent.kind):
        raise DomainError(f"“{name}”的层级不能高于或等于上级“{parent.name}”。")
    if boundary is not None:
        boundary = geo.validate_polygon(boundary)
        if centre is None:
            centre = geo.centre_of(boundary)
    area = Area.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        boundary=boundary,
        centre_lat=centre[0] if centre else None,
        centre_lng=centre[1] if centre else None,
        depth=(parent.depth + 1) if parent else 0,
        path="",
    )
    area.path = f"{parent.path if parent else '/'}{area.pk}/"
    if kind == AreaKind.SUBDISTRICT:
        area.subdistrict = area
    elif parent is not None:
        area.subdistrict = parent.subdistrict
    area.save(update_fields=["path", "subdistrict"])
    geo.invalidate()
    return area


@transaction.atomic
def set_boundary(*, area: Area, boundary: dict) -> Area:
    area.boundary = geo.validate_polygon(boundary)
    area.centre_lat, area.centre_lng = geo.centre_of(area.boundary)
    area.save(update_fields=["boundary", "centre_lat", "centre_lng", "updated_at"])
    geo.invalidate()
    return area
