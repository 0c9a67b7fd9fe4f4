import pytest

from gongzhi.core import rules
from gongzhi.events import selectors
from gongzhi.events.tests.helpers import make_event

pytestmark = pytest.mark.django_db

SEES = {"auditor", "leader", "neighbourhood", "gridworker"}
MANAGES = {"leader", "neighbourhood"}
DOOR = {"leader", "neighbourhood", "gridworker"}


def test_scope_matrix(world):
    mine, theirs = make_event(world, side="a"), make_event(world, side="b")
    for side, own, other in (("a", mine, theirs), ("b", theirs, mine)):
        for code, user in getattr(world, side).users.items():
            listed = set(selectors.events_for(user).values_list("pk", flat=True))
            assert (own.pk in listed) is (code in SEES), (side, code)
            assert other.pk not in listed
            assert rules.has(user, "event.view", own) is (code in SEES)
            assert rules.has(user, "event.manage", own) is (code in MANAGES)
            assert rules.has(user, "event.checkin", own) is (code in DOOR)
            assert rules.has(user, "event.view", other) is False
    assert not selectors.events_for(world.admin).exists()
