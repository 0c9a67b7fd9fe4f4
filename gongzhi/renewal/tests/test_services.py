"""Rounds, answers and signatures; the threshold crossing; bad input changes nothing."""

import datetime as dt

import pytest
import time_machine

from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.renewal import selectors, services
from gongzhi.renewal.models import CertificateState, ProjectState, Response
from gongzhi.renewal.tests.helpers import project_with

pytestmark = pytest.mark.django_db

D = dt.date


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_two_rounds_to_effect_with_the_threshold_crossing(world):
    leader, cadre = world.a.users["leader"], world.a.users["gridworker"]
    project, certs = project_with(world.a, 20)
    round1 = services.open_round(
        actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31)
    )
    assert (round1.threshold, round1.strict) == (90, True)  # round one: more than 90%
    for c in certs[:18]:
        services.respond(actor=cadre, certificate=c, answer="agree", on=D(2026, 3, 2))
    services.respond(actor=cadre, certificate=certs[18], answer="disagree", on=D(2026, 3, 2))
    round1.refresh_from_db()
    assert round1.reached_on is None  # 18/20 = 90% is not more than 90%
    with pytest.raises(DomainError):
        services.close_round(actor=leader, project=project, on=D(2026, 3, 10))
    services.respond(actor=cadre, certificate=certs[19], answer="agree", on=D(2026, 3, 3))
    round1.refresh_from_db()
    assert round1.reached_on == D(2026, 3, 3)
    services.close_round(actor=leader, project=project, on=D(2026, 3, 4))
    project.refresh_from_db()
    assert project.state == ProjectState.ROUND1_PASSED

    round2 = services.open_round(
        actor=leader, project=project, number=2, opens_on=D(2026, 5, 1), closes_on=D(2026, 5, 31)
    )
    assert (round2.threshold, round2.strict) == (85, False)
    with pytest.raises(DomainError, match="才开始"):
        services.respond(actor=cadre, certificate=certs[0], answer="signed", on=D(2026, 4, 30))
    assert not Response.objects.filter(round=round2).exists()
    for i, c in enumerate(certs[:17]):
        services.respond(actor=cadre, certificate=c, answer="signed", on=D(2026, 5, 1 + i // 10))
    figure = services.figure_of(round2)
    assert (figure.done, figure.eligible, figure.percent, figure.gap, figure.first_day) == (
        17,
        20,
        "85.00%",
        0,
        10,
    )
    assert figure.curve == [(D(2026, 5, 1), 10), (D(2026, 5, 2), 17)]
    round2.refresh_from_db()
    assert round2.reached_on == D(2026, 5, 2)
    services.close_round(actor=leader, project=project, on=D(2026, 5, 3))
    project.refresh_from_db()
    assert project.state == ProjectState.EFFECTIVE
    services.move_out(actor=cadre, certificate=certs[0], on=D(2026, 6, 1))
    certs[0].refresh_from_db()
    assert certs[0].state == CertificateState.MOVED
    with pytest.raises(DomainError):
        services.move_out(actor=cadre, certificate=certs[19], on=D(2026, 6, 1))  # agreed, not signed


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_signature_refused_before_signing_opens_and_outside_scope(world):
    project, certs = project_with(world.a, 3)
    cadre = world.a.users["gridworker"]
    with pytest.raises(DomainError, match="签约轮尚未开启"):
        services.respond(actor=cadre, certificate=certs[0], answer="signed", on=D(2026, 3, 2))
    with pytest.raises(NotAllowed):
        services.record_contact(actor=world.b.users["gridworker"], certificate=certs[0], note="上门")
    with pytest.raises(NotAllowed):
        services.record_contact(actor=world.a.users["auditor"], certificate=certs[0], note="上门")
    with pytest.raises(DomainError):
        services.record_contact(actor=cadre, certificate=certs[0], note="  ")
    certs[0].refresh_from_db()
    assert certs[0].state == CertificateState.UNVISITED
    services.record_contact(actor=cadre, certificate=certs[0], note="老人独居，子女在外地", on=D(2026, 3, 1))
    certs[0].refresh_from_db()
    assert certs[0].state == CertificateState.VISITED


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_obstacles_and_holdout_lists(world):
    leader, cadre = world.a.users["leader"], world.a.users["gridworker"]
    project, certs = project_with(world.a, 4)
    services.set_plan(actor=leader, certificate=certs[0], plan="联系在外地的子女，约周末协商", cadre=cadre)
    obstacle = services.add_obstacle(
        actor=cadre, certificate=certs[0], kind="inheritance", note="三兄妹未析产"
    )
    services.add_obstacle(actor=cadre, certificate=certs[1], kind="valuation")
    assert dict(selectors.holdouts_by_obstacle(leader, project)) == {"继承未析产": 1, "补偿估价分歧": 1}
    services.resolve_obstacle(actor=cadre, obstacle=obstacle, resolution="", mediation_ref="TJ-2026-0012")
    assert dict(selectors.holdouts_by_obstacle(leader, project)) == {"补偿估价分歧": 1}
    with pytest.raises(DomainError):
        services.resolve_obstacle(actor=cadre, obstacle=obstacle, resolution="again")
    assert selectors.holdouts_by_cadre(leader, project)[0][1:] == (3, 3)
    grid = selectors.by_building(leader, project)
    assert grid[0]["total"] == 4 and grid[0]["signed"] == 0
    with pytest.raises(DomainError):
        services.open_round(
            actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 2, 1)
        )
    with pytest.raises(DomainError):
        services.open_round(
            actor=leader,
            project=project,
            number=1,
            opens_on=D(2026, 3, 1),
            closes_on=D(2026, 4, 1),
            threshold="101",
        )
    project.refresh_from_db()
    assert project.state == ProjectState.PREPARED and not project.rounds.exists()


def test_scope_matrix(world):
    project, certs = project_with(world.a, 1)
    readers = {"auditor", "leader", "neighbourhood", "gridworker"}
    from gongzhi.core.rules import has

    for side_name, side in (("a", world.a), ("b", world.b)):
        for code, user in side.users.items():
            expected = side_name == "a" and code in readers
            assert (project in selectors.projects_for(user)) == expected == has(user, "renewal.view", project)
            assert has(user, "renewal.record", certs[0]) == (
                side_name == "a" and code in {"leader", "neighbourhood", "gridworker"}
            )
            assert has(user, "renewal.manage", project) == (side_name == "a" and code == "leader")


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_lift_consent_by_the_double_majority_of_the_building(world):
    from decimal import Decimal

    from gongzhi.registry.models import Dwelling
    from gongzhi.territory.services import create_area

    leader = world.a.users["leader"]
    block = create_area(code="A-E1-B9", name="9号楼", kind="building", parent=world.a.estate)
    for i, area in enumerate(["50", "50", "50", "150"], start=1):
        Dwelling.objects.create(
            subdistrict_id=block.subdistrict_id,
            area=block,
            room=f"{i}01室",
            address=f"9号楼{i}01室",
            floor_area=Decimal(area),
            owner_name=f"业主{i}",
        )
    project = services.create_project(actor=leader, area=block, name="9号楼加装电梯", kind="lift")
    assert services.certificates_from_dwellings(actor=leader, project=project) == 4
    services.open_round(
        actor=leader, project=project, number=2, opens_on=D(2026, 7, 1), closes_on=D(2026, 8, 1)
    )
    certs = list(project.certificates.order_by("number"))
    assert [c.floor for c in certs] == [1, 2, 3, 4]
    for c in certs[1:]:  # floors 2–4 sign: 3 of 4 households (75%), 250 of 300 ㎡
        services.respond(actor=leader, certificate=c, answer="signed", on=D(2026, 7, 2))
    figure = services.figure_of(project.rounds.get())
    assert figure.reached  # 75% of households
    tally = selectors.lift_tally(project)
    assert tally.valid and tally.passed  # 3/4 heads and 250/300 ㎡ take part and agree
