"""Who may do what in mediation: permissions, named role sets and listings.

People's mediators sit in the neighbourhood committees (居委人民调解委员会) and the subdistrict
(司法所, the working committee); grid workers and the dispatch centre find disputes and register
them; the auditor reads. Parties' names are shown in full only to the mediators."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

DISPUTE_READERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
DISPUTE_REGISTRARS = role("leader", "dispatcher", "neighbourhood", "gridworker")
MEDIATORS = role("leader", "neighbourhood")

RULES = {
    "dispute.view": DISPUTE_READERS & in_scope,
    "dispute.create": DISPUTE_REGISTRARS & in_scope,
    "dispute.mediate": MEDIATORS & in_scope,
    "dispute.parties": MEDIATORS & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS: dict[str, str] = {"dispute.view": "gongzhi.mediation.selectors.disputes_for"}
