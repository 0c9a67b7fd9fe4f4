"""The REST API (scoped, the same services), the alert pages, the cockpit's data."""

import datetime as dt

import pytest
from django.urls import reverse

from gongzhi.cases.models import Rating
from gongzhi.insight import index, reports, supervision
from gongzhi.insight.cockpit import cockpit_data
from gongzhi.insight.models import Alert, AlertStatus
from gongzhi.insight.tests.helpers import MONDAY, at, closed_case, report
from gongzhi.open311 import services as token_services

pytestmark = pytest.mark.django_db
NOW = at(dt.date(2026, 6, 20), 12)


def token_for(user):
    _token, secret = token_services.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def loaded(world):
    closed_case(world, now=at(MONDAY, 9), rating=Rating.UNSATISFIED, solved=False, step=dt.timedelta(hours=5))
    report(world, now=at(MONDAY, 10), lat=31.2005, lng=121.4005, area=None)
    reports.generate_report(grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=3), 18))
    index.compute_month(world.a.subdistrict, MONDAY, now=NOW)
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW)
    return world


def test_api_lists_are_scoped(loaded, client):
    a_auditor, b_auditor = token_for(loaded.a.users["auditor"]), token_for(loaded.b.users["auditor"])
    for path in ("/api/insight/reports", "/api/insight/index", "/api/insight/alerts"):
        mine = client.get(path, **a_auditor)
        theirs = client.get(path, **b_auditor)
        assert mine.status_code == 200 and len(mine.json()) >= 1, path
        assert theirs.status_code == 200 and theirs.json() == [], path
    handler = client.get("/api/insight/alerts", **token_for(loaded.a.users["handler"]))
    assert handler.json() == []


def test_api_review_goes_through_the_service(loaded, client):
    auditor = token_for(loaded.a.users["auditor"])
    alert = Alert.objects.filter(rule="reopened").first()
    url = f"/api/insight/alerts/{alert.pk}/review"
    bad = client.post(url, {"action": "confirm", "reason": ""}, content_type="application/json", **auditor)
    assert bad.status_code == 400 and "研判意见" in bad.json()["message"]
    ok = client.post(
        url, {"action": "confirm", "reason": "确认多次不满意"}, content_type="application/json", **auditor
    )
    assert ok.status_code == 200 and ok.json()["status"] == AlertStatus.CONFIRMED
    again = client.post(
        url, {"action": "dismiss", "reason": "改为排除"}, content_type="application/json", **auditor
    )
    assert again.status_code == 409
    leader = client.post(
        url,
        {"action": "reopen", "reason": "重新看看"},
        content_type="application/json",
        **token_for(loaded.a.users["leader"]),
    )
    assert leader.status_code == 403
    figures = client.get("/api/insight/alerts/figures", **auditor).json()
    assert {r["code"] for r in figures} >= {"reopened", "repeat_address"}


def test_api_report_detail_and_export(loaded, client):
    leader = token_for(loaded.a.users["leader"])
    listed = client.get(f"/api/insight/reports?week={MONDAY + dt.timedelta(days=2)}", **leader).json()
    detail = client.get(f"/api/insight/reports/{listed[0]['id']}", **leader).json()
    assert detail["sections"][0]["key"] == "cases"
    export = client.get(f"/api/insight/reports/{listed[0]['id']}/export/xlsx", **leader)
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert (
        client.get(
            f"/api/insight/reports/{listed[0]['id']}", **token_for(loaded.b.users["leader"])
        ).status_code
        == 404
    )


def test_openapi_has_unique_insight_schemas(world, client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/insight/alerts/{pk}/review" in schema["paths"]
    assert {"InsightAlertOut", "InsightReportDetailOut", "InsightIndexOut"} <= set(
        schema["components"]["schemas"]
    )


@pytest.mark.parametrize(
    "role", ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]
)
def test_alert_and_cockpit_pages_by_role(loaded, client, role):
    client.force_login(loaded.a.users[role])
    alert = Alert.objects.first()
    sees_alerts = role in {"auditor", "leader"}
    assert client.get(reverse("insight:alerts")).status_code == (200 if sees_alerts else 403)
    assert client.get(reverse("insight:alert", args=[alert.pk])).status_code == (200 if sees_alerts else 404)
    cockpit = role in {"auditor", "leader", "dispatcher"}
    assert client.get(reverse("insight:cockpit")).status_code == (200 if cockpit else 403)
    assert client.get(reverse("insight:cockpit_data")).status_code == (200 if cockpit else 403)


def test_auditor_reviews_in_the_page_with_a_reason(loaded, client):
    client.force_login(loaded.a.users["auditor"])
    alert = Alert.objects.filter(rule="reopened").first()
    url = reverse("insight:alert", args=[alert.pk])
    assert "确认问题" in client.get(url).content.decode()
    page = client.post(url, {"action": "dismiss", "reason": ""}, follow=True).content.decode()
    assert "请写明研判意见" in page
    client.post(url, {"action": "dismiss", "reason": "居民误评，已回访"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED
    assert "居民误评，已回访" in client.get(url).content.decode()


def test_cockpit_data_has_every_panel(loaded):
    data = cockpit_data(loaded.a.users["leader"], loaded.a.subdistrict)
    assert set(data) >= {"rates", "targets", "tiers", "map", "hot", "index", "alerts", "links"}
    assert set(data["rates"]) == {"today", "week", "month"}
    assert data["map"]["points"] and data["index"]["rows"] and data["alerts"]["open"] >= 1
    assert cockpit_data(loaded.a.users["dispatcher"], loaded.a.subdistrict)["alerts"] is None
    assert cockpit_data(loaded.b.users["leader"], loaded.b.subdistrict)["map"]["points"] == []


def test_cockpit_data_query_count_does_not_grow_with_cases(loaded):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    leader = loaded.a.users["leader"]
    cockpit_data(leader, loaded.a.subdistrict)  # the user's roles are loaded once, then cached
    with CaptureQueriesContext(connection) as few:
        cockpit_data(leader, loaded.a.subdistrict)
    for i in range(20):
        report(loaded, now=at(MONDAY, 11), lat=31.2005 + i * 1e-4, lng=121.4005, area=None)
    with CaptureQueriesContext(connection) as many:
        cockpit_data(leader, loaded.a.subdistrict)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_index_pages(loaded, client):
    client.force_login(loaded.a.users["neighbourhood"])
    page = client.get(reverse("insight:index") + f"?month={MONDAY}")
    assert page.status_code == 200 and "A一居" in page.content.decode()
    row = loaded.a.neighbourhood
    from gongzhi.insight.models import InteractionIndex

    pk = InteractionIndex.objects.get(area=row, month=MONDAY).pk
    assert client.get(reverse("insight:index_detail", args=[pk])).status_code == 200
    other = InteractionIndex.objects.get(area=loaded.a.other_neighbourhood, month=MONDAY).pk
    assert client.get(reverse("insight:index_detail", args=[other])).status_code == 403
    client.force_login(loaded.a.users["handler"])
    assert client.get(reverse("insight:index")).status_code == 403
