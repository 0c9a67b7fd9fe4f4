"""Who may do what with owners' committees: the subdistrict (its housing office sits with the
leaders) and the neighbourhood guide them; grid workers and auditors read."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

COMMITTEE_READERS = role("auditor", "leader", "neighbourhood", "gridworker")
COMMITTEE_MANAGERS = role("leader", "neighbourhood")
AUDIT_MANAGERS = role("leader")
# who is reminded of a committee's coming deadline (the neighbourhood and the housing office)
REMINDED = role("leader", "neighbourhood")

RULES = {
    "committee.view": COMMITTEE_READERS & in_scope,
    "committee.manage": COMMITTEE_MANAGERS & in_scope,
    "committee.vote": COMMITTEE_MANAGERS & in_scope,
    "committee.audit": AUDIT_MANAGERS & in_scope,
    # works (维修/改造工程): the neighbourhood and the subdistrict record them and their steps
    "committee.works": COMMITTEE_MANAGERS & in_scope,
    "works.view": COMMITTEE_READERS & in_scope,
    "committeeaudit.view": COMMITTEE_READERS & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS: dict[str, str] = {
    "committee.view": "gongzhi.committees.selectors.committees_for",
    "works.view": "gongzhi.committees.selectors.works_for",
    "committeeaudit.view": "gongzhi.committees.selectors.audits_for",
}
