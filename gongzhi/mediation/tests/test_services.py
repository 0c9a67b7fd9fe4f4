"""The dispute ledger: application to the three-month check, its deadlines, bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core import deadlines
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed
from gongzhi.core.models import CalendarDay
from gongzhi.mediation import selectors, services
from gongzhi.mediation.models import Action, Dispute, DisputeEvent, Performance, Referral, Status
from gongzhi.mediation.tests.helpers import MONDAY, agreed, new_dispute, parties

pytestmark = pytest.mark.django_db


def test_register_starts_the_acceptance_deadline_in_working_days(world):
    friday = MONDAY + dt.timedelta(days=4)
    dispute = new_dispute(world, now=friday)
    assert dispute.status == Status.APPLIED
    assert dispute.number.startswith("TJ2030-")
    assert dispute.accept_due_at == deadlines.due(friday, days=3)
    # The calendar counts the day of application: Friday, Monday, Tuesday (the weekend skipped).
    assert timezone.localtime(dispute.accept_due_at).date() == dt.date(2030, 3, 12)
    assert [p.role for p in dispute.parties.all()] == ["applicant", "respondent"]
    assert dispute.parties.first().phone_mask == "138****2222"
    assert list(dispute.events.values_list("action", flat=True)) == [Action.APPLY]


def test_acceptance_deadline_skips_a_holiday(world):
    from gongzhi.core import calendar

    CalendarDay.objects.bulk_create(
        CalendarDay(date=dt.date(2030, 3, 5) + dt.timedelta(days=i), is_workday=False, name="测试假日")
        for i in range(3)
    )
    calendar.invalidate()
    try:
        dispute = new_dispute(world, now=MONDAY)
        # Tue–Thu are holidays: Monday, Friday, then the next Monday.
        assert timezone.localtime(dispute.accept_due_at).date() == dt.date(2030, 3, 11)
    finally:
        calendar.invalidate()


def test_the_whole_story_to_held(world):
    dispute = agreed(world)
    assert dispute.status == Status.AGREED
    agreement = dispute.agreement
    assert agreement.confirm_by == agreement.signed_on + dt.timedelta(days=30)
    assert agreement.held_check_on == agreement.signed_on + dt.timedelta(days=90)
    mediator = world.a.users["neighbourhood"]
    services.apply_confirmation(
        dispute=dispute,
        actor=mediator,
        applied_on=agreement.signed_on + dt.timedelta(days=10),
        now=MONDAY + dt.timedelta(days=12),
    )
    later = MONDAY + dt.timedelta(days=100)
    with pytest.raises(DomainError) as early:
        services.close_held(dispute=dispute, actor=mediator, now=later)
    assert early.value.code == "too_early"
    services.record_follow_up(
        dispute=dispute,
        actor=mediator,
        on=later.date(),
        performance=Performance.PERFORMED,
        note="防水已重做，天花板已修复，双方满意。",
        now=later,
    )
    services.close_held(dispute=dispute, actor=mediator, now=later)
    dispute.refresh_from_db()
    assert dispute.status == Status.HELD
    seqs = list(dispute.events.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    figures = selectors.figures_for(world.a.users["leader"])
    assert (figures.received, figures.accepted, figures.agreed, figures.held) == (1, 1, 1, 1)
    assert figures.held_rate == 100


def test_confirmation_after_thirty_days_is_refused_and_nothing_changes(world):
    dispute = agreed(world)
    agreement = dispute.agreement
    events = dispute.events.count()
    with pytest.raises(DomainError) as late:
        services.apply_confirmation(
            dispute=dispute,
            actor=world.a.users["neighbourhood"],
            applied_on=agreement.confirm_by + dt.timedelta(days=1),
            now=MONDAY + dt.timedelta(days=60),
        )
    assert late.value.code == "confirmation_late"
    assert "司法确认" in late.value.message
    agreement.refresh_from_db()
    assert agreement.confirmation_applied_on is None
    assert dispute.events.count() == events


def test_mediation_term_is_one_month_and_extends_once(world):
    dispute = new_dispute(world)
    mediator = world.a.users["neighbourhood"]
    services.accept_dispute(dispute=dispute, actor=mediator, now=MONDAY)
    dispute.refresh_from_db()
    assert dispute.mediation_due_at == MONDAY + dt.timedelta(days=30)
    assert not selectors.overdue_for(mediator, MONDAY + dt.timedelta(days=29)).exists()
    assert selectors.overdue_for(mediator, MONDAY + dt.timedelta(days=31)).exists()
    services.extend_dispute(dispute=dispute, actor=mediator, reason="双方同意等待鉴定结果", now=MONDAY)
    dispute.refresh_from_db()
    assert dispute.mediation_due_at == MONDAY + dt.timedelta(days=60)
    with pytest.raises(DomainError, match="只能延长一次"):
        services.extend_dispute(dispute=dispute, actor=mediator, reason="再等等", now=MONDAY)


def test_failure_refers_to_a_case(world):
    dispute = new_dispute(world)
    mediator = world.a.users["neighbourhood"]
    services.accept_dispute(dispute=dispute, actor=mediator, now=MONDAY)
    services.fail_dispute(
        dispute=dispute,
        actor=mediator,
        reason="701 拒不配合",
        referral=Referral.CASE,
        category=world.category,
        now=MONDAY + dt.timedelta(days=3),
    )
    dispute.refresh_from_db()
    assert dispute.status == Status.FAILED
    assert dispute.referred_case is not None
    assert dispute.number in dispute.referred_case.description


def test_a_case_becomes_a_mediation_without_changing_the_case(world):
    from gongzhi.cases import services as case_services

    case = case_services.create_case(
        actor=world.a.users["dispatcher"],
        category=world.category,
        title="楼上噪声扰民",
        description="楼上每晚十一点后拖动家具。",
        source="hotline",
        area=world.a.estate,
        reporter_name="陈志强",
        reporter_phone="13700001111",
    )
    before = (case.status, case.updated_at)
    dispute = services.dispute_from_case(
        actor=world.a.users["dispatcher"],
        case=case,
        kind="noise",
        respondent=services.PartySpec(role="respondent", name="楼上住户"),
    )
    assert dispute.case == case and dispute.source == "case"
    assert dispute.parties.get(role="applicant").phone_mask == "137****1111"
    case.refresh_from_db()
    assert (case.status, case.updated_at) == before
    with pytest.raises(DomainError, match="已转入调解"):
        services.dispute_from_case(
            actor=world.a.users["dispatcher"],
            case=case,
            kind="noise",
            respondent=services.PartySpec(role="respondent", name="楼上住户"),
        )
    with pytest.raises(DomainError):
        services.dispute_from_case(
            actor=world.b.users["dispatcher"],
            case=case,
            kind="noise",
            respondent=services.PartySpec(role="respondent", name="楼上住户"),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "纠纷简述"),
        ({"matter": ""}, "纠纷事项"),
        ({"kind": "war"}, "纠纷类型"),
        ({"parties": parties()[:1]}, "被申请人"),
    ],
)
def test_bad_registration_is_refused_with_a_message_and_nothing_is_written(world, change, message):
    with pytest.raises(DomainError) as refused:
        new_dispute(world, **change)
    assert message in refused.value.message
    assert Dispute.objects.count() == 0 and DisputeEvent.objects.count() == 0


def test_agreement_needs_a_session_and_a_sane_date(world):
    dispute = new_dispute(world)
    mediator = world.a.users["neighbourhood"]
    services.accept_dispute(dispute=dispute, actor=mediator, now=MONDAY)
    with pytest.raises(InvalidTransition):
        services.sign_agreement(
            dispute=dispute, actor=mediator, terms="x", signed_on=MONDAY.date(), signed_by="双方", now=MONDAY
        )
    services.record_session(
        dispute=dispute,
        actor=mediator,
        held_at=MONDAY,
        place="调解室",
        attendees="双方",
        summary="初步沟通",
        now=MONDAY,
    )
    with pytest.raises(DomainError, match="晚于今天"):
        services.sign_agreement(
            dispute=dispute,
            actor=mediator,
            terms="x",
            signed_on=MONDAY.date() + dt.timedelta(days=1),
            signed_by="双方",
            now=MONDAY,
        )
    dispute.refresh_from_db()
    assert dispute.status == Status.MEDIATING and not hasattr(dispute, "agreement_cache")


def test_a_grid_worker_registers_but_cannot_mediate(world):
    dispute = new_dispute(world)
    with pytest.raises(NotAllowed):
        services.accept_dispute(dispute=dispute, actor=world.a.users["gridworker"], now=MONDAY)
    with pytest.raises(NotAllowed):
        services.accept_dispute(dispute=dispute, actor=world.b.users["neighbourhood"], now=MONDAY)


def test_party_names_are_masked_for_non_mediators(world):
    dispute = new_dispute(world)
    party = dispute.parties.get(role="applicant")
    assert selectors.party_name(world.a.users["neighbourhood"], party, dispute) == "张建华"
    assert selectors.party_name(world.a.users["gridworker"], party, dispute) == "张*华"
    assert selectors.mask_name("李明") == "李*"


def test_reminders_are_sent_once(world):
    dispute = new_dispute(world)
    late = dispute.accept_due_at + dt.timedelta(hours=1)
    assert services.remind_due(now=late) >= 1
    assert services.remind_due(now=late) == 0
