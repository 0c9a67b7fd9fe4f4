"""The monthly rollup gives the dashboards the same figures as counting every case, and the
services keep it exact through every change of a finished case."""

import datetime as dt
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gongzhi.accounts.models import Role
from gongzhi.cases import metrics, rollup, selectors, services
from gongzhi.cases.models import Case, CaseMonthly, Status
from gongzhi.cases.tests.helpers import public_report
from gongzhi.cases.tests.test_invariants import perform
from gongzhi.testing import make_user

CLOSE = ["assign1", "reply", "verify_ok", "close"]
PATHS = [
    [],
    ["accept"],
    ["reject"],
    CLOSE,
    [*CLOSE, "rate_good"],
    [*CLOSE, "rate_bad"],  # reopened: open again
    ["assign3", "reply", "verify_ok", "close", "rate_good"],
    ["assign1", "reply"],
]
ACTORS = {
    "accept": "dispatcher",
    "reject": "dispatcher",
    "assign1": "dispatcher",
    "assign3": "dispatcher",
    "reply": "handler",
    "verify_ok": "dispatcher",
    "close": "dispatcher",
    "rate_good": "auditor",
    "rate_bad": "auditor",
}


def _history(world) -> list[Case]:
    """Cases over the last seven months in two neighbourhoods, in every kind of state, plus
    merged duplicates: one old (due for response, never responded) and one just reported
    (finished, never responded, response deadline still ahead)."""
    a = world.a
    now = timezone.now()
    cases = []
    for i in range(24):
        created = now - dt.timedelta(days=31 * (i % 7), hours=i)
        area = a.estate if i % 3 else a.other_neighbourhood
        case = public_report(world, area=area, now=created)
        for action in PATHS[i % len(PATHS)]:
            if action == "assign1" and area != a.estate:
                action = "assign3"  # the first committee's member only works in its own area
            _do(world, case, action)
        cases.append(case)
    master = cases[3]
    old = public_report(world, now=now - dt.timedelta(days=70))
    services.merge_case(case=old, master=master, actor=a.users["dispatcher"])
    fresh = public_report(world)
    services.merge_case(case=fresh, master=master, actor=a.users["dispatcher"])
    return cases


def _do(world, case, action):
    role = ACTORS[action]
    if action == "reply" and case.assigned_unit_id == world.a.committee.pk:
        role = "neighbourhood"
    perform(world, case, action, world.a.users[role])
    case.refresh_from_db()


def _same(left: metrics.Tally, right: metrics.Tally) -> None:
    for name in metrics.Tally.__dataclass_fields__:
        x, y = getattr(left, name), getattr(right, name)
        assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6), (name, x, y)


def _compare(qs, root, **dates) -> metrics.Dashboard:
    fast = metrics.dashboard(qs, root=root, use_rollup=True, **dates)
    slow = metrics.dashboard(qs, root=root, use_rollup=False, **dates)
    _same(fast.overall, slow.overall)
    assert [a.pk for a, _t in fast.by_area] == [a.pk for a, _t in slow.by_area]
    for (_a, x), (_b, y) in zip(fast.by_area, slow.by_area, strict=True):
        _same(x, y)
    assert [m for m, _t in fast.by_month] == [m for m, _t in slow.by_month]
    for (_m, x), (_n, y) in zip(fast.by_month, slow.by_month, strict=True):
        _same(x, y)
    assert dict(fast.by_unit).keys() == dict(slow.by_unit).keys()
    for name, tally in fast.by_unit:
        _same(tally, dict(slow.by_unit)[name])
    return fast


def test_the_rollup_gives_the_same_dashboard_as_the_cases(world):
    _history(world)
    leader = world.a.users["leader"]
    qs = selectors.cases_for(leader)
    assert selectors.sees_whole_scope(leader)
    board = _compare(qs, world.a.subdistrict)
    assert board.from_rollup
    # The figures are not trivial: finished cases, rated ones, the not-yet-due merged one.
    assert board.overall.total == 26
    assert board.overall.rated >= 3 and board.overall.closed >= 4
    assert CaseMonthly.objects.filter(subdistrict=world.a.subdistrict).exists()
    # One level down (a grid: its rows are neighbourhoods, which the rollup keeps apart).
    assert _compare(qs, world.a.grid).from_rollup
    # The district, as its leader sees it.
    district_leader = make_user("d_leader", roles=[Role.LEADER], scope=world.district)
    assert _compare(selectors.cases_for(district_leader), world.district).overall.total == 26
    # Deeper than the rollup keeps areas apart: raw rows.
    assert not _compare(qs, world.a.neighbourhood).from_rollup


def test_partial_months_are_counted_from_the_cases(world):
    _history(world)
    qs = selectors.cases_for(world.a.users["leader"])
    today = timezone.localdate()
    since = (today - dt.timedelta(days=150)).replace(day=12)
    board = _compare(qs, world.a.subdistrict, since=since, until=today)
    assert board.from_rollup
    assert board.overall.total < 26
    whole_month = since.replace(day=1) + dt.timedelta(days=32)
    first = whole_month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    assert _compare(qs, world.a.subdistrict, since=first, until=last).from_rollup
    # Within one month there is no whole month to read from the rollup.
    assert not _compare(qs, world.a.subdistrict, since=first, until=first + dt.timedelta(days=3)).from_rollup


def test_a_handler_sees_only_his_unit_counted_from_the_cases(world):
    _history(world)
    handler = world.a.users["handler"]
    assert not selectors.sees_whole_scope(handler)
    board = metrics.dashboard_for(handler, root=handler.scope)
    assert not board.from_rollup
    assert metrics.dashboard_for(world.a.users["leader"], root=world.a.grid).from_rollup
    assert board.overall.total == selectors.cases_for(handler).count()


def test_the_services_keep_the_rollup_exact_and_rebuild_agrees(world):
    cases = _history(world)
    assert rollup.check() == []
    stored = sorted(
        CaseMonthly.objects.values_list("area_id", "month", "unit_id", "total", "closed", "rated")
    )
    CaseMonthly.objects.all().delete()
    assert rollup.check() != []
    assert rollup.rebuild() == len(stored)
    assert (
        sorted(CaseMonthly.objects.values_list("area_id", "month", "unit_id", "total", "closed", "rated"))
        == stored
    )
    # A rated case reopened leaves its bucket; closing it again brings it back.
    rated = next(c for c in cases if c.status == Status.RATED)
    services.reopen_case(case=rated, actor=world.a.users["dispatcher"], reason="复查发现问题仍在")
    assert rollup.check() == []
    rated.refresh_from_db()
    for action in ["reply", "verify_ok", "close"]:
        _do(world, rated, action)
    assert rollup.check() == []


def test_rollup_command_checks_and_rebuilds(world):
    _history(world)
    call_command("rollup", "check")
    CaseMonthly.objects.update(total=999)
    with pytest.raises(CommandError, match="汇总表与工单不一致"):
        call_command("rollup", "check")
    call_command("rollup", "rebuild", "--subdistrict", str(world.a.subdistrict.pk))
    call_command("rollup", "check")
