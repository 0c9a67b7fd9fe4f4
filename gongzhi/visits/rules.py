"""Door-to-door visits and campaigns."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

VISIT_READERS = role("auditor", "leader", "neighbourhood", "gridworker")
VISITORS = role("leader", "neighbourhood", "gridworker")

RULES = {
    "visit.view": VISIT_READERS & in_scope,
    "visit.create": VISITORS & in_scope,
    "campaign.manage": role("leader", "neighbourhood") & in_scope,
}

# What each view rule allows, as the selector that lists it (checked by the scope matrix test).
LISTINGS = {"visit.view": "gongzhi.visits.selectors.visits_for"}
