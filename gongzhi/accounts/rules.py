"""Administrative permissions: the working calendar and the audit trail."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

ADMINS = role("admin")
AUDITORS = role("auditor")

RULES = {
    "calendar.manage": ADMINS,
    # Renaming, merging and retiring handling units of the administrator's subdistrict.
    "unit.manage": ADMINS & in_scope,
    "audit.view": AUDITORS,
    # Told when next year's official holidays are not loaded: who imports them, and who dispatches.
    "calendar.warning": role("admin", "dispatcher"),
}
