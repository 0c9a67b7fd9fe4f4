"""The weekly grid meeting report against a hand-built week."""

import datetime as dt

import pytest
import time_machine

from gongzhi.cases import services as case_services
from gongzhi.cases.models import Action, Rating, Source
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed
from gongzhi.insight import reports
from gongzhi.insight.models import Decision, DecisionKind, ReportStatus
from gongzhi.insight.tests.helpers import MONDAY, SECTION_KEYS, at, closed_case, report

pytestmark = pytest.mark.django_db


def figures(sections, key):
    section = next(s for s in sections if s["key"] == key)
    return {f["key"]: f["value"] for f in section["figures"]}


def table(sections, key, title):
    section = next(s for s in sections if s["key"] == key)
    return next(t for t in section["tables"] if t["title"] == title)


@pytest.fixture
def week(world):
    """Monday 1 June 2026 to Sunday 7 June, grid A-G1:
    - one case reported, handled, closed and rated satisfied on Tuesday (tier 1);
    - one assigned at tier 1 on Tuesday and escalated to tier 2 on Wednesday;
    - one reported on Monday and never responded (overdue);
    - one the week before, one in the other grid and one in subdistrict B (none of them new)."""
    a = world.a
    closed_case(world, now=at(MONDAY + dt.timedelta(days=1), 9), rating=Rating.SATISFIED)
    escalated = report(world, now=at(MONDAY + dt.timedelta(days=1), 10))
    escalated = case_services.assign_case(
        case=escalated,
        actor=a.users["dispatcher"],
        tier=1,
        unit=a.committee,
        now=at(MONDAY + dt.timedelta(days=1), 10, 30),
    )
    escalated = case_services.escalate_case(
        case=escalated,
        actor=a.users["neighbourhood"],
        reason="需多部门会商",
        now=at(MONDAY + dt.timedelta(days=2), 9),
    )
    forgotten = report(world, now=at(MONDAY, 9), title="路灯不亮")
    report(world, now=at(MONDAY - dt.timedelta(days=5), 9), title="上周的工单")
    report(world, area=a.other_neighbourhood, now=at(MONDAY + dt.timedelta(days=1), 9), title="二网格的工单")
    report(world, side="b", now=at(MONDAY + dt.timedelta(days=1), 9), title="B街道的工单")
    return {"escalated": escalated, "forgotten": forgotten}


def test_report_counts_the_hand_built_week(world, week):
    now = at(MONDAY + dt.timedelta(days=3), 18)
    assert week["escalated"].next_due > now  # not overdue yet: only the forgotten case is
    report_ = reports.generate_report(grid=world.a.grid, week_start=MONDAY, now=now)
    cases = figures(report_.sections, "cases")
    # Overdue is every open case of the grid past its deadline, last week's included.
    assert (cases["new"], cases["closed"], cases["overdue"], cases["escalated"]) == (3, 1, 2, 1)
    # Response: 2 of 3 due in time (the forgotten one is past its deadline); one rating, solved, satisfied.
    assert (cases["response_rate"], cases["resolution_rate"], cases["satisfaction_rate"]) == (
        "66.7%",
        "100.0%",
        "100.0%",
    )
    by_tier = table(report_.sections, "cases", "按层级")["rows"]
    assert by_tier == [
        ["一级·居民区", 1, 1, 0, 0],
        ["二级·网格会商", 1, 0, 0, 1],
        ["三级·街道协调", 0, 0, 0, 0],
        ["未分级", 1, 0, 2, 0],
        ["合计", 3, 1, 2, 1],
    ]
    overdue = table(report_.sections, "cases", "超时工单")
    assert [row[1] for row in overdue["rows"]] == ["上周的工单", "路灯不亮"]
    assert overdue["links"][1] == f"/cases/{week['forgotten'].number}/"
    assert [s["key"] for s in report_.sections] == SECTION_KEYS


def test_report_is_one_per_grid_and_week_and_redrafts_until_frozen(world, week):
    first = reports.generate_report(grid=world.a.grid, week_start=MONDAY, now=at(MONDAY, 8))
    again = reports.generate_report(
        grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=3), 18)
    )
    assert again.pk == first.pk
    assert figures(first.sections, "cases")["new"] == 0  # Monday 08:00: nothing reported yet
    assert figures(again.sections, "cases")["new"] == 3


