"""Editing a project after it is set up: its name and area (every certificate must stay inside),
an open round's dates (not past its first or last answer, not into the past), and the plan
import (一户一策, 难点) from the households' sheet: all rows checked, nothing written on a bad one."""

import datetime as dt

import pytest
import time_machine

from gongzhi.accounts.models import AuditEvent
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.renewal import editing, services, sheets
from gongzhi.renewal.models import Obstacle, Round
from gongzhi.renewal.tests.helpers import FULL_HEADER, GOOD, open_signing, project_with, xlsx
from gongzhi.territory.services import create_area

pytestmark = pytest.mark.django_db

D = dt.date
NOW = time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=dt.UTC), tick=False)


def test_rename_and_narrow_a_project_to_the_building_that_holds_its_certificates(world):
    project, certificates = project_with(world.a, 3)
    leader = world.a.users["leader"]
    block = certificates[0].area
    project = editing.update_project(actor=leader, project=project, name="  延庆路110弄  旧改 ", area=block)
    project.refresh_from_db()
    assert project.name == "延庆路110弄 旧改" and project.area == block
    row = AuditEvent.objects.get(action="renewal.update")
    assert row.data["before"]["area"] == world.a.estate.pk and row.data["after"]["area"] == block.pk


def test_an_area_that_leaves_a_certificate_outside_is_refused(world):
    project, _certificates = project_with(world.a, 3)
    leader = world.a.users["leader"]
    other = create_area(
        code=f"{world.a.estate.code}-B9", name="9号楼", kind="building", parent=world.a.estate
    )
    with pytest.raises(DomainError, match="有 3 证（如 沪房地徐字0001号）不在“9号楼”范围内"):
        editing.update_project(actor=leader, project=project, name="新名称", area=other)
    project.refresh_from_db()
    assert project.name == "延庆路110弄旧改" and project.area == world.a.estate
    with pytest.raises(DomainError, match="请填写项目名称"):
        editing.update_project(actor=leader, project=project, name="  ")
    with pytest.raises(NotAllowed):
        editing.update_project(actor=world.b.users["leader"], project=project, name="x")
    with pytest.raises(NotAllowed):
        editing.update_project(actor=world.a.users["gridworker"], project=project, name="x")
    with pytest.raises(DomainError, match="本街道"):  # an area of another subdistrict
        editing.update_project(actor=leader, project=project, name="x", area=world.b.estate)
    assert not AuditEvent.objects.filter(action="renewal.update").exists()


@NOW
def test_an_open_rounds_dates_move_within_its_answers(world):
    project, certificates = project_with(world.a, 4)
    leader = open_signing(world.a, project, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31))
    for certificate, day in zip(certificates[:2], (D(2026, 3, 5), D(2026, 3, 18)), strict=True):
        services.respond(actor=leader, certificate=certificate, answer="agree", on=day)
    round_ = editing.update_round(
        actor=leader, project=project, number=1, opens_on=D(2026, 3, 3), closes_on=D(2026, 4, 15)
    )
    assert (round_.opens_on, round_.closes_on) == (D(2026, 3, 3), D(2026, 4, 15))
    row = AuditEvent.objects.get(action="renewal.update_round")
    assert row.data["before"] == {"opens_on": "2026-03-01", "closes_on": "2026-03-31"}
    for opens_on, closes_on, message in (
        (D(2026, 3, 6), D(2026, 4, 15), "开始日期不能晚于该日"),
        (D(2026, 3, 1), D(2026, 3, 17), "截止日期不能早于该日"),
        (D(2026, 3, 1), D(2026, 2, 27), "截止日期不能早于开始日期"),
    ):
        with pytest.raises(DomainError, match=message):
            editing.update_round(
                actor=leader, project=project, number=1, opens_on=opens_on, closes_on=closes_on
            )
    round_.refresh_from_db()
    assert (round_.opens_on, round_.closes_on) == (D(2026, 3, 3), D(2026, 4, 15))
    assert AuditEvent.objects.filter(action="renewal.update_round").count() == 1


