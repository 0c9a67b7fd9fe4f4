"""Administrative permissions: the working calendar, units, roles and the audit trail.

三员分立 (docs/security.md, A8): the system administrator (`admin`) keeps the configuration
(calendar, units, categories, texts, keys); the security administrator (`secadmin`) grants and
revokes roles and resets a staff member's second factor, lockout and API tokens; the audit
administrator (`auditadmin`) reads and exports the audit trail and the access log. None of the
three is in any rule that reads case or resident content, and none acts on their own account.
纪检审计 (`auditor`) stays the supervision role that reads cases; it no longer reads the audit trail.
"""

from __future__ import annotations

import rules

from gongzhi.core.rules import contains, in_scope, role

ADMINS = role("admin")
SECURITY_ADMINS = role("secadmin")
AUDIT_ADMINS = role("auditadmin")
AUDITORS = role("auditor")


@rules.predicate
def staff_in_scope(user, target) -> bool:
    """The target account's scope lies in the user's scope (accounts have no `.area`)."""
    return target is not None and contains(getattr(user, "scope", None), getattr(target, "scope", None))


@rules.predicate
def is_self(user, target) -> bool:
    return target is not None and getattr(target, "pk", None) == user.pk


RULES = {
    "calendar.manage": ADMINS,
    # Renaming, merging and retiring handling units of the administrator's subdistrict.
    "unit.manage": ADMINS & in_scope,
    "audit.view": AUDIT_ADMINS,
    # The roles page, and granting or revoking a role of another account in scope.
    "role.view": SECURITY_ADMINS,
    "role.grant": SECURITY_ADMINS & staff_in_scope & ~is_self,
    # Resetting another account's second factor, lockout or API tokens.
    "account.secure": SECURITY_ADMINS & staff_in_scope & ~is_self,
    # Told when next year's official holidays are not loaded: who imports them, and who dispatches.
    "calendar.warning": role("admin", "dispatcher"),
}

# Where each administrator lands (they have no case queue, the staff's home page).
ADMINISTRATOR_HOMES = {
    "admin": "core:calendar",
    "secadmin": "accounts:staff_roles",
    "auditadmin": "accounts:audit_log",
}


def administrator_home(user) -> str | None:
    """The URL name of an administrator's own page, or None for everyone else."""
    for code, url_name in ADMINISTRATOR_HOMES.items():
        if role(code).held_by(user):
            return url_name
    return None
