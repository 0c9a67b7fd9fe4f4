"""Reminders before a committee's deadline go to the neighbourhood and the subdistrict, once."""

import datetime as dt

import pytest

from gongzhi.accounts.models import Notice
from gongzhi.committees import services
from gongzhi.committees.sweep import remind
from gongzhi.committees.tests.helpers import specs

pytestmark = pytest.mark.django_db


def test_reminders_before_and_after_the_filing_deadline(world):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    services.advance(actor=leader, committee=committee, action="form_preparatory", on=dt.date(2026, 1, 5))
    services.advance(
        actor=leader, committee=committee, action="convene_first_assembly", on=dt.date(2026, 3, 9)
    )
    services.elect(actor=leader, committee=committee, on=dt.date(2026, 3, 10), members=specs())
    committee.refresh_from_db()
    assert committee.due_on == dt.date(2026, 4, 9)
    assert remind(dt.date(2026, 3, 20)) == 0  # 20 days left
    told = {n.user.username for n in Notice.objects.filter(kind="committees.deadline")}
    assert told == set()
    assert remind(dt.date(2026, 3, 27)) == 2  # 13 days left: the leader and the neighbourhood
    assert remind(dt.date(2026, 3, 28)) == 0  # already told
    told = {n.user.username for n in Notice.objects.filter(kind="committees.deadline")}
    assert told == {"a_leader", "a_neighbourhood"}
    assert remind(dt.date(2026, 4, 7)) == 2  # three days left
    assert remind(dt.date(2026, 4, 10)) == 2  # overdue
    assert not Notice.objects.filter(user__username__startswith="b_", kind="committees.deadline").exists()
