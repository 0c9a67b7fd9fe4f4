"""Who may do what in events: permissions, named role sets and listings.

The neighbourhood committee and the subdistrict organise events; grid workers help at the door
(check-in); the auditor reads. Residents register on the public pages with their phone."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

EVENT_READERS = role("auditor", "leader", "neighbourhood", "gridworker")
ORGANISERS = role("leader", "neighbourhood")
DOOR_STAFF = role("leader", "neighbourhood", "gridworker")

RULES = {
    "event.view": EVENT_READERS & in_scope,
    "event.manage": ORGANISERS & in_scope,
    "event.checkin": DOOR_STAFF & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS: dict[str, str] = {"event.view": "gongzhi.events.selectors.events_for"}
