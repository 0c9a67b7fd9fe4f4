"""Registration: seats, the waiting list, the lottery, audience rules, check-in, no-shows."""

import datetime as dt
from collections import Counter

import pytest

from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.events import selectors, services
from gongzhi.events.models import Allocation, Event, Registration, RegistrationStatus, Series
from gongzhi.events.tests.helpers import CLOSES, DURING, FIRST, OPENS, make_event, sign_up

pytestmark = pytest.mark.django_db
R = RegistrationStatus


def test_first_come_fills_seats_then_the_waiting_list_then_refuses(world):
    event = make_event(world)
    assert [sign_up(event, i).status for i in range(4)] == [
        R.REGISTERED,
        R.REGISTERED,
        R.WAITLISTED,
        R.WAITLISTED,
    ]
    with pytest.raises(DomainError) as full:
        sign_up(event, 5)
    assert full.value.code == "full" and "已满" in full.value.message
    event.refresh_from_db()
    assert event.seats_taken == 2
    assert Registration.objects.filter(event=event).count() == 4


def test_a_cancelled_seat_goes_to_the_first_waiting(world):
    event = make_event(world)
    first, _second, third, fourth = (sign_up(event, i) for i in range(4))
    services.cancel_registration(registration=first, code=first.code, now=DURING)
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.status == R.REGISTERED and third.promoted_at is not None
    assert fourth.status == R.WAITLISTED
    event.refresh_from_db()
    assert event.seats_taken == 2


def test_cancelling_needs_the_code(world):
    event = make_event(world)
    mine = sign_up(event, 1)
    with pytest.raises(DomainError):
        services.cancel_registration(registration=mine, code="guess", now=DURING)
    mine.refresh_from_db()
    assert mine.status == R.REGISTERED


def test_one_registration_per_phone(world):
    event = make_event(world)
    sign_up(event, 1)
    with pytest.raises(DomainError, match="已报名"):
        sign_up(event, 1)


@pytest.mark.parametrize(
    ("when", "code"),
    [(OPENS - dt.timedelta(minutes=1), "not_open"), (CLOSES + dt.timedelta(minutes=1), "closed")],
)
def test_registration_window(world, when, code):
    event = make_event(world)
    with pytest.raises(DomainError) as refused:
        sign_up(event, 1, now=when)
    assert refused.value.code == code
    assert not Registration.objects.exists()


def test_a_draft_takes_no_registrations(world):
    event = make_event(world, publish=False)
    with pytest.raises(DomainError, match="不接受报名"):
        sign_up(event, 1)


def test_bad_phone_is_refused_in_chinese(world):
    event = make_event(world)
    with pytest.raises(DomainError, match="11 位手机号"):
        services.register(event=event, name="王芳", phone="12345", now=DURING)
    assert not Registration.objects.exists()


def test_night_school_age_range(world):
    event = make_event(world, min_age=18, max_age=55)
    with pytest.raises(DomainError, match="出生年份"):
        sign_up(event, 1)
    with pytest.raises(DomainError, match="18–55"):
        sign_up(event, 2, birth_year=1960)
    assert sign_up(event, 3, birth_year=1990).status == R.REGISTERED


def test_residents_only_checks_the_registry(world, reg):
    event = make_event(world, residents_only=True)
    with pytest.raises(DomainError, match="仅限本街道"):
        sign_up(event, 1)
    ok = services.register(event=event, name="王秀英", phone="13900001111", now=DURING)
    assert ok.status == R.REGISTERED


def test_per_person_cap_in_a_season(world):
    season = Series.objects.create(subdistrict=world.a.subdistrict, name="2030春季夜校", per_person_cap=1)
    one = make_event(world, series=season)
    two = make_event(world, series=season, title="夜校·茶艺")
    sign_up(one, 1)
    with pytest.raises(DomainError) as capped:
        sign_up(two, 1)
    assert capped.value.code == "per_person_cap"


