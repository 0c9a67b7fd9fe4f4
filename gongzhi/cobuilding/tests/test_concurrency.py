"""Two units claiming the last of a need at once: exactly one wins."""

import threading

import pytest
from django.db import connection

from gongzhi.cobuilding.models import Claim, Need, NeedState
from gongzhi.cobuilding.services import lists
from gongzhi.core.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def race(*callables):
    barrier = threading.Barrier(len(callables))
    outcomes = [None] * len(callables)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_two_units_claim_the_whole_need_at_once(net, world):
    leader, secretary = world.a.users["leader"], world.a.users["neighbourhood"]
    need = lists.raise_need(
        actor=secretary, area=world.a.neighbourhood, category="venue", title="借用会议室", quantity=1
    )
    outcomes = race(
        lambda: lists.claim_need(actor=leader, need=need, organization=net.firm_a),
        lambda: lists.claim_need(actor=secretary, need=need, organization=net.shop_a),
    )
    assert sorted(outcomes, key=str)[-1] == "ok" and outcomes.count("ok") == 1
    need = Need.objects.get(pk=need.pk)
    assert (need.state, need.claimed, Claim.objects.count()) == (NeedState.CLAIMED, 1, 1)


def test_two_editors_save_the_same_pairing_through_the_api_at_once(net, world):
    """Both read the pairing (and its edit_token) and save at the same moment: exactly one save
    is taken, the other is answered 409 `conflict` (the documented stale-edit answer) and
    changes nothing."""
    import datetime as dt
    import json

    from django.test import Client

    from gongzhi.cobuilding.models import Pairing, Timeline
    from gongzhi.cobuilding.services import network
    from gongzhi.open311 import services as tokens

    pairing = network.create_pairing(
        actor=world.a.users["leader"],
        unit=net.firm_a,
        neighbourhood=world.a.neighbourhood,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    editors = [world.a.users["leader"], world.a.users["neighbourhood"]]
    headers = [
        {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue_token(user=u, name='race')[1]}"} for u in editors
    ]
    listed = Client().get("/api/cobuilding/pairings", **headers[0]).json()
    seen = listed[0]["edit_token"]
    answers = [None, None]

    def save(i, plan):
        def run():
            response = Client().post(
                f"/api/cobuilding/pairings/{pairing.pk}",
                json.dumps({"ends_on": f"202{8 + i}-06-30", "plan": plan, "seen": seen}),
                content_type="application/json",
                **headers[i],
            )
            answers[i] = (response.status_code, response.json())

        return run

    race(save(0, "书记的计划"), save(1, "居委的计划"))
    codes = sorted(code for code, _body in answers)
    assert codes == [200, 409], answers
    loser = next(body for code, body in answers if code == 409)
    assert loser["code"] == "conflict" and "刚被其他人修改过" in loser["message"]
    winner = next(body for code, body in answers if code == 200)
    pairing = Pairing.objects.get(pk=pairing.pk)
    assert (pairing.plan, str(pairing.ends_on)) == (winner["plan"], str(winner["ends_on"]))
    assert Timeline.objects.filter(subject="pairing", subject_id=pairing.pk, action="edit").count() == 1
