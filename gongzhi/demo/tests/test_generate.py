"""The generator writes in bulk, around the services: these tests check that its rows keep the
invariants the services keep (see the docstring of gongzhi.demo.generate)."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import deadlines, services, transitions
from gongzhi.cases.metrics import dashboard
from gongzhi.cases.models import Case, CaseCounter, CaseEvent, Category
from gongzhi.cases.selectors import QueueFilters, cases_for, queue
from gongzhi.cases.sweep import sweep
from gongzhi.core import calendar
from gongzhi.demo.generate import Plan, WorkingTime, generate
from gongzhi.territory import geo
from gongzhi.territory.models import Area

NOW = dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def generated(db):
    plan = Plan(subdistricts=2, cases=400, years=1, seed=7, grids=2, buildings=2, now=NOW, chunk=1000)
    result = generate(plan, progress=lambda line: None)
    return plan, result


def test_generates_the_requested_sizes(generated):
    _plan, result = generated
    assert Area.objects.filter(kind="subdistrict").count() == 2
    assert Case.objects.count() == result.cases == 400
    assert CaseEvent.objects.count() == result.events > 400 * 3
    assert Category.objects.filter(parent__isnull=False).exists()


def test_area_tree_keeps_paths_and_subdistricts(generated):
    areas = {a.pk: a for a in Area.objects.all()}
    for area in areas.values():
        parent = areas.get(area.parent_id)
        assert area.path == f"{parent.path if parent else '/'}{area.pk}/"
        assert area.depth == (parent.depth + 1 if parent else 0)
        if area.kind == "subdistrict":
            assert area.subdistrict_id == area.pk
        elif area.kind != "district":
            assert area.subdistrict_id == parent.subdistrict_id
    for unit in Unit.objects.select_related("area"):
        assert unit.subdistrict_id == (unit.area.subdistrict_id or unit.area_id)


def test_every_case_point_lies_in_its_area(generated):
    geo.invalidate()
    for case in Case.objects.all():
        assert geo.area_id_at(case.lat, case.lng) == case.area_id
        assert case.subdistrict_id == Area.objects.get(pk=case.area_id).subdistrict_id


def test_timelines_follow_the_state_machine(generated):
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        events[event.case_id].append(event)
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
        assert timeline[0].action == "report" and timeline[0].from_status == ""
        assert timeline[0].created_at == case.created_at
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.created_at >= before.created_at
            if after.from_status != after.to_status:
                assert transitions.target(after.from_status, after.action) == after.to_status
        assert timeline[-1].to_status == case.status
        assert case.version == len(timeline) - 1


def test_case_fields_match_their_events(generated):
    for case in Case.objects.prefetch_related("events"):
        actions = [e.action for e in case.events.all()]
        assert (case.responded_at is not None) == any(a in actions for a in ("accept", "assign", "reject"))
        assert bool(case.rating) == (case.status == "rated" or "rate" in actions)
        assert case.reopen_count == actions.count("reopen")
        if case.status in ("closed", "rated", "rejected"):
            assert case.closed_at is not None
        if case.status in ("assigned", "replied", "verified"):
            assert case.assigned_unit.subdistrict_id == case.subdistrict_id
        assert case.next_due == deadlines.next_due_of(case)


def test_deadlines_are_the_services_deadlines(generated):
    for case in Case.objects.select_related("category")[:100]:
        limits = deadlines.limits_for(case.category, None)
        assert case.response_due == calendar.add_working_hours(case.created_at, limits.response_hours)


def test_working_time_agrees_with_the_calendar(db):
    rng = random.Random(3)
    fast = WorkingTime(dt.date(2023, 1, 1), dt.date(2026, 12, 31))
    for _ in range(500):
        moment = dt.datetime(2023, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(3 * 365 * 1440))
        hours = rng.choice([0, 1, 4, 8, 16, 24, 40, 80, 3.5])
        assert fast.add_hours(moment, hours) == calendar.add_working_hours(moment, hours)


def test_sweep_finds_nothing_left_to_do(generated):
    result = sweep(now=NOW, auto_escalate=True)
    assert (result.overdue, result.escalated) == (0, 0)


def test_services_continue_the_case_numbers(generated):
    counter = CaseCounter.objects.order_by("-last").first()
    day = counter.day
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
    area = Area.objects.filter(subdistrict_id=counter.subdistrict_id, kind="neighbourhood").first()
    case = services.create_case(
        actor=None,
        category=Category.objects.filter(parent__isnull=False).first(),
        title="测试续号",
        description="生成之后通过服务再报一件",
        source="web",
        area=area,
        reporter_phone="13800000000",
        now=moment,
    )
    assert case.number.endswith(f"{counter.last + 1:04d}")


def test_generated_staff_see_their_queues(generated):
    dispatcher = User.objects.filter(username__endswith="-dispatcher").first()
    gridworker = User.objects.filter(groups__name="gridworker").first()
    rows, _cursor = queue(dispatcher, QueueFilters(status="any"))
    assert rows and all(r.subdistrict_id == dispatcher.scope_id for r in rows)
    assert cases_for(gridworker).exists()
    board = dashboard(cases_for(dispatcher), root=dispatcher.scope)
    assert board.overall.total > 0 and 0 < board.overall.response_rate <= 1


def test_a_second_run_needs_another_prefix(generated):
    with pytest.raises(ValueError):
        generate(Plan(subdistricts=1, cases=0), progress=lambda line: None)
    result = generate(Plan(subdistricts=1, cases=10, prefix="ALT", now=NOW), progress=lambda line: None)
    assert result.cases == 10


def test_command_prints_progress(db, capsys):
    call_command("generate", "--subdistricts", "1", "--cases", "50", "--grids", "2", "--buildings", "2")
    out = capsys.readouterr().out
    assert "50 件工单" in out


def test_the_dashboards_rollup_is_built(generated):
    from gongzhi.cases import rollup

    assert rollup.check() == []
    leader = User.objects.filter(groups__name="leader", scope__kind="subdistrict").first()
    fast = dashboard(cases_for(leader), root=leader.scope, use_rollup=True)
    slow = dashboard(cases_for(leader), root=leader.scope)
    assert fast.from_rollup and fast.overall.total == slow.overall.total > 0
    assert fast.overall.closed == slow.overall.closed and fast.overall.rated == slow.overall.rated


@pytest.fixture
def with_residents(db):
    plan = Plan(subdistricts=2, cases=0, residents=700, years=1, seed=3, grids=2, buildings=2, now=NOW)
    result = generate(plan, progress=lambda line: None)
    return plan, result


def test_residents_dwellings_and_organisations_are_generated(with_residents):
    from gongzhi.registry import crypto, selectors
    from gongzhi.registry.models import Household, Organization, Residence, Resident
    from gongzhi.registry.validators import clean_credit_code, clean_id_number, id_birth_date, id_gender

    _plan, result = with_residents
    residents = list(Resident.objects.select_related("dwelling", "area", "household"))
    assert len(residents) == result.residents == 700
    assert Residence.objects.filter(moved_out_on=None).count() == 700  # one open stay each
    by_sub = {sub: 0 for sub in result.subdistricts}
    for resident in residents:
        by_sub[resident.subdistrict_id] += 1
        assert resident.area.kind == "building" and resident.area.subdistrict_id == resident.subdistrict_id
        assert resident.dwelling.area_id == resident.area_id
        id_number = resident.unseal("id_number")
        assert clean_id_number(id_number) == id_number  # valid checksum
        assert id_birth_date(id_number) == resident.birth_date and id_gender(id_number) == resident.gender
        assert resident.id_number_hash == crypto.blind_index(id_number, kind="id")
        assert resident.id_number_mask and id_number not in resident.id_number_mask
    assert sorted(by_sub.values()) == [350, 350]
    assert len({(r.subdistrict_id, r.id_number_hash) for r in residents}) == 700
    heads = Household.objects.exclude(head=None)
    assert heads.count() == Household.objects.count() > 0
    assert all(h.head.household_id == h.pk for h in heads.select_related("head"))
    organisations = list(Organization.objects.all())
    assert len(organisations) == result.organizations >= 2
    assert all(clean_credit_code(o.credit_code) == o.credit_code for o in organisations)
    # The registry's own scoped reads see them, as staff of the subdistrict.
    staff = User.objects.filter(groups__name="leader", scope_id=result.subdistricts[0]).first()
    assert selectors.residents_for(staff).count() == 350
