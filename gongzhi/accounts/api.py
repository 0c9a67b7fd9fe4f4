"""The accounts router of the REST API (/api/accounts/): the caller's own notices."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.accounts import notices
from gongzhi.core.schemas import ErrorOut

router = Router(tags=["accounts"])


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NoticeQuery(Schema):
    unread: bool = Field(False, description="only the unread ones")
    limit: int = Field(50, ge=1, le=200)


def _out(notice) -> dict:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "kind_label": notice.get_kind_display(),
        "title": notice.title,
        "url": notice.url,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
    }


@router.get("/notices", response={200: list[NoticeOut], 422: ErrorOut}, summary="我的通知")
def my_notices(request: HttpRequest, query: Query[NoticeQuery]):
    qs = notices.notices_for(request.auth)
    if query.unread:
        qs = qs.filter(read_at=None)
    return [_out(n) for n in qs[: query.limit]]


@router.post(
    "/notices/{pk}/read", response={200: NoticeOut, 404: ErrorOut, 422: ErrorOut}, summary="标记已读"
)
def read_notice(request: HttpRequest, pk: int):
    return _out(notices.mark_read(user=request.auth, pk=pk))
