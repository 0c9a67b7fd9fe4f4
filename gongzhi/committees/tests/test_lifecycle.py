"""The committee lifecycle through the action table, with its legal due dates over holidays."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.committees import services, transitions
from gongzhi.committees.models import Committee, Stage, Step
from gongzhi.committees.tests.helpers import committee_in_term, specs
from gongzhi.core import calendar
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed
from gongzhi.core.models import CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def national_day(db):
    """2026's National Day holiday (1–7 October) and its make-up Saturday (10 October)."""
    for day in range(1, 8):
        CalendarDay.objects.update_or_create(
            date=D(2026, 10, day), defaults={"is_workday": False, "name": "国庆节"}
        )
    CalendarDay.objects.update_or_create(
        date=D(2026, 10, 10), defaults={"is_workday": True, "name": "国庆节"}
    )
    calendar.invalidate()
    yield
    calendar.invalidate()


def test_first_formation_to_term_with_its_due_dates(world):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    assert committee.stage == Stage.NONE
    services.advance(actor=leader, committee=committee, action="form_preparatory", on=D(2026, 1, 5))
    services.advance(actor=leader, committee=committee, action="convene_first_assembly", on=D(2026, 3, 9))
    term = services.elect(actor=leader, committee=committee, on=D(2026, 3, 10), members=specs())
    committee.refresh_from_db()
    assert committee.stage == Stage.ELECTED
    assert committee.due_on == D(2026, 4, 9)  # filing within 30 days, 9 April is a Thursday
    assert (term.number, term.starts_on, term.ends_on) == (1, D(2026, 3, 11), D(2031, 3, 10))
    with pytest.raises(DomainError):
        services.hand_over(actor=leader, committee=committee, on=D(2026, 3, 12))
    services.file(actor=leader, committee=committee, on=D(2026, 3, 20))
    services.advance(actor=leader, committee=committee, action="start_term", on=D(2026, 3, 21))
    committee.refresh_from_db()
    assert committee.stage == Stage.IN_TERM
    # report the renewal 5 months before 10 March 2031: 10 October 2030 is a Thursday
    assert committee.due_on == D(2030, 10, 10)
    assert list(Step.objects.filter(committee=committee).values_list("to_stage", flat=True)) == [
        "preparatory",
        "first_assembly",
        "elected",
        "filed",
        "in_term",
    ]


def test_handover_due_runs_past_the_national_day_holiday(world, national_day):
    # elected on 21 September: day 10 is 1 October, a holiday; the period ends on the next
    # working day after the holiday, 8 October (民法典 §203).
    assert transitions.ends_after(D(2026, 9, 21), "handover") == D(2026, 10, 8)
    # a period ending on the make-up Saturday ends that day
    assert transitions.ends_after(D(2026, 9, 30), "handover") == D(2026, 10, 10)
    # a period ending on an ordinary Sunday moves to Monday
    assert transitions.ends_after(D(2026, 3, 12), "handover") == D(2026, 3, 23)


def test_working_day_periods_when_a_deployment_says_so(world, national_day, settings):
    settings.GONGZHI_COMMITTEE_PERIODS = {"handover": {"working": True}}
    # 10 working days from Monday 28 September: 29, 30 Sep, 8, 9, 10 (make-up), 12..16 Oct
    assert transitions.ends_after(D(2026, 9, 28), "handover") == D(2026, 10, 16)


def test_renewal_report_due_moves_earlier_off_a_holiday(world, national_day):
    # a term ending 3 March 2027: five months before is 3 October 2026, a holiday; the report
    # must be made by the last working day before it, 30 September.
    assert transitions.renewal_report_due(D(2027, 3, 3)) == D(2026, 9, 30)


def test_re_election_through_group_audit_handover_and_filing(world, national_day):
    leader = world.a.users["leader"]
    committee = committee_in_term(world.a, elected_on=D(2021, 3, 10))
    services.advance(actor=leader, committee=committee, action="report_renewal", on=D(2025, 10, 9))
    services.record_written_request(actor=leader, committee=committee, on=D(2025, 10, 20))
    committee.refresh_from_db()
    assert committee.stage == Stage.RENEWAL_DUE and committee.due_on == D(2025, 12, 19)  # 60 days
    services.form_election_group(
        actor=leader, committee=committee, on=D(2025, 11, 1), members=["张三", "李四"]
    )
    services.record_audit(
        actor=leader, committee=committee, kind="renewal", year=2025, firm="立信所", done_on=D(2025, 12, 1)
    )
    committee.refresh_from_db()
    assert committee.stage == Stage.AUDITED
    term = services.elect(actor=leader, committee=committee, on=D(2026, 9, 21), members=specs(5))
    committee.refresh_from_db()
    assert term.number == 2 and term.starts_on == D(2026, 9, 22)
    assert committee.due_on == D(2026, 10, 8)  # handover in 10 days, past the holiday
    with pytest.raises(DomainError):
        services.file(actor=leader, committee=committee, on=D(2026, 9, 25))
    services.hand_over(actor=leader, committee=committee, on=D(2026, 9, 28))
    committee.refresh_from_db()
    assert committee.due_on == D(2026, 10, 21)  # filed within 30 days of the election
    services.file(actor=leader, committee=committee, on=D(2026, 10, 9))