def test_frozen_report_keeps_its_figures(world, week):
    gridworker = world.a.users["gridworker"]
    draft = reports.generate_report(
        grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=3), 18)
    )
    frozen = reports.freeze_report(report=draft, actor=gridworker, now=at(MONDAY + dt.timedelta(days=4), 9))
    assert frozen.status == ReportStatus.FROZEN and frozen.frozen_by == gridworker
    report(world, now=at(MONDAY + dt.timedelta(days=4), 10), title="定稿后的工单")
    later = reports.generate_report(
        grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=6), 18)
    )
    assert later.sections == frozen.sections
    with pytest.raises(InvalidTransition):
        reports.edit_agenda(report=later, actor=gridworker, agenda="再改")
    with pytest.raises(InvalidTransition):
        reports.freeze_report(report=later, actor=gridworker)


def test_decisions_go_through_the_case_services_and_carry_over(world, week):
    gridworker = world.a.users["gridworker"]
    with time_machine.travel(at(MONDAY + dt.timedelta(days=4), 14), tick=False):
        draft = reports.generate_report(grid=world.a.grid, week_start=MONDAY)
        on_case = reports.record_decision(
            report=draft,
            actor=gridworker,
            kind=DecisionKind.CASE_ACTION,
            text="城管中队下周二前拆除飞线",
            owner=world.a.department,
            due_on=MONDAY + dt.timedelta(days=8),
            case=week["escalated"],
        )
        new = reports.record_decision(
            report=draft,
            actor=gridworker,
            kind=DecisionKind.NEW_CASE,
            text="3号楼门口堆物清理",
            owner=world.a.committee,
            due_on=MONDAY + dt.timedelta(days=6),
            category=world.category,
        )
        reports.freeze_report(report=draft, actor=gridworker)
    note = week["escalated"].events.order_by("-seq").first()
    assert note.action == Action.NOTE and "城管中队下周二前拆除飞线" in note.note and note.actor == gridworker
    assert new.case.source == Source.MEETING and new.case.area == world.a.grid
    with time_machine.travel(at(MONDAY + dt.timedelta(days=7), 8), tick=False):
        following = reports.generate_report(grid=world.a.grid, week_start=MONDAY + dt.timedelta(days=7))
    carried = table(following.sections, "carry_over", "上周及以前决定事项")["rows"]
    assert [row[1] for row in carried] == ["3号楼门口堆物清理", "城管中队下周二前拆除飞线"]
    assert carried[0][4] == "已逾期" and carried[1][4] == "未到期"
    assert Decision.objects.filter(report=draft).count() == 2 and on_case.case == week["escalated"]


def test_bad_decision_changes_nothing(world, week):
    gridworker = world.a.users["gridworker"]
    draft = reports.generate_report(
        grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=3), 18)
    )
    events = week["escalated"].events.count()
    for kwargs, message in [
        ({"text": ""}, "请填写决定事项"),
        ({"due_on": MONDAY - dt.timedelta(days=1)}, "完成期限不能早于"),
        ({"case": None}, "请选择要督办的工单"),
    ]:
        params = dict(
            report=draft,
            actor=gridworker,
            kind=DecisionKind.CASE_ACTION,
            text="拆除飞线",
            owner=world.a.department,
            due_on=MONDAY + dt.timedelta(days=8),
            case=week["escalated"],
        )
        params.update(kwargs)
        with pytest.raises(DomainError, match=message):
            reports.record_decision(**params)
    assert Decision.objects.count() == 0 and week["escalated"].events.count() == events
    with pytest.raises(DomainError, match="周一"):
        reports.generate_report(grid=world.a.grid, week_start=MONDAY + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="网格"):
        reports.generate_report(grid=world.a.subdistrict, week_start=MONDAY)


@pytest.mark.parametrize("role", ["auditor", "handler", "neighbourhood"])
def test_only_grid_centre_and_subdistrict_edit(world, week, role):
    draft = reports.generate_report(
        grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=3), 18)
    )
    with pytest.raises(NotAllowed):
        reports.edit_agenda(report=draft, actor=world.a.users[role], agenda="议程")
    with pytest.raises(NotAllowed):
        reports.freeze_report(report=draft, actor=world.b.users["leader"])


def test_subdistrict_rollup_sums_the_grids(world, week):
    now = at(MONDAY + dt.timedelta(days=3), 18)
    made = reports.generate_week(root=world.a.subdistrict, week_start=MONDAY, now=now)
    assert [r.area for r in made] == [world.a.grid, world.a.grid.subdistrict.children.get(code="A-G2")]
    rollup = reports.subdistrict_rollup(made)
    assert rollup.rows[0][:6] == ["A第一网格", "草稿", 3, 1, 2, 1]
    assert rollup.rows[1][:3] == ["A第二网格", "草稿", 1]
    assert rollup.rows[-1][:3] == ["合计", "", 4]
