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


def test_two_bookings_of_the_same_slot_at_once(world):
    import datetime as dt

    from gongzhi.events import rooms
    from gongzhi.events.models import Booking

    secretary, leader = world.a.users["neighbourhood"], world.a.users["leader"]
    room = rooms.create_room(
        actor=secretary,
        area=world.a.estate,
        name="春天里照相馆",
        capacity=12,
        opens_at=dt.time(9),
        closes_at=dt.time(17),
    )
    day = dt.date(2030, 5, 14)
    now = dt.datetime(2030, 5, 13, 2, tzinfo=dt.UTC)

    def book(user, group):
        return lambda: rooms.book(
            actor=user,
            room=room,
            on=day,
            starts_at=dt.time(9),
            booker=group,
            purpose="拍摄",
            attendees=8,
            now=now,
        )

    outcomes = race(book(secretary, "银发合唱团"), book(leader, "书法社"))
    assert sorted(outcomes) == ["ok", "slot_taken"]
    assert Booking.objects.filter(room=room, on=day).count() == 1
