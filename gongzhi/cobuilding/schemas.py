"""Schemas of the co-building API (names prefixed with the app, unique in the OpenAPI document)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

PAGE = 100


class CobuildingPageQuery(Schema):
    state: str | None = None
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class CobuildingCoverageRowOut(Schema):
    area_id: int | None
    label: str
    units: int
    covered: int
    rate: int | None
    not_visited: int | None


class CobuildingCoverageOut(Schema):
    level: str
    on: dt.date
    units: int
    covered: int
    rate: int | None
    not_visited: int | None
    rows: list[CobuildingCoverageRowOut]
    paired_neighbourhoods: int
    neighbourhoods: int


class CobuildingBranchOut(Schema):
    id: int
    organization_id: int
    name: str
    level: str
    parent_id: int | None
    area_id: int
    members: int


class CobuildingPairingOut(Schema):
    id: int
    unit_id: int
    unit: str
    neighbourhood_id: int
    neighbourhood: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    plan: str
    edit_token: str = Field(
        description="send it back as `seen` when editing: a save made after another is refused (409)"
    )


class CobuildingActivityIn(Schema):
    held_on: dt.date
    title: str
    participants: int = 0
    note: str = ""


class CobuildingAllianceOut(Schema):
    id: int
    name: str
    theme: str
    area_id: int
    founded_on: dt.date
    members: list[int]
    edit_token: str = Field(
        description="send it back as `seen` when editing: a save made after another is refused (409)"
    )


class CobuildingNeedOut(Schema):
    id: int
    title: str
    description: str
    category: str
    area_id: int
    raised_by_id: int | None
    urgency: int
    quantity: int
    claimed: int
    beneficiaries: int
    due_on: dt.date | None
    state: str
    edit_token: str = Field(
        description="send it back as `seen` when editing: a save made after another is refused (409)"
    )


class CobuildingMatchOut(Schema):
    resource_id: int
    title: str
    organization_id: int
    score: float
    parts: dict[str, float]


class CobuildingNeedDetailOut(CobuildingNeedOut):
    matches: list[CobuildingMatchOut]
    actions: list[str]


class CobuildingNeedIn(Schema):
    area_id: int
    category: str
    title: str
    description: str = ""
    urgency: int = 1
    quantity: int = 1
    beneficiaries: int = 0
    due_on: dt.date | None = None
    raised_by_id: int | None = None
    group: str = ""


class CobuildingClaimIn(Schema):
    organization_id: int
    quantity: int | None = None
    resource_id: int | None = None
    note: str = ""


class CobuildingClaimOut(Schema):
    id: int
    need_id: int
    organization_id: int
    resource_id: int | None
    quantity: int
    status: str


class CobuildingTextIn(Schema):
    text: str


class CobuildingResourceOut(Schema):
    id: int
    title: str
    category: str
    organization_id: int
    area_id: int
    capacity: int
    used: int
    capacity_unit: str
    state: str
    edit_token: str = Field(
        description="send it back as `seen` when editing: a save made after another is refused (409)"
    )


class CobuildingResourceIn(Schema):
    organization_id: int
    category: str
    title: str
    description: str = ""
    capacity: int = 1
    capacity_unit: str = "次"
    area_id: int | None = None
    available_from: dt.date | None = None
    available_until: dt.date | None = None


class CobuildingProjectOut(Schema):
    id: int
    title: str
    lead_id: int
    area_id: int
    tags: list[str]
    budget: float
    starts_on: dt.date
    ends_on: dt.date
    progress: int
    state: str
    edit_token: str = Field(
        description="send it back as `seen` when editing: a save made after another is refused (409)"
    )


class CobuildingPlaceOut(Schema):
    id: int
    name: str
    kind: str
    lat: float
    lng: float
    address: str
    area_id: int
    operator_id: int | None
    opening_hours: str
    open_now: bool | None
    amenities: list[str]
    state: str
    verified_at: dt.datetime | None
    check_due_on: dt.date | None
    actions: list[str]
    edit_token: str = Field(
        description="send it back as `seen` when editing: a save made after another is refused (409)"
    )


class CobuildingPlaceIn(Schema):
    kind: str
    name: str
    lat: float
    lng: float
    address: str
    opening_hours: str
    amenities: list[str] = []
    area_id: int | None = None
    operator_id: int | None = None
    description: str = ""


class CobuildingPlaceActionIn(Schema):
    note: str = ""


class CobuildingPairingIn(Schema):
    unit_id: int
    neighbourhood_id: int
    starts_on: dt.date
    ends_on: dt.date
    plan: str = ""
    neighbourhood_party_id: int | None = None


class CobuildingPairingEditIn(Schema):
    ends_on: dt.date
    plan: str = ""
    neighbourhood_party_id: int | None = None
    seen: str | None = Field(
        None, description="the edit_token read with the object (409 when it changed since)"
    )


class CobuildingAllianceIn(Schema):
    area_id: int
    name: str
    theme: str
    founded_on: dt.date
    note: str = ""


class CobuildingMemberIn(Schema):
    organization_id: int
    role: str = "member"
    joined_on: dt.date


class CobuildingLeaveIn(Schema):
    left_on: dt.date


class CobuildingCoverIn(Schema):
    unit_id: int
    branch_id: int
    mode: str
    started_on: dt.date
    note: str = ""


class CobuildingCoverEndIn(Schema):
    unit_id: int
    ended_on: dt.date
    reason: str


class CobuildingCoverRecordOut(Schema):
    id: int
    unit_id: int
    branch_id: int
    mode: str
    started_on: dt.date
    ended_on: dt.date | None


class CobuildingProjectIn(Schema):
    area_id: int
    title: str
    lead_id: int
    starts_on: dt.date
    ends_on: dt.date
    partner_ids: list[int] = []
    need_ids: list[int] = []
    resource_ids: list[int] = []
    tags: list[str] = []
    budget: str = "0"
    description: str = ""


class CobuildingPlaceEditIn(Schema):
    name: str | None = None
    address: str | None = None
    opening_hours: str | None = None
    amenities: list[str] | None = None
    description: str | None = None
    seen: str | None = Field(
        None, description="the edit_token read with the object (409 when it changed since)"
    )


class CobuildingAllianceEditIn(Schema):
    name: str
    theme: str
    note: str = ""
    seen: str | None = Field(
        None, description="the edit_token read with the object (409 when it changed since)"
    )


class CobuildingResourceEditIn(Schema):
    category: str
    title: str
    capacity: int = Field(1, ge=1, le=1_000_000)
    capacity_unit: str = "次"
    description: str = ""
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    when: str = ""
    where: str = ""
    for_whom: str = ""
    seen: str | None = Field(
        None, description="the edit_token read with the object (409 when it changed since)"
    )


class CobuildingNeedEditIn(Schema):
    category: str
    title: str
    description: str = ""
    urgency: int = 1
    quantity: int = Field(1, ge=1, le=1_000_000)
    beneficiaries: int = Field(0, ge=0, le=10_000_000)
    due_on: dt.date | None = None
    group: str = ""
    seen: str | None = Field(
        None, description="the edit_token read with the object (409 when it changed since)"
    )


class CobuildingProjectEditIn(Schema):
    partner_ids: list[int] = []
    need_ids: list[int] = []
    seen: str | None = Field(
        None, description="the edit_token read with the object (409 when it changed since)"
    )


class CobuildingBranchIn(Schema):
    organization_id: int
    level: str
    parent_id: int | None = None
    secretary: str = ""
    members: int = Field(0, ge=0, le=100_000)
