"""The leader's pages: creating a project, opening and closing rounds, the register and its
import (htmx and plain), withdrawing a signature; and the same writes through the API."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.open311 import services as tokens
from gongzhi.renewal.models import Project, ProjectState, Response
from gongzhi.renewal.tests.helpers import GOOD, project_with, xlsx

pytestmark = pytest.mark.django_db


def test_a_leader_creates_a_project_and_a_bad_field_is_shown(world, client):
    client.force_login(world.a.users["leader"])
    page = client.get(reverse("renewal:index")).content.decode()
    assert 'id="create-project"' in page and world.a.estate.code in page
    bad = client.post(reverse("renewal:new"), {"name": "", "kind": "old_area", "area": world.a.estate.pk})
    assert bad.status_code == 400 and "请填写项目名称" in bad.content.decode()
    partial = client.post(
        reverse("renewal:new"),
        {"name": "电梯", "kind": "lift", "area": world.a.estate.pk},
        HTTP_HX_REQUEST="true",
    )
    assert partial.status_code == 200 and "请选择一幢楼" in partial.content.decode()
    assert not Project.objects.exists()
    made = client.post(
        reverse("renewal:new"),
        {"name": "延庆路110弄旧改", "kind": "old_area", "area": world.a.estate.pk},
        HTTP_HX_REQUEST="true",
    )
    project = Project.objects.get()
    assert made.status_code == 204 and made["HX-Redirect"] == reverse("renewal:project", args=[project.pk])
    foreign = client.post(
        reverse("renewal:new"), {"name": "越权", "kind": "old_area", "area": world.b.estate.pk}
    )
    assert foreign.status_code == 400 and Project.objects.count() == 1


def test_a_grid_worker_is_offered_no_project_forms(world, client):
    project, _certs = project_with(world.a, 2)
    client.force_login(world.a.users["gridworker"])
    assert 'id="create-project"' not in client.get(reverse("renewal:index")).content.decode()
    assert 'id="manage"' not in client.get(reverse("renewal:project", args=[project.pk])).content.decode()
    client.post(
        reverse("renewal:manage", args=[project.pk]),
        {"what": "open_round", "number": 1, "opens_on": "2026-03-01", "closes_on": "2026-03-31"},
    )
    project.refresh_from_db()
    assert project.state == ProjectState.PREPARED and not project.rounds.exists()


def test_import_on_the_page_lists_bad_rows_then_imports_the_corrected_file(world, client, site):
    leader, _block, project = site
    client.force_login(leader)
    page = client.get(reverse("renewal:project", args=[project.pk])).content.decode()
    assert 'id="import-button"' in page and 'id="register"' in page
    template = client.get(reverse("renewal:template", args=[project.pk]))
    assert load_workbook(io.BytesIO(template.content)).sheetnames == ["权证", "说明"]
    bad = [GOOD[0], ["沪房地字0002号", "", "9号楼", "王芳", 1, 1, 1, "", ""]]
    upload = io.BytesIO(xlsx(bad))
    upload.name = "bad.xlsx"
    response = client.post(
        reverse("renewal:import", args=[project.pk]), {"file": upload}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="import-errors"' in body
    assert "第 3 行" in body and "楼栋" in body and "未导入任何数据" in body
    assert not project.certificates.exists()
    plain = io.BytesIO(xlsx(bad))
    plain.name = "bad.xlsx"
    assert client.post(reverse("renewal:import", args=[project.pk]), {"file": plain}).status_code == 400
    good = io.BytesIO(xlsx(GOOD))
    good.name = "good.xlsx"
    done = client.post(reverse("renewal:import", args=[project.pk]), {"file": good}, follow=True)
    assert "新增 3 证" in done.content.decode() and project.certificates.count() == 3
    again = io.BytesIO(xlsx(GOOD))
    again.name = "good.xlsx"
    done = client.post(reverse("renewal:import", args=[project.pk]), {"file": again}, follow=True)
    assert "新增 0 证，更新 0 证，未变 3 证" in done.content.decode()


def test_rounds_from_the_project_page_and_a_withdrawal_from_the_certificate_page(world, client):
    project, certs = project_with(world.a, 2, kind="retrofit")
    client.force_login(world.a.users["leader"])
    today = timezone.localdate()
    url = reverse("renewal:manage", args=[project.pk])
    page = client.get(reverse("renewal:project", args=[project.pk])).content.decode()
    assert 'id="open-round-1"' in page and 'id="open-round-2"' in page
    early = client.post(
        url,
        {"what": "open_round", "number": 2, "opens_on": today.isoformat(), "closes_on": "2000-01-01"},
        follow=True,
    )
    assert "截止日期不能早于开始日期" in early.content.decode() and not project.rounds.exists()
    client.post(
        url,
        {
            "what": "open_round",
            "number": 2,
            "opens_on": (today - dt.timedelta(days=1)).isoformat(),
            "closes_on": (today + dt.timedelta(days=30)).isoformat(),
            "threshold": "100",
        },
    )
    round_ = project.rounds.get()
    assert (round_.threshold, round_.strict) == (100, False)
    client.post(reverse("renewal:record", args=[certs[0].pk]), {"what": "signed"})
    page = client.get(reverse("renewal:certificate", args=[certs[0].pk])).content.decode()
    assert 'id="withdraw"' in page
    refused = client.post(reverse("renewal:record", args=[certs[0].pk]), {"what": "withdraw"}, follow=True)
    assert "请填写撤回原因" in refused.content.decode()
    client.post(reverse("renewal:record", args=[certs[0].pk]), {"what": "withdraw", "reason": "误录"})
    assert not Response.objects.exists()
    closing = client.post(url, {"what": "close_round"}, follow=True)
    assert "须到截止日期后" in closing.content.decode()


def test_api_writes_use_the_services_and_answer_in_one_error_shape(world, client, site):
    leader, block, _project = site
    _t, secret = tokens.issue_token(user=leader, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    r = client.post(
        "/api/renewal/projects",
        {"area_id": world.a.estate.pk, "name": "API旧改", "kind": "old_area"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    r = client.post(
        f"/api/renewal/projects/{pk}/certificates",
        {"area_id": block.pk, "number": "API0001号", "holders": "某甲", "floor": 3},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201
    cert_id = r.json()["id"]
    r = client.post(
        f"/api/renewal/projects/{pk}/certificates/import",
        {"file": _upload(xlsx([GOOD[0], ["", "", "", "", 1]]))},
        **auth,
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_rows"
    assert set(r.json()) == {"code", "message", "details"}
    assert {"row": 3, "column": "证号", "message": "证号不能为空。"} in r.json()["details"]["errors"]
    r = client.post(f"/api/renewal/projects/{pk}/certificates/import", {"file": _upload(xlsx(GOOD))}, **auth)
    assert r.json() == {"created": 3, "updated": 0, "unchanged": 0}
    r = client.post(f"/api/renewal/projects/{pk}/certificates/import", {"file": _upload(xlsx(GOOD))}, **auth)
    assert r.json() == {"created": 0, "updated": 0, "unchanged": 3}
    today = timezone.localdate()
    r = client.post(
        f"/api/renewal/projects/{pk}/rounds",
        {
            "number": 1,
            "opens_on": str(today - dt.timedelta(days=1)),
            "closes_on": str(today + dt.timedelta(days=9)),
        },
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and (Decimal(r.json()["threshold"]), r.json()["strict"]) == (90, True)
    assert client.delete(f"/api/renewal/certificates/{cert_id}", **auth).json()["code"] == "register_locked"
    r = client.post(
        f"/api/renewal/certificates/{cert_id}/responses",
        {"answer": "agree"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and r.json()["state"] == "agreed"
    r = client.post(
        f"/api/renewal/certificates/{cert_id}/responses/withdraw",
        {"reason": "误录"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200 and r.json()["state"] == "unvisited"
    r = client.post(f"/api/renewal/projects/{pk}/rounds/close", {}, content_type="application/json", **auth)
    assert r.status_code == 400 and "截止日期" in r.json()["message"]
    r = client.post(f"/api/renewal/projects/{pk}/clear", {}, content_type="application/json", **auth)
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    _t, grid = tokens.issue_token(user=world.a.users["gridworker"], name="t")
    r = client.post(
        "/api/renewal/projects",
        {"area_id": world.a.estate.pk, "name": "越权", "kind": "old_area"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {grid}",
    )
    assert r.status_code == 404 and Project.objects.filter(name="越权").count() == 0


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("households.xlsx", data, content_type="application/octet-stream")
