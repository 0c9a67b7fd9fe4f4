"""The Open311 router of the REST API (/api/open311/): an administrator's Open311 client keys
(list, issue, revoke), through the same scoped selectors and services as the keys page. The
GeoReport v2 endpoints themselves are at /open311/v2/ (their own format and key)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.open311 import selectors, services
from gongzhi.open311.models import ApiKey

router = Router(tags=["open311"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class Open311KeyOut(Schema):
    id: int
    name: str
    subdistrict: str
    prefix: str
    rate_limit: int
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class Open311KeyIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    subdistrict: int = Field(..., description="the id of a subdistrict in the caller's scope")
    rate_limit: int = Field(60, ge=1, le=10_000, description="requests a minute")


class Open311NewKeyOut(Open311KeyOut):
    secret: str = Field(..., description="shown this once; only its digest is kept")


def _out(key: ApiKey) -> dict:
    return {
        "id": key.pk,
        "name": key.name,
        "subdistrict": key.subdistrict.name,
        "prefix": key.prefix,
        "rate_limit": key.rate_limit,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


def _require_manager(request: HttpRequest) -> None:
    if not permissions.has(request.auth, "apikey.manage"):
        raise NotAllowed(_("只有系统管理员可以管理 Open311 接口密钥。"))


@router.get("/keys", response={200: list[Open311KeyOut], **ERRORS}, summary="Open311 接口密钥（本辖区）")
def keys(request: HttpRequest):
    _require_manager(request)
    return [_out(k) for k in selectors.keys_for(request.auth)]


@router.post("/keys", response={201: Open311NewKeyOut, **ERRORS}, summary="签发 Open311 接口密钥")
def issue(request: HttpRequest, payload: Open311KeyIn):
    _require_manager(request)
    subdistrict = selectors.key_subdistricts_for(request.auth).filter(pk=payload.subdistrict).first()
    if subdistrict is None:
        raise NotFound(
            _("辖区内没有这个街道：%(id)s") % {"id": payload.subdistrict}, code="subdistrict_not_found"
        )
    key, secret = services.issue_key(
        name=payload.name, subdistrict=subdistrict, actor=request.auth, rate_limit=payload.rate_limit
    )
    return 201, {**_out(key), "secret": secret}


@router.post("/keys/{pk}/revoke", response={200: Open311KeyOut, **ERRORS}, summary="吊销 Open311 接口密钥")
def revoke(request: HttpRequest, pk: int):
    _require_manager(request)
    key = selectors.keys_for(request.auth).filter(pk=pk).first()
    if key is None:  # a key outside the caller's scope does not exist for it
        raise NotFound(_("未找到该密钥。"), code="key_not_found")
    return _out(services.revoke_key(key=key, actor=request.auth))
