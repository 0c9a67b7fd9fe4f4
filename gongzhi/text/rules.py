"""Model training, hot issues and duplicates."""

from __future__ import annotations

from gongzhi.core.rules import role

HOT_READERS = role("leader", "dispatcher", "auditor")

RULES = {
    "text.manage": role("admin"),
    "text.hot": HOT_READERS,
    # Turning a hot issue into a tier-3 coordination: the subdistrict's leadership and dispatchers.
    "text.hot_escalate": role("leader", "dispatcher"),
    "text.duplicates": role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker", "handler"),
}
