"""Who may read, reveal, import and export base data (registered by RegistryConfig.ready)."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

# Who lists residents, dwellings and organisations of their scope: `registry.selectors` filters by it.
REGISTRY_VIEWERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
REGISTRY_EDITORS = role("leader", "neighbourhood", "gridworker")
# Full ID numbers and phones: only the neighbourhood committee and the leadership, with a reason.
REVEALERS = role("leader", "neighbourhood")
# The 9+1+N assistance tags are sensitive (低保, 残疾, 重病…): not for the dispatch centre.
TAG_READERS = role("auditor", "leader", "neighbourhood", "gridworker")

RULES = {
    "resident.view": REGISTRY_VIEWERS & in_scope,
    "resident.edit": REGISTRY_EDITORS & in_scope,
    "resident.reveal": REVEALERS & in_scope,
    "resident.tags": TAG_READERS & in_scope,
    "tag.assign": REGISTRY_EDITORS & in_scope,
    "tag.manage": role("leader") & in_scope,
    "organization.view": REGISTRY_VIEWERS & in_scope,
    "organization.edit": REGISTRY_EDITORS & in_scope,
    "registry.import": REVEALERS & in_scope,
    "registry.export": role("leader", "neighbourhood", "auditor") & in_scope,
}

# What each view rule allows, as the selector that lists it (checked by the scope matrix test).
LISTINGS = {
    "resident.view": "gongzhi.registry.selectors.residents_for",
    "organization.view": "gongzhi.registry.selectors.organizations_for",
}
