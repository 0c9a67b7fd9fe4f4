"""Who sees and does what, in both subdistricts, for every role."""

import pytest

from gongzhi.core import rules
from gongzhi.mediation import selectors
from gongzhi.mediation.tests.helpers import new_dispute

pytestmark = pytest.mark.django_db

SEES = {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"}
MEDIATES = {"leader", "neighbourhood"}


def test_scope_matrix(world):
    mine = new_dispute(world, side="a")
    theirs = new_dispute(world, side="b")
    for side, own, other in (("a", mine, theirs), ("b", theirs, mine)):
        for code, user in getattr(world, side).users.items():
            listed = set(selectors.disputes_for(user).values_list("pk", flat=True))
            sees = code in SEES
            assert (own.pk in listed) is sees, (side, code)
            assert other.pk not in listed
            assert rules.has(user, "dispute.view", own) is sees
            assert rules.has(user, "dispute.view", other) is False
            assert rules.has(user, "dispute.mediate", own) is (code in MEDIATES)
    assert not selectors.disputes_for(world.admin).exists()
