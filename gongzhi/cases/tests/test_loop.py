import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.cases import selectors, services
from gongzhi.cases.models import Action, OutboundMessage, Rating, Source, Status
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed


def report(world, **kwargs):
    params = dict(
        actor=None,
        category=world.category,
        title="楼道飞线充电",
        description="3号楼一楼楼道里有人从窗口拉电线给电瓶车充电，很危险。",
        source=Source.WEB,
        area=world.a.estate,
        reporter_phone="13812345678",
        reporter_name="王先生",
    )
    params.update(kwargs)
    return services.create_case(**params)


def test_public_report_gets_number_deadline_and_message(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
    assert case.status == Status.REPORTED
    assert case.number and case.reporter_phone_last4 == "5678"
    assert case.subdistrict == world.a.subdistrict
    assert case.response_due > case.created_at
    assert [e.action for e in case.events.all()] == [Action.REPORT]
    assert OutboundMessage.objects.get(case=case).kind == OutboundMessage.Kind.RECEIVED


def test_area_found_from_map_point(world):
    case = report(world, area=None, lat=31.2005, lng=121.4005)
    assert case.area == world.a.estate


def test_point_outside_every_outline_is_refused(world):
    with pytest.raises(DomainError):
        report(world, area=None, lat=30.0, lng=120.0)


def test_public_report_needs_a_phone(world):
    with pytest.raises(DomainError):
        report(world, reporter_phone="")


def test_whole_loop_with_unsatisfied_rating_reopens(world, django_capture_on_commit_callbacks):
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
    services.accept_case(case=case, actor=a.users["dispatcher"])
    case = services.assign_case(case=case, actor=a.users["dispatcher"], tier=1, unit=a.committee)
    assert case.status == Status.ASSIGNED and case.reply_due is not None
    case = services.escalate_case(case=case, actor=a.users["neighbourhood"], reason="需多部门会商")
    assert case.tier == 2 and case.assigned_unit == a.grid_station
    case = services.record_consultation(
        case=case,
        actor=a.users["dispatcher"],
        held_on=timezone.localdate(),
        participants=[a.committee, a.department],
        decision="由城管中队牵头拆除飞线，居委协助宣传。",
        lead_unit=a.department,
        co_units=[a.committee],
    )
    assert case.assigned_unit == a.department
    with django_capture_on_commit_callbacks(execute=True):
        case = services.reply_case(case=case, actor=a.users["handler"], text="已拆除飞线，张贴告示。")
    case = services.verify_case(
        case=case, actor=a.users["dispatcher"], passed=True, note="现场复核，已整改。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = services.close_case(case=case, actor=a.users["dispatcher"])
    assert case.status == Status.CLOSED
    case = services.rate_case(case=case, rating=Rating.UNSATISFIED, solved=False, comment="晚上又拉线了")
    assert case.status == Status.ASSIGNED and case.reopen_count == 1
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-2:] == [Action.RATE, Action.REOPEN]
    seqs = list(case.events.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    kinds = set(OutboundMessage.objects.filter(case=case).values_list("kind", flat=True))
    assert {"received", "replied", "closed"} <= kinds


def test_handler_of_other_unit_cannot_reply(world):
    a = world.a
    case = report(world)
    services.assign_case(case=case, actor=a.users["dispatcher"], tier=1, unit=a.committee)
    with pytest.raises(NotAllowed):
        services.reply_case(case=case, actor=a.users["handler"], text="已处理")


def test_cannot_close_before_verification(world):
    a = world.a
    case = report(world)
    services.assign_case(case=case, actor=a.users["dispatcher"], tier=1, unit=a.committee)
    services.reply_case(case=case, actor=a.users["neighbourhood"], text="已处理")
    with pytest.raises(InvalidTransition):
        services.close_case(case=case, actor=a.users["dispatcher"])


def test_queue_is_scoped(world):
    case = report(world)
    report(world, area=world.b.estate)
    rows, _cursor = selectors.queue(world.a.users["dispatcher"], selectors.QueueFilters())
    assert [c.pk for c in rows] == [case.pk]


def test_sweep_escalates_overdue_and_is_idempotent(world):
    from gongzhi.cases.sweep import sweep

    a = world.a
    case = report(world)
    services.assign_case(case=case, actor=a.users["dispatcher"], tier=1, unit=a.committee)
    later = timezone.now() + dt.timedelta(days=30)
    first = sweep(now=later)
    case.refresh_from_db()
    assert first.escalated == 1 and case.tier == 2
    events_before = case.events.count()
    second = sweep(now=timezone.now())
    assert second.escalated == 0 and second.overdue == 0
    assert case.events.count() == events_before


def test_every_row_of_a_case_carries_its_subdistrict(world):
    """The sharding key (docs/scale.md): events, messages, meetings and followers of a case all
    name the case's subdistrict."""
    from gongzhi.cases.models import CaseFollower, Consultation

    a = world.a
    case = report(world)
    services.assign_case(case=case, actor=a.users["dispatcher"], tier=2, unit=a.grid_station)
    services.record_consultation(
        case=case,
        actor=a.users["dispatcher"],
        held_on=timezone.localdate(),
        participants=[a.committee, a.department],
        decision="由城管中队牵头处理。",
        lead_unit=a.department,
        co_units=[a.committee],
    )
    services.follow_case(case=case, phone="13900001111")
    rows = [
        *case.events.all(),
        *OutboundMessage.objects.filter(case=case),
        *Consultation.objects.filter(case=case),
        *CaseFollower.objects.filter(case=case),
    ]
    assert len(rows) >= 5
    assert {row.subdistrict_id for row in rows} == {a.subdistrict.pk}