def test_early_renewal_needs_members_below_half_or_six_idle_months(world):
    leader = world.a.users["leader"]
    committee = committee_in_term(world.a, elected_on=D(2026, 3, 10))
    services.record_meeting(actor=leader, committee=committee, on=D(2026, 5, 1))
    with pytest.raises(DomainError):
        services.form_election_group(actor=leader, committee=committee, on=D(2026, 8, 1))
    with pytest.raises(DomainError):
        services.start_by_election(actor=leader, committee=committee, on=D(2026, 8, 1))
    services.form_election_group(actor=leader, committee=committee, on=D(2026, 11, 1))
    committee.refresh_from_db()
    assert committee.stage == Stage.ELECTION_GROUP


def test_by_election_when_members_fall_below_half(world):
    leader = world.a.users["leader"]
    committee = committee_in_term(world.a)
    term = services.current_term(committee)
    for member in list(term.members.all())[:3]:
        member.left_on = D(2026, 6, 1)
        member.save()
    services.start_by_election(actor=leader, committee=committee, on=D(2026, 6, 2))
    services.advance(actor=leader, committee=committee, action="complete_by_election", on=D(2026, 7, 2))
    committee.refresh_from_db()
    assert committee.stage == Stage.IN_TERM


def test_ineligible_member_and_wrong_steps_are_refused_and_change_nothing(world):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    with pytest.raises(InvalidTransition):
        services.elect(actor=leader, committee=committee, on=D(2026, 3, 10), members=specs())
    services.advance(actor=leader, committee=committee, action="form_preparatory", on=D(2026, 1, 5))
    services.advance(actor=leader, committee=committee, action="convene_first_assembly", on=D(2026, 3, 9))
    with pytest.raises(DomainError, match="资格审查"):
        services.elect(actor=leader, committee=committee, on=D(2026, 3, 10), members=specs(eligible=False))
    with pytest.raises(DomainError, match="半数"):
        services.elect(actor=leader, committee=committee, on=D(2026, 3, 10), members=specs(2))
    committee.refresh_from_db()
    assert committee.stage == Stage.FIRST_ASSEMBLY and not committee.terms.exists()
    with pytest.raises(DomainError):
        services.create_committee(actor=leader, area=world.a.estate)
    with pytest.raises(DomainError):
        services.create_committee(actor=leader, area=world.a.grid)


def test_other_subdistrict_and_readers_cannot_move_a_committee(world):
    committee = services.create_committee(actor=world.a.users["leader"], area=world.a.estate)
    for user in (world.b.users["leader"], world.a.users["gridworker"], world.a.users["auditor"]):
        with pytest.raises(NotAllowed):
            services.advance(actor=user, committee=committee, action="form_preparatory", on=D(2026, 1, 5))
    committee.refresh_from_db()
    assert committee.stage == Stage.NONE


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(st.sampled_from(sorted(transitions.ACTIONS)), max_size=12))
def test_any_sequence_of_actions_keeps_the_stage_on_the_table(world, actions):
    leader = world.a.users["leader"]
    Committee.objects.filter(area=world.a.estate).update(stage=Stage.DISSOLVED)
    committee = services.create_committee(actor=leader, area=world.a.estate)
    day = D(2026, 1, 5)
    for action in actions:
        before = Committee.objects.get(pk=committee.pk)
        steps = Step.objects.filter(committee=committee).count()
        try:
            if action == "elect":
                services.elect(actor=leader, committee=committee, on=day, members=specs())
            elif action == "hand_over":
                services.hand_over(actor=leader, committee=committee, on=day)
            elif action == "file":
                services.file(actor=leader, committee=committee, on=day)
            elif action == "start_by_election":
                services.start_by_election(actor=leader, committee=committee, on=day)
            elif action == "form_election_group":
                services.form_election_group(actor=leader, committee=committee, on=day)
            else:
                services.advance(actor=leader, committee=committee, action=action, on=day)
        except DomainError:
            after = Committee.objects.get(pk=committee.pk)
            assert (after.stage, after.due_on) == (before.stage, before.due_on)
            assert Step.objects.filter(committee=committee).count() == steps
        else:
            after = Committee.objects.get(pk=committee.pk)
            assert after.stage == transitions.ACTIONS[action].moves[before.stage]
            assert Step.objects.filter(committee=committee).count() == steps + 1
        day += dt.timedelta(days=40)
