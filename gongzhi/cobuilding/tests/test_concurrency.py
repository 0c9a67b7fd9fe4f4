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
