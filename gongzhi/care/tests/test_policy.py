"""A changed policy applies from each person's next due: the open due keeps its day, its
frequency and its overdue margin; the next one follows the new policy. Frozen time around the
National Day holiday of 2026 (conftest), and a property test over any sequence of policy
changes and contacts."""

import datetime as dt

import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.care import services
from gongzhi.care.models import Alert, Due, Frequency, Recipient
from gongzhi.care.tests.conftest import MONDAY, at

SEPTEMBER_30 = dt.date(2026, 9, 30)
OCTOBER_1 = dt.date(2026, 10, 1)


def _policy(care, *, medium: str, margin_days: int = 1):
    return services.save_policy(
        actor=care.world.a.users["leader"],
        subdistrict=care.world.a.subdistrict,
        high="daily",
        medium=medium,
        low="monthly",
        margin_days=margin_days,
        subdistrict_after_days=2,
        not_reached_limit=2,
    )


def _elder(care) -> Recipient:
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    return Recipient.objects.get(resident=care.elders[0])  # medium risk: twice a week


def _contact(care, elder, moment):
    with time_machine.travel(moment, tick=False):
        services.record_check_in(
            actor=care.world.a.users["gridworker"], recipient=elder, mode="visit", outcome="well"
        )


def _open(elder) -> Due:
    return Due.objects.get(recipient=elder, met_at__isnull=True)


def test_the_open_due_keeps_its_day_and_the_next_follows_the_new_policy(care):
    elder = _elder(care)
    _contact(care, elder, at(MONDAY, 11))
    due = _open(elder)
    assert (due.due_on, due.frequency, due.margin_days) == (SEPTEMBER_30, "twice_weekly", 1)
    with time_machine.travel(at(MONDAY + dt.timedelta(days=1), 9), tick=False):
        _policy(care, medium="daily", margin_days=0)
    due.refresh_from_db()
    assert (due.due_on, due.frequency, due.margin_days) == (SEPTEMBER_30, "twice_weekly", 1)
    # Under the new terms (daily, no margin) it would be overdue from midnight; it keeps its own.
    services.escalate(now=at(OCTOBER_1, 12))
    assert not Alert.objects.filter(due=due).exists()
    _contact(care, elder, at(OCTOBER_1, 10))  # a holiday: daily contacts go on
    following = _open(elder)
    # The new policy: the next calendar day. The old one would have waited two working days (9 Oct).
    assert (following.due_on, following.frequency, following.margin_days) == (
        dt.date(2026, 10, 2),
        "daily",
        0,
    )
    services.escalate(now=at(dt.date(2026, 10, 2), 23, 30))
    assert not Alert.objects.filter(due=following).exists()
    services.escalate(now=at(dt.date(2026, 10, 3), 0, 30))
    assert Alert.objects.get(due=following).reason == "overdue"


def test_a_longer_margin_waits_for_the_next_due_too(care):
    elder = _elder(care)
    due = _open(elder)  # due Monday 28 September, one working day of margin: overdue from 30 Sep
    with time_machine.travel(at(MONDAY, 9), tick=False):
        _policy(care, medium="twice_weekly", margin_days=5)
    services.escalate(now=at(SEPTEMBER_30, 0, 30))
    assert Alert.objects.get(due=due).reason == "overdue"


def test_a_due_opened_before_margins_were_kept_follows_the_current_policy(care):
    elder = _elder(care)
    due = _open(elder)
    Due.objects.filter(pk=due.pk).update(margin_days=None)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        _policy(care, medium="twice_weekly", margin_days=5)
    services.escalate(now=at(SEPTEMBER_30, 0, 30))
    assert not Alert.objects.filter(due=due).exists()  # five working days from now on


def test_a_changed_risk_moves_the_open_due_on_todays_terms(care):
    elder = _elder(care)
    _contact(care, elder, at(MONDAY, 11))
    with time_machine.travel(at(MONDAY, 12), tick=False):
        _policy(care, medium="twice_weekly", margin_days=3)
        services.set_risk(actor=care.world.a.users["leader"], recipient=elder, risk="high", reasons="刚出院")
    due = _open(elder)
    assert (due.due_on, due.frequency, due.margin_days) == (dt.date(2026, 9, 29), "daily", 3)


FREQUENCIES = [Frequency.DAILY, Frequency.TWICE_WEEKLY, Frequency.WEEKLY, Frequency.MONTHLY]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("policy"), st.sampled_from(FREQUENCIES), st.integers(0, 3)),
        st.tuples(st.just("contact"), st.integers(0, 4), st.booleans()),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_for_any_sequence_a_policy_change_never_moves_an_open_due(care, steps):
    with time_machine.travel(MONDAY, tick=False), transaction.atomic():
        _run(care, steps)
        transaction.set_rollback(True)


def _terms(due: Due) -> tuple:
    return (due.pk, due.due_on, due.frequency, due.margin_days)


def _run(care, steps):
    elder = _elder(care)
    day = MONDAY.date()
    policy = services.policy_for(elder.subdistrict_id)
    for step in steps:
        before = _open(elder)
        if step[0] == "policy":
            _kind, medium, margin = step
            with time_machine.travel(at(day, 8), tick=False):
                policy = _policy(care, medium=medium, margin_days=margin)
            assert _terms(_open(elder)) == _terms(before)  # nothing about the open due moved
            continue
        _kind, days_later, reached = step
        day = max(day, before.due_on - dt.timedelta(days=2)) + dt.timedelta(days=days_later)
        with time_machine.travel(at(day, 10), tick=False):
            services.record_check_in(
                actor=care.world.a.users["gridworker"],
                recipient=elder,
                mode="phone",
                outcome="well" if reached else "not_reached",
            )
        after = _open(elder)
        if not reached or day < before.due_on - dt.timedelta(days=services._early_days(before)):
            assert _terms(after) == _terms(before)  # not met: the open due stays as it was
            continue
        frequency = policy.frequency_for("medium")
        assert after.pk != before.pk
        assert (after.frequency, after.margin_days) == (frequency, policy.margin_days)
        assert after.due_on in {
            services.next_due_on(frequency, day),
            services.next_due_on(frequency, services.next_due_on(frequency, day)),
        }
