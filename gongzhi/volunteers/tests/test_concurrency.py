"""Two people redeeming the last item at once: exactly one succeeds. One volunteer spending
the same points twice at once: exactly one succeeds."""

import datetime as dt
import threading

import pytest
from django.db import connection

from gongzhi.core.errors import DomainError
from gongzhi.volunteers import ledger, services
from gongzhi.volunteers.models import Redemption, Reward

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


def test_two_volunteers_redeeming_the_last_item(vol):
    Reward.objects.filter(pk=vol.reward.pk).update(stock=1)
    vol.give(vol.alice, 50)
    vol.give(vol.bob, 50)
    outcomes = race(
        lambda: services.redeem(volunteer=vol.alice, reward=vol.reward),
        lambda: services.redeem(volunteer=vol.bob, reward=vol.reward),
    )
    assert sorted(outcomes) == ["ok", "out_of_stock"]
    assert Redemption.objects.count() == 1
    assert Reward.objects.get(pk=vol.reward.pk).stock == 0
    assert ledger.balance(vol.alice) + ledger.balance(vol.bob) == 70


def test_one_volunteer_spending_the_same_points_twice(vol):
    vol.give(vol.alice, 40)  # enough for one reward of 30, not two
    outcomes = race(
        lambda: services.redeem(volunteer=vol.alice, reward=vol.reward),
        lambda: services.gift(giver=vol.alice, receiver=vol.bob, points=30),
    )
    assert sorted(outcomes) == ["not_enough_points", "ok"]
    assert ledger.balance(vol.alice) == 10


def test_two_people_entering_the_same_certificate_at_once(vol):
    from gongzhi.volunteers.models import Credential

    def enter(actor):
        return lambda: services.add_credential(
            actor=actor,
            volunteer=vol.alice,
            kind="training",
            title="急救员培训",
            on=dt.date(2026, 3, 1),
        )

    outcomes = race(enter(vol.manager), enter(vol.leader))
    assert sorted(outcomes) == ["duplicate_credential", "ok"]
    assert Credential.objects.filter(volunteer=vol.alice).count() == 1
