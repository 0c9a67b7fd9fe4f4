"""The case page and the REST API offer the same actions, from the one action table, for every
status × tier × role; and the table's names are the API's action paths."""

import itertools
import re

import pytest

from gongzhi.cases import actions
from gongzhi.cases.models import Case, Source, Status
from gongzhi.cases.tests.helpers import assigned_case
from gongzhi.core import rules

ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]
OFFERED = re.compile(r'<details id="action-([a-z_]+)"')


def page_actions(client, case: Case) -> list[str]:
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 200
    return OFFERED.findall(response.content.decode())


def api_actions(client, case: Case) -> list[str]:
    response = client.get(f"/api/cases/{case.number}")
    assert response.status_code == 200, response.content
    return response.json()["allowed_actions"]


@pytest.mark.django_db
def test_page_and_api_offer_the_same_actions_in_every_state(world, client):
    case = assigned_case(world, tier=1, unit=world.a.committee)
    offered_somewhere: set[str] = set()
    for status in Status.values:
        # A case handled on the spot (现场即办) is closed at once; its spot check follows.
        sources = (Source.WEB, Source.ONSITE) if status in (Status.CLOSED, Status.RATED) else (Source.WEB,)
        for tier, requested, source in itertools.product((1, 2, 3), (False, True), sources):
            Case.objects.filter(pk=case.pk).update(
                status=status, tier=tier, suspension_requested=requested, source=source
            )
            case.refresh_from_db()
            for role in ROLES:
                user = world.a.users[role]
                client.force_login(user)
                if not rules.has(user, "case.view", case):
                    continue
                on_page = page_actions(client, case)
                assert on_page == api_actions(client, case), (status, tier, requested, role)
                assert on_page == actions.available(user, case)
                offered_somewhere.update(on_page)
    # Every action of the table is offered to someone in some state: none is dead.
    assert offered_somewhere == set(actions.ACTIONS)


@pytest.mark.django_db
def test_a_new_report_offers_the_dispatcher_what_the_page_offers(world, client):
    """The disagreement that was found: the API listed 13 actions for a new case, the page 5."""
    from gongzhi.cases.tests.helpers import public_report

    case = public_report(world)
    client.force_login(world.a.users["dispatcher"])
    offered = api_actions(client, case)
    assert offered == page_actions(client, case)
    assert "reply" not in offered and "close" not in offered and "accept" in offered


def test_every_action_has_an_api_path():
    from gongzhi.api import api

    paths = {route for route in api.get_openapi_schema()["paths"]}
    for spec in actions.ACTIONS.values():
        assert f"/api/cases/{{number}}/{spec.api_path}" in paths, spec.name
