"""Two people taking the last seat at the same moment: exactly one gets it."""

import pytest

from gongzhi.cases.tests.test_concurrency import race
from gongzhi.events.models import Event, RegistrationStatus
from gongzhi.events.tests.helpers import make_event, sign_up

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_registrations_for_the_last_seat(world):
    event = make_event(world, capacity=1, waitlist_limit=0)
    outcomes = race(lambda: sign_up(event, 1), lambda: sign_up(event, 2))
    assert sorted(outcomes) == ["full", "ok"]
    event = Event.objects.get(pk=event.pk)
    assert event.seats_taken == 1
    assert event.registrations.filter(status=RegistrationStatus.REGISTERED).count() == 1


def test_last_seat_and_the_waiting_list(world):
    event = make_event(world, capacity=1, waitlist_limit=5)
    outcomes = race(lambda: sign_up(event, 1), lambda: sign_up(event, 2))
    assert outcomes == ["ok", "ok"]
    statuses = sorted(Event.objects.get(pk=event.pk).registrations.values_list("status", flat=True))
    assert statuses == ["registered", "waitlisted"]
