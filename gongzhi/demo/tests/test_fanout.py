"""City-scale generation by fan-out (`gongzhi generate --fan-out-from N`): PostgreSQL only."""

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import services, transitions
from gongzhi.cases.models import Case, CaseCounter, CaseEvent, Category
from gongzhi.cases.selectors import QueueFilters, queue
from gongzhi.cases.sweep import sweep
from gongzhi.demo.generate import Plan, generate
from gongzhi.territory import geo
from gongzhi.territory.models import Area

NOW = dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC)
POSTGRES_ONLY = "fan-out is PostgreSQL-only; runs in the PostgreSQL half of CI"


@pytest.fixture
def fanned(db):
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)
    plan = Plan(
        subdistricts=6, cases=900, years=1, seed=11, grids=2, buildings=2, now=NOW, chunk=1000, fan_out_from=2
    )
    result = generate(plan, progress=lambda line: None)
    return plan, result


def test_counts_are_as_asked(fanned):
    plan, result = fanned
    assert Area.objects.filter(kind="subdistrict").count() == 6
    assert Case.objects.count() == result.cases == plan.cases
    assert CaseEvent.objects.count() == result.events
    per_sub = Counter(Case.objects.values_list("subdistrict_id", flat=True))
    assert len(per_sub) == 6  # every subdistrict has cases, the copies included


def test_ids_and_numbers_are_unique(fanned):
    ids = list(Case.objects.values_list("id", flat=True))
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(ids)) == len(ids) and len(set(numbers)) == len(numbers)
    subs = dict(Area.objects.filter(kind="subdistrict").values_list("id", "code"))
    for sub_id, number in Case.objects.values_list("subdistrict_id", "number"):
        assert number[6:9] == subs[sub_id][-3:]


def test_every_case_lies_in_its_subdistrict_and_area(fanned):
    areas = dict(Area.objects.values_list("id", "subdistrict_id"))
    units = dict(Unit.objects.values_list("id", "subdistrict_id"))
    reporters = {u.pk: u.scope.subdistrict_id for u in User.objects.select_related("scope") if u.scope}
    for case in Case.objects.all():
        assert areas[case.area_id] == case.subdistrict_id
        if case.assigned_unit_id:
            assert units[case.assigned_unit_id] == case.subdistrict_id
        if case.reported_by_id:
            assert reporters[case.reported_by_id] == case.subdistrict_id
    geo.invalidate()
    sample = random.Random(5).sample(list(Case.objects.all()), 200)
    for case in sample:
        assert geo.area_id_at(case.lat, case.lng) == case.area_id


def test_every_event_belongs_to_a_case_and_the_chain_holds(fanned):
    case_ids = set(Case.objects.values_list("id", flat=True))
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        events[event.case_id].append(event)
    assert set(events) == case_ids
    for case in Case.objects.all():
        timeline = events[case.pk]
        assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
        assert timeline[0].from_status == "" and timeline[-1].to_status == case.status
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.from_status == before.to_status
            if after.from_status != after.to_status:
                assert transitions.target(after.from_status, after.action) == after.to_status
        assert case.version == len(timeline) - 1


def test_copied_events_name_the_target_staff_and_units(fanned):
    users = {u.pk: (u.scope.subdistrict_id, u.display_name) for u in User.objects.select_related("scope")}
    units = dict(Unit.objects.values_list("id", "subdistrict_id"))
    for event in CaseEvent.objects.select_related("case"):
        if event.actor_id:
            assert users[event.actor_id][0] == event.case.subdistrict_id
            assert event.actor_label == users[event.actor_id][1]
        if "unit" in event.data:
            assert units[event.data["unit"]] == event.case.subdistrict_id


def test_services_continue_numbering_in_a_copied_subdistrict(fanned):
    copied = Area.objects.filter(kind="subdistrict").order_by("-id").first()
    counter = CaseCounter.objects.filter(subdistrict_id=copied.pk).order_by("-last").first()
    moment = dt.datetime.combine(counter.day, dt.time(4, 0), tzinfo=dt.UTC)
    case = services.create_case(
        actor=None,
        category=Category.objects.filter(parent__isnull=False).first(),
        title="复制后续号",
        description="复制的街道里通过服务再报一件",
        source="web",
        area=Area.objects.filter(subdistrict=copied, kind="neighbourhood").first(),
        reporter_phone="13800000000",
        now=moment,
    )
    assert case.number.endswith(f"{counter.last + 1:04d}")


def test_copies_leave_the_sweep_nothing_and_fill_the_queue(fanned):
    result = sweep(now=NOW, auto_escalate=True)
    assert (result.overdue, result.escalated) == (0, 0)
    dispatcher = User.objects.filter(groups__name="dispatcher").order_by("-id").first()
    rows, _cursor = queue(dispatcher, QueueFilters(status="any"))
    assert rows and all(r.subdistrict_id == dispatcher.scope_id for r in rows)


def test_indexes_are_back_after_the_copy(fanned):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [Case._meta.db_table])
        assert cursor.fetchone()[0] >= 8
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [CaseEvent._meta.db_table],
        )
        assert cursor.fetchone()[0] >= 2


def test_cases_only_when_asked(db):
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)
    plan = Plan(
        subdistricts=3,
        cases=300,
        years=1,
        seed=2,
        grids=2,
        buildings=2,
        now=NOW,
        fan_out_from=1,
        fan_out_events=False,
    )
    result = generate(plan, progress=lambda line: None)
    assert Case.objects.count() == 300
    copied = Case.objects.exclude(subdistrict_id=result.subdistricts[0])
    assert copied.exists() and not CaseEvent.objects.filter(case__in=copied).exists()


def test_sqlite_refuses_fan_out_clearly(db):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate", "--subdistricts", "3", "--cases", "30", "--fan-out-from", "1", verbosity=0)
    assert not Area.objects.exists()


def test_copies_carry_their_subdistrict_and_the_rollup_counts_them(fanned):
    from gongzhi.cases import rollup

    mismatched = CaseEvent.objects.exclude(subdistrict_id=models.F("case__subdistrict_id")).count()
    assert mismatched == 0
    assert len(set(CaseEvent.objects.values_list("subdistrict_id", flat=True))) == 6
    assert rollup.check() == []
