"""Who may do what in insight: permissions, named role sets and listings."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

# The weekly grid meeting: read by those who run or oversee grids; drafted, edited and frozen by
# the grid (grid worker / grid leader), the centre and the subdistrict.
REPORT_READERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
REPORT_EDITORS = role("leader", "dispatcher", "gridworker")
# The interaction index: the subdistrict, the centre, the neighbourhoods and the auditors.
INDEX_READERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
# Smart supervision: discipline and audit officers; the working committee reads them too.
ALERT_READERS = role("auditor", "leader")
ALERT_REVIEWERS = role("auditor")
# The command-centre cockpit.
COCKPIT_VIEWERS = role("auditor", "leader", "dispatcher")

RULES = {
    "weeklyreport.view": REPORT_READERS & in_scope,
    "weeklyreport.edit": REPORT_EDITORS & in_scope,
    "weeklyreport.export": REPORT_READERS & in_scope,
    "interactionindex.view": INDEX_READERS & in_scope,
    "interactionindex.compute": role("leader", "dispatcher") & in_scope,
    "alert.view": ALERT_READERS & in_scope,
    "alert.review": ALERT_REVIEWERS & in_scope,
    "alert.scan": ALERT_REVIEWERS & in_scope,
    "cockpit.view": COCKPIT_VIEWERS & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS: dict[str, str] = {
    "weeklyreport.view": "gongzhi.insight.selectors.reports_for",
    "interactionindex.view": "gongzhi.insight.selectors.index_rows_for",
    "alert.view": "gongzhi.insight.selectors.alerts_for",
}