def test_lottery_draws_after_closing_and_fills_the_waiting_list(world):
    event = make_event(world, allocation=Allocation.LOTTERY, capacity=3, waitlist_limit=0)
    regs = [sign_up(event, i) for i in range(7)]
    assert {r.status for r in regs} == {R.APPLIED}
    organiser = world.a.users["neighbourhood"]
    with pytest.raises(DomainError, match="截止后"):
        services.draw_lottery(event=event, actor=organiser, seed="s", now=DURING)
    won, waiting = services.draw_lottery(
        event=event, actor=organiser, seed="2030", now=CLOSES + dt.timedelta(hours=1)
    )
    assert (won, waiting) == (3, 4)
    event.refresh_from_db()
    assert event.seats_taken == 3 and event.lottery_seed == "2030"
    statuses = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == {R.REGISTERED: 3, R.WAITLISTED: 4}
    # The same seed draws the same winners (anyone can re-check the draw).
    expected, _ = services.draw([r.pk for r in regs], 3, f"{event.pk}:2030")
    assert set(
        Registration.objects.filter(event=event, status=R.REGISTERED).values_list("pk", flat=True)
    ) == set(expected)
    with pytest.raises(DomainError, match="已抽签"):
        services.draw_lottery(event=event, actor=organiser, seed="again", now=CLOSES + dt.timedelta(hours=2))


def test_lottery_is_fair_over_many_seeded_draws():
    applicants = list(range(1, 21))
    wins = Counter()
    for seed in range(2000):
        winners, waiting = services.draw(applicants, 5, f"fair:{seed}")
        assert len(winners) == 5 and sorted(winners + waiting) == applicants
        wins.update(winners)
    # Each of 20 applicants expects 500 wins of 2000 draws of 5; binomial sd ≈ 19.4.
    assert all(400 < wins[a] < 600 for a in applicants), wins


def test_check_in_by_code_at_the_door(world):
    event = make_event(world, n_sessions=3, completion_sessions=2)
    mine = sign_up(event, 1)
    door = world.a.users["gridworker"]
    with pytest.raises(DomainError, match="签到时间"):
        services.check_in(code=mine.code, actor=door, now=DURING)
    services.check_in(code=mine.code, actor=door, now=FIRST + dt.timedelta(minutes=5))
    with pytest.raises(DomainError, match="已签到过本场"):
        services.check_in(code=mine.code, actor=door, now=FIRST + dt.timedelta(minutes=6))
    services.check_in(code=mine.code, actor=door, now=FIRST + dt.timedelta(weeks=1))
    mine.refresh_from_db()
    assert mine.status == R.ATTENDED and mine.attendances.count() == 2
    assert selectors.figures_of(event).completed == 1
    with pytest.raises(NotAllowed):
        services.check_in(
            code=mine.code, actor=world.b.users["gridworker"], now=FIRST + dt.timedelta(weeks=2)
        )


def test_finishing_marks_no_shows_and_feedback_follows(world):
    event = make_event(world)
    came, stayed_away = sign_up(event, 1), sign_up(event, 2)
    organiser = world.a.users["neighbourhood"]
    services.check_in(code=came.code, actor=organiser, now=FIRST)
    with pytest.raises(DomainError, match="结束后"):
        services.finish_event(event=event, actor=organiser, now=FIRST)
    assert services.finish_event(event=event, actor=organiser, now=FIRST + dt.timedelta(hours=3)) == 1
    stayed_away.refresh_from_db()
    assert stayed_away.status == R.NO_SHOW
    services.give_feedback(code=came.code, rating=5, comment="老师讲得很好")
    with pytest.raises(DomainError):
        services.give_feedback(code=stayed_away.code, rating=4)
    figures = selectors.figures_of(Event.objects.get(pk=event.pk))
    assert (figures.attended, figures.no_show, figures.rating) == (1, 1, 5.0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"title": " "}, "活动名称"),
        ({"sessions": []}, "sessions"),
        ({"registration_closes_at": OPENS}, "registration_closes_at"),
        ({"min_age": 60, "max_age": 18}, "max_age"),
    ],
)
def test_bad_event_is_refused_and_nothing_written(world, change, field):
    with pytest.raises(DomainError) as refused:
        make_event(world, **change)
    assert refused.value.details.get("field") == field
    assert not Event.objects.exists()


def test_only_organisers_create_events(world):
    with pytest.raises(NotAllowed):
        services.create_event(
            actor=world.a.users["gridworker"],
            area=world.a.neighbourhood,
            kind="activity",
            title="x",
            venue="y",
            capacity=1,
            registration_opens_at=OPENS,
            registration_closes_at=CLOSES,
            sessions=[],
        )
