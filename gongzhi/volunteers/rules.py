"""Who may do what in 志愿+: permissions, named role sets and listings.

Volunteers themselves have no staff account: they act through their own phone-verified session
on the public pages (services take `volunteer=` and no actor), never through these rules."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

VOLUNTEER_READERS = role("auditor", "leader", "neighbourhood", "gridworker")
VOLUNTEER_MANAGERS = role("leader", "neighbourhood")
DEED_REPORTERS = role("leader", "neighbourhood", "gridworker")
# Correcting a ledger is a leadership decision, written down with its reason.
LEDGER_CORRECTORS = role("leader")

RULES = {
    "volunteer.view": VOLUNTEER_READERS & in_scope,
    "volunteer.manage": VOLUNTEER_MANAGERS & in_scope,
    "volunteer.export": role("leader", "neighbourhood", "auditor") & in_scope,
    # Training, awards and evaluations go into the volunteer's 67号 record: those who register
    # and verify volunteers write them; everyone who reads volunteers reads them.
    "credential.add": VOLUNTEER_MANAGERS & in_scope,
    # The yearly 在职党员双报到 summary goes out to the units' party organisations in the name of
    # the subdistrict or the neighbourhood: those who manage volunteers.
    "party_summary.send": VOLUNTEER_MANAGERS & in_scope,
    "opportunity.view": VOLUNTEER_READERS & in_scope,
    "opportunity.manage": VOLUNTEER_MANAGERS & in_scope,
    "deed.report": DEED_REPORTERS & in_scope,
    "deed.confirm": VOLUNTEER_MANAGERS & in_scope,
    "reward.manage": VOLUNTEER_MANAGERS & in_scope,
    "redemption.handle": DEED_REPORTERS & in_scope,
    "points.correct": LEDGER_CORRECTORS & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS = {
    "volunteer.view": "gongzhi.volunteers.selectors.volunteers_for",
    "opportunity.view": "gongzhi.volunteers.selectors.opportunities_for",
}
