"""Scoped reads for Open311 and the shape of what it publishes.

Open311 readers are not staff: a client key sees its own subdistrict, a keyless reader (when
the deployment allows public reads) every subdistrict or the one `jurisdiction_id` names.
What is published is the case's public face only: never the reporter's name, phone, email or
device, never staff names or internal notes; phone and ID numbers typed into a description are
masked.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gongzhi.cases.models import FINISHED_STATUSES, Action, Case, CaseEvent, Category, Status
from gongzhi.open311.models import ApiKey, ServiceAttribute
from gongzhi.open311.rules import KEY_ADMINS
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.scope import scoped

PUBLIC_UPDATE_ACTIONS = [
    Action.ACCEPT,
    Action.REJECT,
    Action.ASSIGN,
    Action.ESCALATE,
    Action.REPLY,
    Action.VERIFY,
    Action.CLOSE,
    Action.REOPEN,
    Action.SUSPEND,
    Action.RESUME,
    Action.MERGE,
]

# The mySociety extension's states (FixMyStreet "Open311-FMS-Additional-states").
FMS_STATES = {
    Status.REPORTED: "OPEN",
    Status.ACCEPTED: "INVESTIGATING",
    Status.ASSIGNED: "IN_PROGRESS",
    Status.REPLIED: "IN_PROGRESS",
    Status.SUSPENDED: "ACTION_SCHEDULED",
    Status.VERIFIED: "FIXED",
    Status.CLOSED: "FIXED",
    Status.RATED: "FIXED",
    Status.REJECTED: "NOT_COUNCILS_RESPONSIBILITY",
    Status.MERGED: "DUPLICATE",
}

_MASKS = [
    (re.compile(r"(?<!\d)(\d{6})\d{8}([\dXx]{4})(?!\d)"), r"\1********\2"),  # resident ID number
    (re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)"), r"\1****\2"),  # mobile number
]


def mask_personal(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def iso(moment: dt.datetime | None) -> str | None:
    """W3C datetime in the platform's time zone, e.g. 2026-11-25T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def open_or_closed(status: str) -> str:
    return "closed" if status in FINISHED_STATUSES else "open"


# ---------------------------------------------------------------- keys (administrators)


def keys_for(user) -> QuerySet[ApiKey]:
    """The Open311 keys an administrator manages: those of the subdistricts in its scope."""
    return scoped(ApiKey.objects.all(), user, roles=KEY_ADMINS, area_field="subdistrict").select_related(
        "subdistrict"
    )


def key_subdistricts_for(user) -> QuerySet[Area]:
    """The subdistricts an administrator may issue keys for (the form's choices)."""
    qs = Area.objects.filter(kind=AreaKind.SUBDISTRICT)
    return scoped(qs, user, roles=KEY_ADMINS, subdistrict_field=None, area_field="subdistrict").order_by(
        "code"
    )


# ---------------------------------------------------------------- services


def services() -> QuerySet[Category]:
    """The Open311 services: active leaf categories."""
    return (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .prefetch_related(Prefetch("open311_attributes", queryset=ServiceAttribute.objects.order_by("order")))
    )


def service_dict(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.open311_attributes.all()),
        "type": "realtime",
        "keywords": ",".join(k.strip() for k in re.split(r"[,，、\s]+", category.keywords) if k.strip()),
        "group": category.parent.name if category.parent_id else "",
    }


def definition_dict(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.values or []],
            }
            for a in category.open311_attributes.all()
        ],
    }


# ---------------------------------------------------------------- requests


def visible_cases(*, key: ApiKey | None, jurisdiction: Area | None) -> QuerySet[Case]:
    qs = Case.objects.all()
    if key is not None:
        qs = qs.filter(subdistrict_id=key.subdistrict_id)
    if jurisdiction is not None:
        qs = qs.filter(subdistrict_id=jurisdiction.pk)
    return qs.select_related("category", "assigned_unit", "master", "area", "open311")


def _status_notes(case: Case, reject_reason: str) -> str:
    if case.status == Status.MERGED and case.master_id:
        return f"已并入工单 {case.master.number}"
    if case.status == Status.REJECTED:
        return reject_reason
    return case.reply_text


def request_dict(case: Case, *, reject_reason: str = "") -> dict:
    record = case.open311 if hasattr(case, "open311") else None
    expected = case.close_due or (case.next_due if case.has_deadline and case.is_open else None)
    return {
        "service_request_id": case.number,
        "status": open_or_closed(case.status),
        "status_notes": mask_personal(_status_notes(case, reject_reason)),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": mask_personal(case.description),
        "agency_responsible": case.assigned_unit.name if case.assigned_unit_id else "",
        "service_notice": "",
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(expected),
        "address": case.address,
        "address_id": record.address_id if record else case.area.code,
        "zipcode": "",
        "lat": case.lat,
        "long": case.lng,
        "media_url": record.media_url if record else "",
    }


def reject_reasons(cases: list[Case]) -> dict[int, str]:
    """The reason told to the reporter, for the rejected ones among `cases`."""
    ids = [c.pk for c in cases if c.status == Status.REJECTED]
    if not ids:
        return {}
    return dict(
        CaseEvent.objects.filter(case_id__in=ids, action=Action.REJECT)
        .order_by("case_id", "seq")
        .values_list("case_id", "note")
    )


def requests_list(cases: list[Case]) -> list[dict]:
    reasons = reject_reasons(cases)
    return [request_dict(c, reject_reason=reasons.get(c.pk, "")) for c in cases]


# ---------------------------------------------------------------- updates (mySociety)


def updates(cases: QuerySet[Case], *, start: dt.datetime, end: dt.datetime, limit: int = 1000) -> list[dict]:
    events = (
        CaseEvent.objects.filter(
            case__in=cases, action__in=PUBLIC_UPDATE_ACTIONS, created_at__gte=start, created_at__lte=end
        )
        .select_related("case", "case__master")
        .order_by("created_at", "id")[:limit]
    )
    rows = []
    for event in events:
        if event.action in (Action.REPLY, Action.REJECT):
            text = event.note
        elif event.action == Action.MERGE:
            text = f"已并入工单 {event.data.get('master', '')}"
        else:
            text = str(Action(event.action).label)
        rows.append(
            {
                "update_id": str(event.pk),
                "service_request_id": event.case.number,
                "status": FMS_STATES.get(event.to_status, "OPEN"),
                "updated_datetime": iso(event.created_at),
                "description": mask_personal(text),
                "media_url": "",
            }
        )
    return rows
