"""Who may do what in participation: permissions, named role sets and listings."""

from __future__ import annotations

import rules

from gongzhi.core.rules import area_of, contains, in_scope, role

# Staff who read everything of participation in their scope.
READERS = role("auditor", "leader", "dispatcher", "neighbourhood", "gridworker")
# Staff who enter suggestions for residents (proxy entry) and run meetings on the ground.
WORKERS = role("leader", "dispatcher", "neighbourhood", "gridworker")
MODERATORS = role("leader", "dispatcher", "neighbourhood")
TRIAGERS = role("leader", "dispatcher", "neighbourhood")
LEADERS = role("leader")
HANDLERS = role("handler")
# Who sees the full phone number of an author (to call back).
PHONE_READERS = role("leader", "dispatcher")


@rules.predicate
def owner_member(user, item) -> bool:
    """The user's unit owns or co-owns the list item."""
    unit_id = getattr(user, "unit_id", None)
    if not unit_id or item is None or not hasattr(item, "co_owners"):
        return False
    if getattr(item, "owner_id", None) == unit_id:
        return True
    return item.co_owners.filter(pk=unit_id).exists()


@rules.predicate
def overlaps_scope(user, obj) -> bool:
    """The object's area lies in the user's scope or contains it (a subdistrict-wide ballot is
    seen by the grid workers of that subdistrict), as territory.scope.overlapping lists them."""
    scope, area = getattr(user, "scope", None), area_of(obj)
    return contains(scope, area) or contains(area, scope)


RULES = {
    "participation.view": READERS | HANDLERS,
    "participation.campaign.manage": role("leader", "neighbourhood") & in_scope,
    "participation.suggestion.view": READERS & in_scope,
    "participation.suggestion.proxy": WORKERS & in_scope,
    "participation.suggestion.moderate": MODERATORS & in_scope,
    "participation.suggestion.triage": TRIAGERS & in_scope,
    # Decidim's answer-then-publish: drafted by the triage staff, approved by the leader.
    "participation.suggestion.answer": LEADERS & in_scope,
    "participation.suggestion.phone": PHONE_READERS & in_scope,
    "participation.topic.view": READERS & in_scope,
    "participation.topic.manage": role("leader", "neighbourhood") & in_scope,
    "participation.meeting.view": READERS & in_scope,
    "participation.meeting.run": WORKERS & in_scope,
    "participation.meeting.sign_off": role("leader", "neighbourhood") & in_scope,
    "participation.item.view": (READERS & in_scope) | (HANDLERS & in_scope & owner_member),
    "participation.item.manage": role("leader", "neighbourhood") & in_scope,
    "participation.item.progress": (role("leader", "neighbourhood") & in_scope)
    | (HANDLERS & in_scope & owner_member),
    "participation.item.verify": role("leader", "neighbourhood") & in_scope,
    "participation.project.view": READERS & in_scope,
    "participation.project.manage": role("leader", "neighbourhood") & in_scope,
    "participation.ballot.view": READERS & overlaps_scope,
    "participation.ballot.manage": role("leader", "neighbourhood") & in_scope,
}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS: dict[str, str] = {
    "participation.suggestion.view": "gongzhi.participation.selectors.suggestions_for",
    "participation.topic.view": "gongzhi.participation.selectors.topics_for",
    "participation.meeting.view": "gongzhi.participation.selectors.meetings_for",
    "participation.item.view": "gongzhi.participation.selectors.items_for",
    "participation.project.view": "gongzhi.participation.selectors.projects_for",
    "participation.ballot.view": "gongzhi.participation.selectors.ballots_for",
}
