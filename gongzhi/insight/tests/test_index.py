"""The resident interaction index: a hand-built month, recomputed from raw rows, weights in config."""

import datetime as dt

import pytest
import time_machine

from gongzhi.cases.models import Rating
from gongzhi.insight import index
from gongzhi.insight.models import InteractionIndex
from gongzhi.insight.tests.helpers import at, closed_case, report
from gongzhi.registry import services as registry_services
from gongzhi.registry.tests.conftest import person_id
from gongzhi.visits import services as visit_services

pytestmark = pytest.mark.django_db
JUNE = dt.date(2026, 6, 1)


@pytest.fixture
def month(reg):
    """June 2026 in A一居 (two households, one of them 王秀英's):
    王秀英 reports a case that is closed and rated satisfied; someone not registered reports
    another that is never responded; 王秀英's household is visited once."""
    world = reg.world
    other = registry_services.create_dwelling(actor=None, area=reg.building_a, data={"room": "102"})
    registry_services.register_resident(
        actor=None, dwelling=other, data={"name": "赵敏", "id_number": person_id(3), "phone": "13900003333"}
    )
    closed_case(world, now=at(dt.date(2026, 6, 3), 9), phone="13900001111", rating=Rating.SATISFIED)
    report(world, now=at(dt.date(2026, 6, 10), 9), phone="13700000000", title="垃圾满溢")
    report(world, now=at(dt.date(2026, 5, 20), 9), phone="13900001111", title="五月的工单")
    visit_services.record_visit(
        actor=world.a.users["gridworker"],
        household=reg.resident_a.household,
        visited_on=dt.date(2026, 6, 15),
        mode="door",
        findings="老人独居，身体尚好",
        met=reg.resident_a,
    )
    return reg


def test_index_of_the_hand_built_month(month):
    world = month.world
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        rows = {r.area: r for r in index.compute_month(world.a.subdistrict, JUNE)}
    row = rows[world.a.neighbourhood]
    assert row.counts == {"rating": 1, "report": 2, "visit": 1}
    assert (row.households, row.reached) == (2, 1)
    assert row.reach == 0.5
    assert row.weighted == 3.0  # 2 reports × 1 + 1 rating × 0.5 + 1 visit × 0.5
    assert row.depth == 1.0  # 150 per 100 households, above the target of 50
    assert row.rates == {"response_rate": 0.5, "resolution_rate": 1.0, "satisfaction_rate": 1.0}
    assert row.responsiveness == pytest.approx(2.5 / 3)
    assert row.value == pytest.approx(100 * (0.4 * 0.5 + 0.3 * 1.0 + 0.3 * 2.5 / 3))
    empty = rows[world.a.other_neighbourhood]
    assert (empty.households, empty.value, empty.responsiveness) == (0, 0.0, None)
    assert world.b.neighbourhood not in rows


def test_check_recomputes_from_raw_rows_and_finds_tampering(month):
    world = month.world
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        index.compute_month(world.a.subdistrict, JUNE)
        assert index.check_month(world.a.subdistrict, JUNE) == []
        InteractionIndex.objects.filter(area=world.a.neighbourhood).update(value=99.0)
        problems = index.check_month(world.a.subdistrict, JUNE)
    assert len(problems) == 1 and "value" in problems[0]


def test_weights_come_from_configuration(month, settings):
    world = month.world
    settings.GONGZHI_INSIGHT = {
        "index": {"part_weights": {"reach": 1.0, "depth": 0.0, "responsiveness": 0.0}}
    }
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        rows = {r.area: r for r in index.compute_month(world.a.subdistrict, JUNE)}
    assert rows[world.a.neighbourhood].value == 50.0


def test_recomputing_a_month_replaces_it_and_drilldown_explains_the_change(month):
    world = month.world
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        index.compute_month(world.a.subdistrict, dt.date(2026, 5, 1))
        index.compute_month(world.a.subdistrict, JUNE)
        index.compute_month(world.a.subdistrict, JUNE)
    assert InteractionIndex.objects.filter(area=world.a.neighbourhood).count() == 2
    june = InteractionIndex.objects.get(area=world.a.neighbourhood, month=JUNE)
    lines = {line["kind"]: line for line in index.drilldown(june)}
    assert (lines["report"]["before"], lines["report"]["now"]) == (1, 2)
    assert lines["visit"]["weighted_change"] == 0.5


def test_check_command_agrees_then_fails_on_tampering(month):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        call_command("insight", "index", "compute", "--month", "2026-06", "--area", "A", stdout=io.StringIO())
        out = io.StringIO()
        call_command("insight", "index", "check", "--month", "2026-06", "--area", "A", stdout=out)
        assert "一致" in out.getvalue()
        InteractionIndex.objects.filter(area=month.world.a.neighbourhood).update(reached=0)
        with pytest.raises(CommandError):
            call_command(
                "insight", "index", "check", "--month", "2026-06", "--area", "A", stdout=io.StringIO()
            )
