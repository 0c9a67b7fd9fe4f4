"""Any sequence of sign-ups, cancellations and draws keeps the seat count, the waiting list
and every registration's timeline consistent with the action table."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import DomainError
from gongzhi.events import services, transitions
from gongzhi.events.models import SEATED, Allocation, Event, RegistrationStatus
from gongzhi.events.tests.helpers import CLOSES, DURING, make_event, sign_up

pytestmark = pytest.mark.django_db
R = RegistrationStatus

steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, 7)),
        st.tuples(st.just("cancel"), st.integers(0, 7)),
        st.tuples(st.just("draw"), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=steps,
    capacity=st.integers(1, 3),
    waitlist=st.integers(0, 3),
    lottery=st.booleans(),
)
def test_any_sequence_keeps_seats_and_queue_consistent(world, steps, capacity, waitlist, lottery):
    event = make_event(
        world,
        capacity=capacity,
        waitlist_limit=waitlist,
        allocation=Allocation.LOTTERY if lottery else Allocation.FIRST_COME,
    )
    organiser = world.a.users["neighbourhood"]
    regs = {}
    drawn = False
    for n, (action, who) in enumerate(steps):
        now = (CLOSES + dt.timedelta(minutes=n)) if drawn else DURING + dt.timedelta(minutes=n)
        try:
            if action == "register":
                regs[who] = sign_up(event, who, now=now)
            elif action == "cancel" and who in regs:
                services.cancel_registration(registration=regs[who], code=regs[who].code, now=now)
            elif action == "draw":
                services.draw_lottery(
                    event=event, actor=organiser, seed="h", now=CLOSES + dt.timedelta(minutes=n)
                )
                drawn = True
        except DomainError:
            pass
        event = Event.objects.get(pk=event.pk)
        rows = list(event.registrations.all())
        seated = [r for r in rows if r.status in SEATED]
        waiting = [r for r in rows if r.status == R.WAITLISTED]
        assert event.seats_taken == len(seated) <= event.capacity
        if not lottery:
            assert len(waiting) <= waitlist
            # Nobody waits while a seat is free.
            assert not waiting or event.seats_left == 0
        if lottery and event.lottery_drawn_at is None:
            assert not seated and not waiting
        queues = [r.queue for r in waiting]
        assert len(set(queues)) == len(queues)
    for registration in event.registrations.all():
        events = list(registration.events.order_by("at", "id"))
        assert events[0].action == "register" and events[-1].to_status == registration.status
        for previous, row in zip(events, events[1:], strict=False):
            assert row.from_status == previous.to_status
            assert transitions.target(row.from_status, row.action) == row.to_status