@NOW
def test_a_round_cannot_end_in_the_past_nor_change_once_closed_nor_before_it_opens(world):
    project, certificates = project_with(world.a, 2)
    leader = world.a.users["leader"]
    with pytest.raises(DomainError, match="尚未开启"):
        editing.update_round(
            actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 4, 1)
        )
    open_signing(world.a, project, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31))
    with pytest.raises(DomainError, match="不能早于今天"):
        editing.update_round(
            actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 19)
        )
    for certificate in certificates:
        services.respond(actor=leader, certificate=certificate, answer="agree", on=D(2026, 3, 10))
    services.close_round(actor=leader, project=project, on=D(2026, 3, 20))
    with pytest.raises(DomainError, match="已于 2026-03-20 结束"):
        editing.update_round(
            actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 5, 1)
        )
    services.open_round(
        actor=leader, project=project, number=2, opens_on=D(2026, 3, 20), closes_on=D(2026, 6, 30)
    )
    with pytest.raises(DomainError, match="不能早于第一轮征询结束日期"):
        editing.update_round(
            actor=leader, project=project, number=2, opens_on=D(2026, 3, 19), closes_on=D(2026, 6, 30)
        )
    assert Round.objects.get(project=project, number=2).opens_on == D(2026, 3, 20)


PLANS = [
    [
        "沪房地字0001号",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "长子在外地，约周末三方面谈",
        "继承未析产：兄妹三人未办继承公证；补偿估价分歧",
    ],
    ["公房承租凭证0002号", "", "", "", "", "", "", "", "", "", "独居老人"],
]


def test_the_plan_import_writes_plans_and_obstacles_after_the_register_locks(world, site):
    leader, _block, project = site
    services.import_certificates(actor=leader, project=project, data=xlsx(GOOD))
    services.open_round(
        actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31)
    )
    data = xlsx(PLANS, header=FULL_HEADER)
    result = editing.import_plans(actor=leader, project=project, data=data)
    assert (result.plans, result.obstacles, result.unchanged) == (1, 3, 0)
    first = project.certificates.get(number="沪房地字0001号")
    assert first.plan == "长子在外地，约周末三方面谈"
    assert sorted(first.obstacles.values_list("kind", "note")) == [
        ("inheritance", "兄妹三人未办继承公证"),
        ("valuation", ""),
    ]
    again = editing.import_plans(actor=leader, project=project, data=data)
    assert (again.plans, again.obstacles, again.unchanged) == (0, 0, 2)
    assert Obstacle.objects.count() == 3
    # a resolved obstacle of the same kind is history: the sheet raises a new one
    elderly = Obstacle.objects.get(kind="elderly")
    services.resolve_obstacle(actor=leader, obstacle=elderly, resolution="女儿接回同住", on=D(2026, 3, 10))
    assert editing.import_plans(actor=leader, project=project, data=data).obstacles == 1
    assert Obstacle.objects.filter(kind="elderly").count() == 2
    assert AuditEvent.objects.filter(action="renewal.import_plans").count() == 3


def test_a_bad_plan_row_writes_nothing_and_every_error_is_listed(world, site):
    leader, _block, project = site
    services.import_certificates(actor=leader, project=project, data=xlsx(GOOD))
    rows = [
        PLANS[0],
        ["沪房地字9999号", "", "", "", "", "", "", "", "", "方案", ""],
        ["公房承租凭证0002号", "", "", "", "", "", "", "", "", "x" * 2001, "风水问题"],
        ["沪房地字0001号", "", "", "", "", "", "", "", "", "", "家庭矛盾；家庭矛盾"],
    ]
    with pytest.raises(sheets.RowsRejected) as refused:
        editing.import_plans(actor=leader, project=project, data=xlsx(rows, header=FULL_HEADER))
    found = [(e.row, e.column) for e in refused.value.errors]
    assert found == [(3, "证号"), (4, "一户一策"), (4, "难点"), (5, "证号"), (5, "难点")]
    messages = " ".join(e.message for e in refused.value.errors)
    assert "不在本项目的权证名册中" in messages and "“风水问题”不是可选的难点" in messages
    assert "与第 2 行的证号重复" in messages and "重复填写" in messages
    assert not Obstacle.objects.exists() and not project.certificates.exclude(plan="").exists()
    assert not AuditEvent.objects.filter(action="renewal.import_plans").exists()
    with pytest.raises(sheets.RowsRejected, match="1 处"):  # a sheet without the plan columns
        editing.import_plans(actor=leader, project=project, data=xlsx(GOOD))
    with pytest.raises(NotAllowed):
        editing.import_plans(
            actor=world.a.users["gridworker"], project=project, data=xlsx(PLANS, header=FULL_HEADER)
        )


