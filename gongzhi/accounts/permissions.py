"""Every "may this user see or do this?" question, answered in one place.

A permission is a named predicate (`"case.escalate"`). Services call `require()` and refuse;
views and templates call `has()` only to decide what to show. Scope is one of the predicates:
an object is in scope when its area lies in the user's scope subtree. Objects are duck-typed
(anything with `.area`, or an Area itself), so this module needs nothing from the apps above it.

The platform administrator has no case content by default (separation of duties), so
superusers get nothing here that their roles do not give them.
"""

from __future__ import annotations

from typing import Any

import rules
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotAllowed
from gongzhi.territory.models import Area

PERMISSIONS = rules.RuleSet()


def role(*codes: str) -> rules.Predicate:
    name = "role:" + ",".join(codes)

    def check(user) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.has_role(*codes)

    return rules.Predicate(check, name=name)


def _area_of(obj: Any) -> Area | None:
    if obj is None:
        return None
    if isinstance(obj, Area):
        return obj
    return getattr(obj, "area", None)


@rules.predicate
def in_scope(user, obj) -> bool:
    area = _area_of(obj)
    scope = getattr(user, "scope", None)
    return area is not None and scope is not None and area.path.startswith(scope.path)


@rules.predicate
def unit_member(user, case) -> bool:
    """The user belongs to the unit the case is assigned to, or to one of its co-handlers."""
    unit_id = getattr(user, "unit_id", None)
    if not unit_id or case is None:
        return False
    if getattr(case, "assigned_unit_id", None) == unit_id:
        return True
    return case.co_units.filter(pk=unit_id).exists()


@rules.predicate
def tier_one(user, case) -> bool:
    return getattr(case, "tier", None) == 1


STAFF_VIEWERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
WORKERS = role("leader", "dispatcher", "neighbourhood", "gridworker", "handler")

_case_rules = {
    "case.view": (STAFF_VIEWERS & in_scope) | (role("handler") & in_scope & unit_member),
    "case.create": role("leader", "dispatcher", "neighbourhood", "gridworker") & in_scope,
    "case.accept": role("dispatcher") & in_scope,
    "case.reject": role("dispatcher") & in_scope,
    "case.assign": role("dispatcher", "leader") & in_scope,
    "case.merge": role("dispatcher") & in_scope,
    "case.escalate": (role("dispatcher", "leader") & in_scope)
    | (role("neighbourhood") & in_scope & tier_one)
    | (role("handler", "neighbourhood") & in_scope & unit_member),
    "case.consult": role("dispatcher", "leader", "neighbourhood") & in_scope,
    "case.coordinate": role("leader") & in_scope,
    "case.reply": role("handler", "neighbourhood") & in_scope & unit_member,
    "case.verify": role("dispatcher") & in_scope,
    "case.close": role("dispatcher") & in_scope,
    "case.reopen": role("dispatcher", "leader") & in_scope,
    "case.suspend_request": (role("handler", "neighbourhood") & in_scope & unit_member)
    | (role("dispatcher") & in_scope),
    "case.suspend_approve": role("leader") & in_scope,
    "case.resume": role("dispatcher", "leader") & in_scope,
    "case.note": WORKERS & in_scope & ((~role("handler")) | unit_member),
    "case.rate_by_phone": role("dispatcher") & in_scope,
}

_other_rules = {
    "area.view": in_scope,
    "dashboard.view": role("leader", "dispatcher", "auditor"),
    # Messages carry case content: not for the platform administrator (separation of duties).
    "outbox.view": role("dispatcher", "auditor"),
    # Reporters' full phone numbers in the outbox: the dispatchers who call them back.
    "outbox.phone": role("dispatcher"),
    "calendar.manage": role("admin"),
    "category.manage": role("admin"),
    "audit.view": role("auditor"),
}

# Open311 client keys and REST API tokens (issue 4).
_api_rules = {
    "apikey.manage": role("admin"),
    "map.view": role("auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"),
}

# ---- registry and visits (issue 3): who may read, reveal, import and export base data, and visit.
REGISTRY_VIEWERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")

_registry_rules = {
    "resident.view": REGISTRY_VIEWERS & in_scope,
    "resident.edit": role("leader", "neighbourhood", "gridworker") & in_scope,
    # Full ID numbers and phones: only the neighbourhood committee and the leadership, with a reason.
    "resident.reveal": role("leader", "neighbourhood") & in_scope,
    # The 9+1+N assistance tags are sensitive (低保, 残疾, 重病…): not for the dispatch centre.
    "resident.tags": role("auditor", "leader", "neighbourhood", "gridworker") & in_scope,
    "tag.assign": role("leader", "neighbourhood", "gridworker") & in_scope,
    "tag.manage": role("leader") & in_scope,
    "organization.view": REGISTRY_VIEWERS & in_scope,
    "organization.edit": role("leader", "neighbourhood", "gridworker") & in_scope,
    "registry.import": role("leader", "neighbourhood") & in_scope,
    "registry.export": role("leader", "neighbourhood", "auditor") & in_scope,
    "visit.view": role("auditor", "leader", "neighbourhood", "gridworker") & in_scope,
    "visit.create": role("leader", "neighbourhood", "gridworker") & in_scope,
    "campaign.manage": role("leader", "neighbourhood") & in_scope,
}

# ---- text app (issue 6): model training and hot issues
_text_rules = {
    "text.manage": role("admin"),
    "text.hot": role("leader", "dispatcher", "auditor"),
    "text.duplicates": STAFF_VIEWERS | role("handler"),
}
for _name, _predicate in {
    **_case_rules,
    **_other_rules,
    **_api_rules,
    **_registry_rules,
    **_text_rules,
}.items():
    PERMISSIONS.add_rule(_name, _predicate)

CASE_ACTIONS = [
    name.removeprefix("case.") for name in _case_rules if name not in ("case.view", "case.create")
]


def has(user, permission: str, obj: Any = None) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return PERMISSIONS.test_rule(permission, user, obj)


def require(user, permission: str, obj: Any = None) -> None:
    if not has(user, permission, obj):
        raise NotAllowed(_("您没有执行此操作的权限（%(permission)s）。") % {"permission": permission})
