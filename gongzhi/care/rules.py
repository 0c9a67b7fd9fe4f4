"""Who may do what in care: permissions, named role sets and listings.

Who is cared for, and why, is as sensitive as the 9+1+N tags it is built from: the same readers
as the registry's tags (not the dispatch centre, not the handling units)."""

from __future__ import annotations

import rules

from gongzhi.core.rules import area_of, contains, in_scope, role

CARE_READERS = role("auditor", "leader", "neighbourhood", "gridworker")
CARE_WORKERS = role("leader", "neighbourhood", "gridworker")
CARE_MANAGERS = role("leader", "neighbourhood")
# Who is told of an alert at each level (besides the back-up assignee).
ALERTED_IN_NEIGHBOURHOOD = role("neighbourhood")
ALERTED_IN_SUBDISTRICT = role("leader")


@rules.predicate
def scope_overlaps(user, obj) -> bool:
    """The object's area is inside the user's scope or contains it: a grid worker sees the
    subdistrict-wide saved group that finds the people of their grid."""
    scope, area = getattr(user, "scope", None), area_of(obj)
    return contains(scope, area) or contains(area, scope)


RULES = {
    "care.view": CARE_READERS & in_scope,
    "care.check_in": CARE_WORKERS & in_scope,
    "care.manage": CARE_MANAGERS & in_scope,
    "caregroup.view": CARE_READERS & scope_overlaps,
    "careassignment.view": CARE_READERS & in_scope,
    "care.map": CARE_READERS & in_scope,
    "carealert.view": CARE_READERS & in_scope,
    "carealert.handle": CARE_WORKERS & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS = {
    "care.view": "gongzhi.care.selectors.recipients_for",
    "carealert.view": "gongzhi.care.selectors.alerts_for",
    "caregroup.view": "gongzhi.care.selectors.groups_for",
    "careassignment.view": "gongzhi.care.selectors.assignments_for",
}
