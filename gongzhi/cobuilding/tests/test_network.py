"""Coverage of the new sectors, its history, pairings and alliances."""

import datetime as dt

import pytest

from gongzhi.cobuilding import coverage
from gongzhi.cobuilding.models import Coverage, CoverageMode, Timeline
from gongzhi.cobuilding.services import network
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.visits import services as visit_services
from gongzhi.visits.models import Mode, Target

pytestmark = pytest.mark.django_db

D = dt.date


def test_coverage_figures_per_grid_against_a_hand_built_world(net, world):
    leader = world.a.users["leader"]
    network.cover_unit(
        actor=leader, unit=net.firm_a, branch=net.branch_a, mode=CoverageMode.OWN, started_on=D(2026, 1, 5)
    )
    network.cover_unit(
        actor=leader, unit=net.shop_a, branch=net.cohesion, mode=CoverageMode.AREA, started_on=D(2026, 2, 1)
    )
    rows, total = coverage.figures(leader, level="grid", on=D(2026, 3, 1))
    by_name = {row.label: row for row in rows}
    # grid 1: the firm and the shop (both covered); grid 2: the noodle shop and the social org (none)
    assert (by_name["A第一网格"].units, by_name["A第一网格"].covered, by_name["A第一网格"].rate) == (
        2,
        2,
        100,
    )
    assert (by_name["A第二网格"].units, by_name["A第二网格"].covered, by_name["A第二网格"].rate) == (2, 0, 0)
    assert (total.units, total.covered, total.rate) == (4, 2, 50)  # the school and party orgs do not count
    # Before the shop's coverage began, only the firm was covered.
    _rows, before = coverage.figures(leader, level="grid", on=D(2026, 1, 20))
    assert before.covered == 1


def test_units_not_visited_in_the_campaign(net, world):
    from gongzhi.visits.services import create_campaign

    leader = world.a.users["leader"]
    campaign = create_campaign(
        actor=leader,
        area=world.a.subdistrict,
        name="两新走访",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        target=Target.ORGANIZATIONS,
    )
    visit_services.record_visit(
        actor=world.a.users["gridworker"],
        visited_on=D(2026, 1, 10),
        mode=Mode.DOOR,
        findings="经营正常",
        organization=net.firm_a,
        campaign=campaign,
        now=dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC),
    )
    rows, total = coverage.figures(leader, level="neighbourhood", campaign=campaign, on=D(2026, 3, 1))
    assert total.not_visited == 3
    assert {r.label: r.not_visited for r in rows} == {"A一居": 1, "A二居": 2}


def test_a_new_coverage_ends_the_old_one_and_keeps_the_history(net, world):
    leader = world.a.users["leader"]
    network.cover_unit(
        actor=leader, unit=net.shop_a, branch=net.branch_a, mode=CoverageMode.JOINT, started_on=D(2026, 1, 1)
    )
    network.cover_unit(
        actor=leader, unit=net.shop_a, branch=net.cohesion, mode=CoverageMode.AREA, started_on=D(2026, 4, 1)
    )
    rows = list(Coverage.objects.filter(unit=net.shop_a).order_by("started_on"))
    assert [(r.branch_id, r.ended_on) for r in rows] == [
        (net.branch_a.pk, D(2026, 4, 1)),
        (net.cohesion.pk, None),
    ]
    with pytest.raises(Conflict):
        network.cover_unit(
            actor=leader,
            unit=net.shop_a,
            branch=net.cohesion,
            mode=CoverageMode.AREA,
            started_on=D(2026, 5, 1),
        )
    network.end_coverage(actor=leader, unit=net.shop_a, ended_on=D(2026, 6, 1), reason="店铺关闭")
    history = coverage.history(leader, months=6, today=D(2026, 6, 15))
    assert [covered for _day, _units, covered in history] == [1, 1, 1, 1, 1, 0]
    assert Timeline.objects.filter(subject="coverage").count() == 4


def test_coverage_refuses_another_subdistricts_branch_and_other_roles(net, world):
    with pytest.raises(DomainError):
        network.cover_unit(
            actor=world.a.users["leader"],
            unit=net.firm_a,
            branch=net.branch_b,
            mode="own",
            started_on=D(2026, 1, 1),
        )
    with pytest.raises(NotAllowed):
        network.cover_unit(
            actor=world.a.users["dispatcher"],
            unit=net.firm_a,
            branch=net.branch_a,
            mode="own",
            started_on=D(2026, 1, 1),
        )
    with pytest.raises(NotAllowed):
        network.cover_unit(
            actor=world.b.users["leader"],
            unit=net.firm_a,
            branch=net.branch_a,
            mode="own",
            started_on=D(2026, 1, 1),
        )
    assert not Coverage.objects.exists()


def test_pairing_coverage_per_neighbourhood(net, world):
    leader = world.a.users["leader"]
    pairing = network.create_pairing(
        actor=leader,
        unit=net.firm_a,
        neighbourhood=world.a.neighbourhood,
        starts_on=D(2026, 1, 1),
        ends_on=D(2027, 12, 31),
        plan="每季度一次助老活动",
        neighbourhood_party=net.party_a,
    )
    rows, paired, total = coverage.pairing_coverage(leader, on=D(2026, 6, 1))
    assert (paired, total) == (1, 2)
    assert [r.pairings for r in rows] == [1, 0]
    with pytest.raises(Conflict):
        network.create_pairing(
            actor=leader,
            unit=net.firm_a,
            neighbourhood=world.a.neighbourhood,
            starts_on=D(2026, 6, 1),
            ends_on=D(2026, 12, 31),
        )
    with pytest.raises(DomainError):
        network.create_pairing(
            actor=leader,
            unit=net.firm_a,
            neighbourhood=world.a.grid,
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 12, 31),
        )
    network.record_activity(
        actor=leader, pairing=pairing, held_on=D(2026, 3, 1), title="助老理发", participants=12
    )
    network.evaluate_pairing(actor=leader, pairing=pairing, year=2026, score=92, comment="活动扎实")
    with pytest.raises(Conflict):
        network.evaluate_pairing(actor=leader, pairing=pairing, year=2026, score=80)
    with pytest.raises(DomainError):
        network.evaluate_pairing(actor=leader, pairing=pairing, year=2027, score=101)
    network.end_pairing(actor=leader, pairing=pairing, on=D(2026, 7, 1), reason="单位搬迁")
    assert coverage.pairing_coverage(leader, on=D(2026, 8, 1))[1] == 0


def test_alliance_members_join_once(net, world):
    leader = world.a.users["leader"]
    alliance = network.create_alliance(
        actor=leader,
        area=world.a.subdistrict,
        name="金色梧桐养老服务联盟",
        theme="elderly_care",
        founded_on=D(2025, 9, 1),
    )
    member = network.add_member(
        actor=leader, alliance=alliance, organization=net.social_a, role="lead", joined_on=D(2025, 9, 1)
    )
    with pytest.raises(Conflict):
        network.add_member(
            actor=leader, alliance=alliance, organization=net.social_a, joined_on=D(2025, 10, 1)
        )
    network.remove_member(actor=leader, member=member, left_on=D(2026, 1, 1))
    network.add_member(actor=leader, alliance=alliance, organization=net.social_a, joined_on=D(2026, 2, 1))
    assert alliance.members.count() == 2
    with pytest.raises(NotAllowed):
        network.create_alliance(
            actor=world.a.users["neighbourhood"],
            area=world.a.subdistrict,
            name="x",
            theme="other",
            founded_on=D(2026, 1, 1),
        )
