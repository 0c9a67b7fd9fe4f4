"""The permission and scope matrix: every role of both subdistricts against each object kind."""

import datetime as dt

import pytest

from gongzhi.cobuilding import selectors
from gongzhi.cobuilding.services import lists, network, places
from gongzhi.core import rules

pytestmark = pytest.mark.django_db

ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]


@pytest.fixture
def objects(net, world):
    leader = world.a.users["leader"]
    pairing = network.create_pairing(
        actor=leader,
        unit=net.firm_a,
        neighbourhood=world.a.neighbourhood,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 1, 1),
    )
    need = lists.raise_need(actor=leader, area=world.a.neighbourhood, category="elderly", title="助餐")
    resource = lists.offer_resource(actor=leader, organization=net.firm_a, category="elderly", title="送餐")
    place = places.nominate_place(
        actor=leader,
        kind="station",
        name="暖新巢",
        lat=31.2012,
        lng=121.4012,
        address="A路",
        opening_hours="24/7",
    )
    alliance = network.create_alliance(
        actor=leader, area=world.a.subdistrict, name="联盟", theme="other", founded_on=dt.date(2026, 1, 1)
    )
    return {
        "partybranch.view": net.branch_a,
        "pairing.view": pairing,
        "need.view": need,
        "resource.view": resource,
        "place.view": place,
        "alliance.view": alliance,
    }


EXPECTED_A = {
    # permission: roles of subdistrict A that see A's object
    "partybranch.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "pairing.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "need.view": {"auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"},
    "resource.view": {
        "auditor",
        "leader",
        "dispatcher",
        "handler",
        "gridworker",
    },  # the firm sits in the estate of A一居
    "place.view": {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"},
    "alliance.view": {"auditor", "leader", "dispatcher"},  # subdistrict-wide: above a neighbourhood's scope
}


@pytest.mark.parametrize("permission", sorted(EXPECTED_A))
def test_rule_and_selector_agree_for_every_role_of_both_subdistricts(objects, world, permission):
    from django.utils.module_loading import import_string

    obj = objects[permission]
    selector = import_string(rules.LISTINGS[permission])
    seen = set()
    for side, name in ((world.a, "a"), (world.b, "b")):
        for role in ROLES:
            user = side.users[role]
            allowed = rules.has(user, permission, obj)
            assert allowed == selector(user).filter(pk=obj.pk).exists(), (name, role)
            if allowed:
                seen.add((name, role))
    expected = {("a", r) for r in EXPECTED_A[permission]}
    if permission == "resource.view":
        expected.add(("a", "neighbourhood"))
    assert seen == expected
    assert rules.has(world.admin, permission, obj) is False


def test_the_public_sees_only_published_places(objects, world):
    place = objects["place.view"]
    assert not selectors.published_places().filter(pk=place.pk).exists()
