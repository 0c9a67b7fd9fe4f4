"""Who sees and manages which committee: every role, both subdistricts."""

import pytest

from gongzhi.committees import selectors, services
from gongzhi.core.rules import has

pytestmark = pytest.mark.django_db

READERS = {"auditor", "leader", "neighbourhood", "gridworker"}
MANAGERS = {"leader", "neighbourhood"}


def test_view_and_manage_matrix(world):
    committee = services.create_committee(actor=world.a.users["leader"], area=world.a.estate)
    for side_name, side in (("a", world.a), ("b", world.b)):
        for code, user in side.users.items():
            listed = committee in selectors.committees_for(user)
            expected = side_name == "a" and code in READERS
            assert listed == expected == has(user, "committee.view", committee), (side_name, code)
            assert has(user, "committee.manage", committee) == (side_name == "a" and code in MANAGERS)
            assert has(user, "committee.audit", committee) == (side_name == "a" and code == "leader")
    assert committee not in selectors.committees_for(world.admin)


def test_neighbourhood_of_another_estate_does_not_see_it(world):
    from gongzhi.territory.services import create_area

    other_estate = create_area(code="A-E2", name="A二小区", kind="estate", parent=world.a.other_neighbourhood)
    committee = services.create_committee(actor=world.a.users["leader"], area=other_estate)
    secretary = world.a.users["neighbourhood"]
    assert committee not in selectors.committees_for(secretary)
    assert not has(secretary, "committee.manage", committee)


def test_works_and_audits_matrix(world):
    import datetime as dt

    from gongzhi.committees import works as works_services
    from gongzhi.committees.tests.helpers import committee_in_term
    from gongzhi.core.rules import LISTINGS

    assert {"works.view", "committeeaudit.view"} <= set(LISTINGS)
    committee = committee_in_term(world.a)
    works = works_services.create_works(
        actor=world.a.users["leader"],
        committee=committee,
        title="门禁更新",
        contractor="某公司",
        amount="9000",
        funding="public_income",
        proposed_on=dt.date(2026, 4, 1),
    )
    record = services.record_audit(
        actor=world.a.users["leader"],
        committee=committee,
        kind="annual",
        year=2025,
        done_on=dt.date(2026, 4, 1),
    )
    for side_name, side in (("a", world.a), ("b", world.b)):
        for code, user in side.users.items():
            mine = side_name == "a"
            assert (
                (works in selectors.works_for(user))
                == (mine and code in READERS)
                == has(user, "works.view", works)
            )
            assert (record in selectors.audits_for(user)) == (mine and code in READERS)
            assert has(user, "committeeaudit.view", record) == (mine and code in READERS)
            assert has(user, "committee.works", works) == (mine and code in MANAGERS), (side_name, code)
