"""Who may do what in renewal projects: the subdistrict runs them, neighbourhood secretaries and
grid workers are the cadres on the doorstep, auditors read."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

RENEWAL_READERS = role("auditor", "leader", "neighbourhood", "gridworker")
CADRES = role("leader", "neighbourhood", "gridworker")
PROJECT_MANAGERS = role("leader")

RULES = {
    "renewal.view": RENEWAL_READERS & in_scope,
    "renewal.record": CADRES & in_scope,
    "renewal.manage": PROJECT_MANAGERS & in_scope,
}

# Each rule and the selector that lists what it allows (checked by the scope matrix tests): the
# pages' forms and the API's writes are offered exactly where these selectors list the object.
LISTINGS: dict[str, str] = {
    "renewal.view": "gongzhi.renewal.selectors.projects_for",
    "renewal.manage": "gongzhi.renewal.selectors.projects_managed_by",
    "renewal.record": "gongzhi.renewal.selectors.certificates_recordable_by",
}