def test_the_register_import_takes_plans_and_obstacles_too(world, site):
    leader, _block, project = site
    rows = [row[:] + ["", ""] for row in GOOD]
    rows[0][9:] = ["先做通长子工作", "家庭矛盾：兄弟对安置方式意见不一"]
    result = services.import_certificates(actor=leader, project=project, data=xlsx(rows, header=FULL_HEADER))
    assert result.created == 3
    first = project.certificates.get(number="沪房地字0001号")
    assert first.plan == "先做通长子工作" and first.obstacles.get().kind == "family"
    again = services.import_certificates(actor=leader, project=project, data=xlsx(rows, header=FULL_HEADER))
    assert (again.updated, again.unchanged) == (0, 3)
    rows[1][9] = "承租人同意，待家属签字"
    assert (
        services.import_certificates(
            actor=leader, project=project, data=xlsx(rows, header=FULL_HEADER)
        ).updated
        == 1
    )
    rows[2][10] = "其它问题"
    with pytest.raises(sheets.RowsRejected, match="1 处"):
        services.import_certificates(actor=leader, project=project, data=xlsx(rows, header=FULL_HEADER))
    assert Obstacle.objects.count() == 1


@NOW
def test_edits_through_the_project_page_and_the_api(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from gongzhi.open311 import services as tokens

    project, certificates = project_with(world.a, 2)
    leader = open_signing(world.a, project, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31))
    services.respond(actor=leader, certificate=certificates[0], answer="agree", on=D(2026, 3, 12))
    client.force_login(leader)
    page = client.get(reverse("renewal:project", args=[project.pk])).content.decode()
    assert 'id="edit-round"' in page and 'id="edit-project"' in page and 'id="import-plans"' in page
    url = reverse("renewal:manage", args=[project.pk])
    refused = client.post(
        url,
        {"what": "edit_round", "number": 1, "opens_on": "2026-03-13", "closes_on": "2026-04-30"},
        follow=True,
    )
    assert "开始日期不能晚于该日" in refused.content.decode()
    client.post(url, {"what": "edit_round", "number": 1, "opens_on": "2026-03-01", "closes_on": "2026-04-30"})
    assert project.rounds.get().closes_on == D(2026, 4, 30)
    client.post(url, {"what": "edit_project", "name": "延庆路110弄旧区改造", "area": project.area_id})
    project.refresh_from_db()
    assert project.name == "延庆路110弄旧区改造"
    rows = [[certificates[1].number, *[""] * 8, "约子女周末面谈", "联系不上"], ["无此证", *[""] * 9, "其他"]]
    upload = SimpleUploadedFile("plans.xlsx", xlsx(rows, header=FULL_HEADER))
    response = client.post(reverse("renewal:import", args=[project.pk]), {"what": "plans", "file": upload})
    assert response.status_code == 400 and "不在本项目的权证名册中" in response.content.decode()
    assert not Obstacle.objects.exists()
    upload = SimpleUploadedFile("plans.xlsx", xlsx(rows[:1], header=FULL_HEADER))
    done = client.post(
        reverse("renewal:import", args=[project.pk]), {"what": "plans", "file": upload}, follow=True
    )
    assert "一户一策 1 证，难点 1 项" in done.content.decode()
    _t, secret = tokens.issue_token(user=leader, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/json"}
    r = client.patch(
        f"/api/renewal/projects/{project.pk}/rounds/1",
        {"opens_on": "2026-03-01", "closes_on": "2026-03-11"},
        **auth,
    )
    assert r.status_code == 400 and "截止日期不能早于该日" in r.json()["message"]
    r = client.patch(
        f"/api/renewal/projects/{project.pk}/rounds/2",
        {"opens_on": "2026-04-01", "closes_on": "2026-05-11"},
        **auth,
    )
    assert r.status_code == 400 and "尚未开启" in r.json()["message"]
    r = client.patch(
        f"/api/renewal/projects/{project.pk}/rounds/1",
        {"opens_on": "2026-03-01", "closes_on": "2026-05-15"},
        **auth,
    )
    assert r.status_code == 200 and r.json()["closes_on"] == "2026-05-15"
    r = client.patch(f"/api/renewal/projects/{project.pk}", {"name": "", "area_id": project.area_id}, **auth)
    assert r.status_code == 400 and r.json()["code"]
    r = client.patch(
        f"/api/renewal/projects/{project.pk}", {"name": "延庆路110弄", "area_id": world.b.estate.pk}, **auth
    )
    assert r.status_code == 400 and "管辖范围" in r.json()["message"]
    r = client.patch(f"/api/renewal/projects/{project.pk}", {"name": "延庆路110弄"}, **auth)
    assert r.status_code == 200 and r.json()["name"] == "延庆路110弄"
    file = SimpleUploadedFile("plans.xlsx", xlsx(rows[:1], header=FULL_HEADER))
    r = client.post(
        f"/api/renewal/projects/{project.pk}/plans/import",
        {"file": file},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert r.status_code == 200 and r.json() == {"plans": 0, "obstacles": 0, "unchanged": 1}
