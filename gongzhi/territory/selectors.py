"""Reads of the territory tree."""

from django.db.models import QuerySet

from gongzhi.territory import geo
from gongzhi.territory.models import Area, AreaKind


def subtree(area: Area, *, kinds: list[str] | None = None) -> QuerySet[Area]:
    qs = Area.objects.filter(path__startswith=area.path)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs


def area_at(lat: float, lng: float) -> Area | None:
    """The deepest area whose outline contains the point, with its subdistrict (one SELECT:
    intake numbers the case with the subdistrict's code)."""
    area_id = geo.area_id_at(lat, lng)
    return Area.objects.select_related("subdistrict").filter(pk=area_id).first() if area_id else None


def subdistricts() -> QuerySet[Area]:
    return Area.objects.filter(kind=AreaKind.SUBDISTRICT)


def ancestors(area: Area) -> list[Area]:
    ids = [int(x) for x in area.path.strip("/").split("/") if x]
    by_id = Area.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]
