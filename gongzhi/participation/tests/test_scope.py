"""The permission/scope matrix on both subdistricts for every role: each view rule agrees with
its selector, and nobody of B sees or acts on A's participation."""

import datetime as dt

import pytest
from django.utils.module_loading import import_string

from gongzhi.core import rules
from gongzhi.participation import services
from gongzhi.participation.rules import LISTINGS
from gongzhi.participation.tests.helpers import approved, resolved_topic

pytestmark = pytest.mark.django_db

ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker", "station"]


@pytest.fixture
def both(world):
    made = {}
    for side in ("a", "b"):
        s = getattr(world, side)
        topic, meeting, items = resolved_topic(world, side)
        project = services.create_project(actor=s.users["leader"], area=s.neighbourhood, title="众享空间")
        made[side] = {
            "participation.suggestion.view": approved(world, side=side, phone=f"1390000000{ord(side) % 10}"),
            "participation.topic.view": topic,
            "participation.meeting.view": meeting,
            "participation.item.view": items[1],  # owned by the department
            "participation.project.view": project,
            # subdistrict-wide: seen by the readers whose scope lies inside it (overlaps_scope)
            "participation.ballot.view": services.create_ballot(
                actor=s.users["leader"],
                area=s.subdistrict,
                title="民生实事票决",
                opens_on=dt.date(2026, 11, 1),
                closes_on=dt.date(2026, 11, 15),
            ),
        }
    return made


# Who of side A sees A's object (B's staff never do).
EXPECTED = {
    "participation.suggestion.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "participation.topic.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "participation.meeting.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "participation.item.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker", "handler"},
    "participation.project.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "participation.ballot.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
}


@pytest.mark.parametrize("permission", sorted(LISTINGS))
def test_view_rules_and_selectors_agree_on_both_subdistricts(world, both, permission):
    selector = import_string(LISTINGS[permission])
    for side in ("a", "b"):
        for role in ROLES:
            user = getattr(world, side).users[role]
            for obj_side in ("a", "b"):
                obj = both[obj_side][permission]
                allowed = rules.has(user, permission, obj)
                listed = selector(user).filter(pk=obj.pk).exists()
                assert allowed == listed, (side, role, obj_side)
                expected = side == obj_side and role in EXPECTED[permission]
                assert allowed == expected, (permission, side, role, obj_side)


def test_b_staff_cannot_act_on_a(world, both):
    from gongzhi.core.errors import NotAllowed

    s = both["a"]["participation.suggestion.view"]
    for role in ROLES:
        with pytest.raises(NotAllowed):
            services.triage_suggestion(actor=world.b.users[role], suggestion=s)
        with pytest.raises(NotAllowed):
            services.act_on_item(
                actor=world.b.users[role], item=both["a"]["participation.item.view"], action="start"
            )
