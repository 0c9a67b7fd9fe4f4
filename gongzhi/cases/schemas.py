"""Pydantic schemas of the cases API (/api/cases/). Shapes only: no rule lives here."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from gongzhi.cases.models import FAR_FUTURE, Case, CaseEvent
from gongzhi.core.schemas import ErrorOut  # noqa: F401  (re-exported for the routers)


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_code: str | None = None


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    area_code: str


class AreaRef(Schema):
    id: int
    code: str
    name: str
    kind: str


class CaseOut(Schema):
    number: str
    title: str
    status: str
    status_label: str
    category: CategoryOut
    area: AreaRef
    source: str
    tier: int | None
    assigned_unit: str | None
    address: str
    lat: float | None
    lng: float | None
    created_at: dt.datetime
    next_due: dt.datetime | None
    overdue: bool
    version: int

    @staticmethod
    def from_case(case: Case, now: dt.datetime) -> dict:
        return {
            "number": case.number,
            "title": case.title,
            "status": case.status,
            "status_label": str(case.get_status_display()),
            "category": {
                "id": case.category_id,
                "code": case.category.code,
                "name": case.category.name,
                "parent_code": None,
            },
            "area": {
                "id": case.area_id,
                "code": case.area.code,
                "name": case.area.name,
                "kind": case.area.kind,
            },
            "source": case.source,
            "tier": case.tier,
            "assigned_unit": case.assigned_unit.name if case.assigned_unit_id else None,
            "address": case.address,
            "lat": case.lat,
            "lng": case.lng,
            "created_at": case.created_at,
            "next_due": case.next_due if case.next_due < FAR_FUTURE else None,
            "overdue": case.overdue or case.is_overdue(now),
            "version": case.version,
        }


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    width: int
    height: int


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    actor: str
    from_status: str
    to_status: str
    note: str
    data: dict
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def from_event(event: CaseEvent) -> dict:
        return {
            "seq": event.seq,
            "action": event.action,
            "action_label": str(event.get_action_display()),
            "actor": event.actor_label,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "data": event.data,
            "created_at": event.created_at,
            "attachments": [
                {
                    "id": a.pk,
                    "content_type": a.content_type,
                    "size": a.size,
                    "width": a.width,
                    "height": a.height,
                }
                for a in event.attachments.all()
            ],
        }


class CaseDetailOut(CaseOut):
    description: str
    reporter_name: str
    reporter_phone_last4: str
    response_due: dt.datetime | None
    reply_due: dt.datetime | None
    close_due: dt.datetime | None
    reply_text: str
    rating: str
    master: str | None
    allowed_actions: list[str]
    timeline: list[EventOut]


class CasePage(Schema):
    items: list[CaseOut]
    next: str = Field("", description="cursor of the next page ('' at the end); pass it as `after`")


class CaseIn(Schema):
    category: str = Field(..., description="code of a second-level category", min_length=1, max_length=20)
    title: str = Field(..., min_length=1, max_length=120)
    description: str = Field(..., min_length=1, max_length=4000)
    source: Literal["visit", "patrol", "web", "hotline", "listening", "suggestion", "meeting"] = "patrol"
    area: str | None = Field(None, description="area code; or give lat/lng", max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    address: str = Field("", max_length=200)
    reporter_name: str = Field("", max_length=40)
    reporter_phone: str = Field("", max_length=20)


class Versioned(Schema):
    expected_version: int | None = Field(None, description="refuse with 409 if the case changed since")


class NoteIn(Versioned):
    note: str = Field("", max_length=2000)


class CaseNoteIn(Versioned):
    """A note on its own (/notes): the text is the point of it."""

    note: str = Field(..., min_length=1, max_length=2000)


class ReasonIn(Versioned):
    reason: str = Field(..., min_length=1, max_length=500)


class ReclassifyIn(Versioned):
    category: int = Field(..., description="the correct (second-level) category's id")
    reason: str = Field(..., min_length=1, max_length=500)


class AssignIn(Versioned):
    tier: int = Field(..., ge=1, le=3)
    unit: int
    note: str = Field("", max_length=2000)


class EscalateIn(Versioned):
    reason: str = Field(..., min_length=1, max_length=500)
    unit: int | None = None


class MeetingIn(Versioned):
    held_on: dt.date
    participants: list[int] = Field(..., max_length=50)
    decision: str = Field(..., min_length=1, max_length=2000)
    lead_unit: int
    co_units: list[int] = Field([], max_length=50)


class ReplyIn(Versioned):
    text: str = Field(..., min_length=1, max_length=2000)


class VerifyIn(Versioned):
    passed: bool
    note: str = Field(..., min_length=1, max_length=2000)


class RateIn(Versioned):
    rating: Literal["satisfied", "basically", "unsatisfied"]
    solved: bool
    comment: str = Field("", max_length=500)


class ApproveIn(Versioned):
    approved: bool
    note: str = Field("", max_length=2000)


class MergeIn(Versioned):
    master: str = Field(..., min_length=1, max_length=24)
    note: str = Field("", max_length=2000)
