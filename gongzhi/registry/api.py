"""The registry router of the REST API (/api/registry/): residents, dwellings and organisations
of the caller's scope, masked; a clear value only through `reveal` (the role's permission, a
reason, the daily cap, a row in the access log) — the same service the pages use."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.registry import selectors, services

router = Router(tags=["registry"])
PAGE = 100


class ListQuery(Schema):
    area: int | None = Field(None, description="limit to this area's subtree (inside your scope)")
    after: int | None = Field(None, description="the last id of the previous page (keyset paging)")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class ResidentOut(Schema):
    id: int
    name: str
    area_id: int
    area_name: str
    address: str
    id_number: str = Field(description="masked")
    phone: str = Field(description="masked")
    registration_type: str
    living_status: str
    moved_out_on: dt.date | None


class DwellingOut(Schema):
    id: int
    area_id: int
    room: str
    address: str
    use: str
    floor_area: float | None
    owner_name: str
    owner_phone: str = Field(description="masked")


class OrganizationOut(Schema):
    id: int
    area_id: int
    name: str
    kind: str
    address: str
    contact_name: str
    contact_phone: str = Field(description="masked")
    party_covered: bool


class RevealIn(Schema):
    field: str = Field(min_length=1, description="id_number or phone (residents), owner_phone, contact_phone")
    reason: str = Field(min_length=2, max_length=200, description="why you need the clear value")


class RevealOut(Schema):
    field: str
    value: str


def _page(qs, query: ListQuery):
    if query.area is not None:
        qs = qs.filter(area__path__contains=f"/{query.area}/")
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return qs.order_by("pk")[: query.limit]


@router.get("/residents", response={200: list[ResidentOut], 422: ErrorOut}, summary="居民（脱敏）")
def residents(request: HttpRequest, query: Query[ListQuery]):
    rows = _page(selectors.residents_for(request.auth).select_related("area", "dwelling"), query)
    return [
        {
            "id": r.pk,
            "name": r.name,
            "area_id": r.area_id,
            "area_name": r.area.name,
            "address": r.dwelling.address if r.dwelling_id else "",
            "id_number": r.id_number_mask,
            "phone": r.phone_mask,
            "registration_type": r.registration_type,
            "living_status": r.living_status,
            "moved_out_on": r.moved_out_on,
        }
        for r in rows
    ]


@router.get("/dwellings", response={200: list[DwellingOut], 422: ErrorOut}, summary="房屋（脱敏）")
def dwellings(request: HttpRequest, query: Query[ListQuery]):
    return [
        {
            "id": d.pk,
            "area_id": d.area_id,
            "room": d.room,
            "address": d.address,
            "use": d.use,
            "floor_area": float(d.floor_area) if d.floor_area is not None else None,
            "owner_name": d.owner_name,
            "owner_phone": d.owner_phone_mask,
        }
        for d in _page(selectors.dwellings_for(request.auth), query)
    ]


@router.get("/organizations", response={200: list[OrganizationOut], 422: ErrorOut}, summary="单位（脱敏）")
def organizations(request: HttpRequest, query: Query[ListQuery]):
    return [
        {
            "id": o.pk,
            "area_id": o.area_id,
            "name": o.name,
            "kind": o.kind,
            "address": o.address,
            "contact_name": o.contact_name,
            "contact_phone": o.contact_phone_mask,
            "party_covered": o.party_covered,
        }
        for o in _page(selectors.organizations_for(request.auth), query)
    ]


_REVEAL = {
    "residents": selectors.resident_for,
    "dwellings": selectors.dwelling_for,
    "organizations": selectors.organization_for,
}


@router.post(
    "/{kind}/{pk}/reveal",
    response={200: RevealOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="查看完整号码（需权限和理由，记入访问记录）",
)
def reveal(request: HttpRequest, kind: str, pk: int, body: RevealIn):
    if kind not in _REVEAL:
        raise NotFound()
    obj = _REVEAL[kind](request.auth, pk)
    value = services.reveal(
        actor=request.auth, obj=obj, field=body.field, reason=body.reason, ip=request.META.get("REMOTE_ADDR")
    )
    return {"field": body.field, "value": value}
