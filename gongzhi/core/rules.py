"""Every "may this user see or do this?" question, answered in one registry.

A permission is a named predicate (`"case.escalate"`). Each app owns its rules in its own
`rules.py` (`RULES = {name: predicate}`) and registers them from its `AppConfig.ready()` with
`register(RULES)`, so a new app adds its permissions beside its code (adhocracy4's per-app
`rules.py`). Services call `require()` and refuse; views and templates call `has()` only to
decide what to show. Named role sets (`role(...)`) are shared by a predicate and the selector that
lists the same objects (`user.has_role(*CASE_VIEWERS.codes)`), so no view, template or selector
spells out a tuple of roles.

Scope is one of the predicates: an object is in scope when its area lies in the user's scope
subtree. Objects are duck-typed (an Area; anything with `.scope_area`, `.area` or `.subdistrict`),
so this base module needs nothing from the apps above it.

The platform administrator has no case content by default (separation of duties), so
superusers get nothing here that their roles do not give them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rules
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotAllowed

PERMISSIONS = rules.RuleSet()


def role(*codes: str) -> rules.Predicate:
    """A named role set: a predicate true for active users holding any of `codes`. It carries
    `.codes` (the tuple, for selectors that filter by the same roles) and `.held_by(user)`."""

    def check(user) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.has_role(*codes)

    predicate = rules.Predicate(check, name="role:" + ",".join(codes))
    predicate.codes = codes
    predicate.held_by = lambda user: bool(check(user))
    return predicate


def area_of(obj: Any):
    """The area an object belongs to, for scope checks (None when it has none)."""
    if obj is None:
        return None
    if hasattr(obj, "path") and hasattr(obj, "kind") and hasattr(obj, "parent_id"):
        return obj  # an Area
    for attribute in ("scope_area", "area", "subdistrict"):
        area = getattr(obj, attribute, None)
        if area is not None:
            return area
    return None


def contains(scope, area) -> bool:
    """Whether `area` lies in the subtree of `scope` (both Areas, or None)."""
    return area is not None and scope is not None and area.path.startswith(scope.path)


@rules.predicate
def in_scope(user, obj) -> bool:
    return contains(getattr(user, "scope", None), area_of(obj))


# permission -> dotted path of the selector that lists the objects it allows ("x.view" -> x_for):
# the scope matrix test checks has(user, perm, obj) == (obj in selector(user)) for every pair.
LISTINGS: dict[str, str] = {}


def register(mapping: Mapping[str, rules.Predicate], *, listings: Mapping[str, str] | None = None) -> None:
    """Add an app's rules (and, optionally, which selector lists what each view rule allows);
    a name registered twice is a programming error."""
    for name, selector in (listings or {}).items():
        if name not in mapping:
            raise ValueError(f"listing for unknown permission {name!r}")
        LISTINGS[name] = selector
    for name, predicate in mapping.items():
        if name in PERMISSIONS:
            if PERMISSIONS[name] is predicate:
                continue  # the same app registered again (tests re-run ready())
            raise ValueError(f"permission {name!r} is registered twice")
        PERMISSIONS.add_rule(name, predicate)


def replace(name: str, predicate: rules.Predicate) -> None:
    """A deployment's override of one rule (meinBerlin's remove_perm/add_perm)."""
    if name not in PERMISSIONS:
        raise KeyError(f"unknown permission {name!r}")
    PERMISSIONS.set_rule(name, predicate)


def permission_names() -> list[str]:
    return sorted(PERMISSIONS)


def has(user, permission: str, obj: Any = None) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return PERMISSIONS.test_rule(permission, user, obj)


def require(user, permission: str, obj: Any = None) -> None:
    if not has(user, permission, obj):
        raise NotAllowed(_("您没有执行此操作的权限（%(permission)s）。") % {"permission": permission})
