"""Administrative permissions: the working calendar and the audit trail."""

from __future__ import annotations

from gongzhi.core.rules import role

ADMINS = role("admin")
AUDITORS = role("auditor")

RULES = {
    "calendar.manage": ADMINS,
    "audit.view": AUDITORS,
    # Told when next year's official holidays are not loaded: who imports them, and who dispatches.
    "calendar.warning": role("admin", "dispatcher"),
}
