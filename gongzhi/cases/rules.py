"""The case loop's permissions (registered by CasesConfig.ready)."""

from __future__ import annotations

import rules

from gongzhi.core.rules import in_scope, role


@rules.predicate
def unit_member(user, case) -> bool:
    """The user belongs to the unit the case is assigned to, or to one of its co-handlers."""
    unit_id = getattr(user, "unit_id", None)
    if not unit_id or case is None or not hasattr(case, "co_units"):
        return False
    if getattr(case, "assigned_unit_id", None) == unit_id:
        return True
    return case.co_units.filter(pk=unit_id).exists()


@rules.predicate
def tier_one(user, case) -> bool:
    return getattr(case, "tier", None) == 1


# Who sees every case of their scope (a handler sees only its unit's): `cases_for` filters by it.
CASE_VIEWERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
HANDLERS = role("handler")
WORKERS = role("leader", "dispatcher", "neighbourhood", "gridworker", "handler")
DISPATCHERS = role("dispatcher")
LEADERS = role("leader")
REPORTERS = role("leader", "dispatcher", "neighbourhood", "gridworker")
# Whose level each tier is (the queue's "本层级" view): 1 居民区, 2 网格, 3 街道.
ONSITE_WORKERS = role("neighbourhood", "gridworker")
TIER_HOLDERS = {1: role("neighbourhood"), 2: role("gridworker"), 3: LEADERS}

CASE_RULES = {
    "case.view": (CASE_VIEWERS & in_scope) | (HANDLERS & in_scope & unit_member),
    "case.create": REPORTERS & in_scope,
    "case.accept": DISPATCHERS & in_scope,
    "case.reject": DISPATCHERS & in_scope,
    "case.assign": role("dispatcher", "leader") & in_scope,
    "case.merge": DISPATCHERS & in_scope,
    "case.escalate": (role("dispatcher", "leader") & in_scope)
    | (role("neighbourhood") & in_scope & tier_one)
    | (role("handler", "neighbourhood") & in_scope & unit_member),
    "case.consult": role("dispatcher", "leader", "neighbourhood") & in_scope,
    "case.coordinate": LEADERS & in_scope,
    "case.reply": role("handler", "neighbourhood") & in_scope & unit_member,
    "case.verify": DISPATCHERS & in_scope,
    "case.close": DISPATCHERS & in_scope,
    "case.reopen": role("dispatcher", "leader") & in_scope,
    "case.suspend_request": (role("handler", "neighbourhood") & in_scope & unit_member)
    | (DISPATCHERS & in_scope),
    "case.suspend_approve": LEADERS & in_scope,
    "case.resume": role("dispatcher", "leader") & in_scope,
    "case.note": WORKERS & in_scope & ((~HANDLERS) | unit_member),
    "case.rate_by_phone": DISPATCHERS & in_scope,
    # Correcting a wrong category: the dispatchers decide; the unit handling it may ask.
    "case.reclassify": DISPATCHERS & in_scope,
    "case.reclassify_request": role("handler", "neighbourhood") & in_scope & unit_member,
    # 现场即办: the grid and neighbourhood workers who find and solve a small problem on the spot
    # (checked against the area); the dispatchers check a sample of what they recorded.
    "case.onsite": ONSITE_WORKERS & in_scope,
    "case.onsite_check": DISPATCHERS & in_scope,
}

RULES = {
    **CASE_RULES,
    # Has a case list at all (the work queue): every staff role with case content.
    "case.list": CASE_VIEWERS | HANDLERS,
    # The rates of one's own area: the subdistrict's for leaders, dispatchers and auditors, the
    # neighbourhood's and the grid's for their committees and grid workers (scoped by cases_for).
    "dashboard.view": role("leader", "dispatcher", "auditor", "neighbourhood", "gridworker"),
    # Messages carry case content: not for the platform administrator (separation of duties).
    "outbox.view": role("dispatcher", "auditor"),
    # Reporters' full phone numbers in the outbox: the dispatchers who call them back.
    "outbox.phone": DISPATCHERS,
    "category.manage": role("admin"),
    "map.view": role("auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"),
}

CASE_ACTIONS = [
    name.removeprefix("case.")
    for name in CASE_RULES
    if name not in ("case.view", "case.create", "case.onsite")
]

# What each view rule allows, as the selector that lists it (checked by the scope matrix test).
LISTINGS = {"case.view": "gongzhi.cases.selectors.cases_for"}
