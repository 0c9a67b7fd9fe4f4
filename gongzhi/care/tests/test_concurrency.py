"""Two managers changing the same assignment at once, each from the page they saw: exactly one
wins, the other is told it changed meanwhile, and one primary stays active."""

import threading

import pytest
import time_machine
from django.db import connection

from gongzhi.care import services
from gongzhi.care.models import Assignment, Recipient
from gongzhi.care.tests.conftest import MONDAY
from gongzhi.core.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def race(*callables):
    barrier = threading.Barrier(len(callables))
    outcomes = [None] * len(callables)

    def run(i, fn):
        try:
            barrier.wait()
            with time_machine.travel(MONDAY, tick=False):
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


def test_two_managers_replacing_the_same_primary(care):
    services.sync_population(today=MONDAY.date())
    elder = Recipient.objects.get(resident=care.elders[0])
    users = care.world.a.users
    current = services.assign(
        actor=users["leader"], recipient=elder, role="primary", kind="gridworker", user=users["gridworker"]
    )
    outcomes = race(
        lambda: services.assign(
            actor=users["leader"],
            recipient=elder,
            role="primary",
            kind="neighbourhood",
            user=users["neighbourhood"],
            expected=current.pk,
        ),
        lambda: services.assign(
            actor=users["neighbourhood"],
            recipient=elder,
            role="primary",
            kind="neighbourhood",
            user=users["leader"],
            expected=current.pk,
        ),
    )
    assert sorted(outcomes) == ["conflict", "ok"]
    active = Assignment.objects.filter(recipient=elder, role="primary", active=True)
    assert active.count() == 1 and active.get().pk != current.pk
    assert Assignment.objects.filter(recipient=elder).count() == 2
