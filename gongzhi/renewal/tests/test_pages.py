"""Renewal pages and API: the figure moves with a signature, the bulletin is a real .docx, and
the project page makes the same number of queries for 2 and 20 certificates."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from gongzhi.open311 import services as tokens
from gongzhi.renewal import services
from gongzhi.renewal.models import Response
from gongzhi.renewal.tests.helpers import project_with

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _signing(world, n):
    project, certs = project_with(world.a, n)
    today = timezone.localdate()
    services.open_round(
        actor=world.a.users["leader"],
        project=project,
        number=2,
        opens_on=today - dt.timedelta(days=2),
        closes_on=today + dt.timedelta(days=30),
    )
    return project, certs


def test_project_page_query_count_does_not_grow(world, client):
    client.force_login(world.a.users["leader"])
    small, certs = _signing(world, 2)
    services.add_obstacle(actor=world.a.users["leader"], certificate=certs[0], kind="family")
    _queries(client, reverse("renewal:project", args=[small.pk]))
    few = _queries(client, reverse("renewal:project", args=[small.pk]))
    big, certs = _signing(world, 20)
    for c in certs[:5]:
        services.add_obstacle(actor=world.a.users["leader"], certificate=c, kind="family")
    assert _queries(client, reverse("renewal:project", args=[big.pk])) == few


def test_signing_on_the_certificate_page_moves_the_figure(world, client):
    project, certs = _signing(world, 4)
    client.force_login(world.a.users["gridworker"])
    page = client.get(reverse("renewal:project", args=[project.pk])).content.decode()
    assert "0.00%" in page and "尚差 4 证" in page
    response = client.post(reverse("renewal:record", args=[certs[0].pk]), {"what": "signed"}, follow=True)
    assert "25.00%" in response.content.decode() and "已签约" in response.content.decode()
    again = client.post(reverse("renewal:record", args=[certs[0].pk]), {"what": "signed"}, follow=True)
    notices = [m for m in again.content.decode().split('class="notice')[1:]]
    assert any("已有记录" in n for n in notices), notices
    early = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    refused = client.post(
        reverse("renewal:record", args=[certs[1].pk]), {"what": "signed", "on": early}, follow=True
    )
    assert "才开始" in refused.content.decode()
    assert Response.objects.count() == 1
    doc = client.get(reverse("renewal:bulletin", args=[project.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "签约日报" in text and "已完成 1 证" in text


def test_api_figure_and_signature(world, client):
    project, certs = _signing(world, 4)
    _t, secret = tokens.issue_token(user=world.a.users["neighbourhood"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    r = client.post(
        f"/api/renewal/certificates/{certs[0].pk}/responses",
        {"answer": "signed"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 201 and r.json()["state"] == "signed"
    r = client.post(
        f"/api/renewal/certificates/{certs[0].pk}/responses",
        {"answer": "signed"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 409
    figure = client.get(f"/api/renewal/projects/{project.pk}", **headers).json()["figure"]
    assert (figure["done"], figure["eligible"], figure["percent"], figure["gap"]) == (1, 4, "25.00%", 3)
    _t, b_secret = tokens.issue_token(user=world.b.users["leader"], name="t")
    assert client.get("/api/renewal/projects", HTTP_AUTHORIZATION=f"Bearer {b_secret}").json() == []
