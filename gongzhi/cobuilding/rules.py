"""Who may do what in co-building: permissions, named role sets and listings."""

from __future__ import annotations

from gongzhi.core.rules import in_scope, role

# Who reads the network, the lists and the map's places of their scope.
COBUILDING_READERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
# The lists are also read by the handling units, who claim needs for their own organisation.
LIST_READERS = role("auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker")
# Who keeps the network (party organisations, coverage, pairings, alliances) and the lists.
NETWORK_KEEPERS = role("leader", "neighbourhood")
CLAIMERS = role("leader", "neighbourhood", "handler")
# Who nominates and checks map places on the ground; who publishes them.
PLACE_CHECKERS = role("leader", "neighbourhood", "gridworker")
PLACE_PUBLISHERS = role("leader", "neighbourhood")

RULES = {
    "partybranch.view": COBUILDING_READERS & in_scope,
    "coverage.manage": NETWORK_KEEPERS & in_scope,
    "pairing.view": COBUILDING_READERS & in_scope,
    "pairing.manage": NETWORK_KEEPERS & in_scope,
    "alliance.view": COBUILDING_READERS & in_scope,
    "alliance.manage": NETWORK_KEEPERS & in_scope,
    "need.view": LIST_READERS & in_scope,
    "need.manage": NETWORK_KEEPERS & in_scope,
    "need.claim": CLAIMERS & in_scope,
    "resource.view": LIST_READERS & in_scope,
    "resource.manage": NETWORK_KEEPERS & in_scope,
    "resource.offer": CLAIMERS & in_scope,
    "project.view": LIST_READERS & in_scope,
    "project.manage": NETWORK_KEEPERS & in_scope,
    "place.view": COBUILDING_READERS & in_scope,
    "place.nominate": PLACE_CHECKERS & in_scope,
    "place.verify": PLACE_CHECKERS & in_scope,
    "place.publish": PLACE_PUBLISHERS & in_scope,
    "cobuilding.view": COBUILDING_READERS & in_scope,
}

# What each view rule allows, as the selector that lists it (checked by the scope matrix test).
LISTINGS: dict[str, str] = {
    "partybranch.view": "gongzhi.cobuilding.selectors.party_branches_for",
    "pairing.view": "gongzhi.cobuilding.selectors.pairings_for",
    "alliance.view": "gongzhi.cobuilding.selectors.alliances_for",
    "need.view": "gongzhi.cobuilding.selectors.needs_for",
    "resource.view": "gongzhi.cobuilding.selectors.resources_for",
    "project.view": "gongzhi.cobuilding.selectors.projects_for",
    "place.view": "gongzhi.cobuilding.selectors.places_for",
}
