"""/api/registry/ and /api/visits/: scoped, masked, a clear value only through reveal (logged)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.models import AccessLog
from gongzhi.accounts.tokens import issue_token
from gongzhi.registry import services
from gongzhi.registry.tests.conftest import person_id
from gongzhi.visits import services as visit_services


def bearer(user):
    _token, secret = issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_residents_are_scoped_and_masked(client, reg):
    rows = client.get("/api/registry/residents", **bearer(reg.world.a.users["neighbourhood"])).json()
    assert [r["name"] for r in rows] == ["王秀英"]
    assert rows[0]["phone"] == "139****1111" and "*" in rows[0]["id_number"]
    other = client.get("/api/registry/residents", **bearer(reg.world.b.users["neighbourhood"])).json()
    assert [r["name"] for r in other] == ["李建国"]
    assert client.get("/api/registry/residents", **bearer(reg.world.a.users["handler"])).json() == []


def test_reveal_needs_the_permission_and_a_reason_and_is_logged(client, reg):
    url = f"/api/registry/residents/{reg.resident_a.pk}/reveal"
    committee = bearer(reg.world.a.users["neighbourhood"])
    ok = client.post(
        url, {"field": "phone", "reason": "走访核实"}, content_type="application/json", **committee
    )
    assert ok.status_code == 200 and ok.json()["value"] == "13900001111"
    assert AccessLog.objects.filter(action="reveal:phone", object_id=str(reg.resident_a.pk)).count() == 1
    short = client.post(url, {"field": "phone", "reason": "x"}, content_type="application/json", **committee)
    assert short.status_code == 422
    dispatcher = bearer(reg.world.a.users["dispatcher"])
    refused = client.post(
        url, {"field": "phone", "reason": "走访核实"}, content_type="application/json", **dispatcher
    )
    assert refused.status_code == 403
    outside = bearer(reg.world.b.users["neighbourhood"])
    hidden = client.post(
        url, {"field": "phone", "reason": "走访核实"}, content_type="application/json", **outside
    )
    assert hidden.status_code == 404
    assert AccessLog.objects.filter(action__startswith="reveal:").count() == 1


def test_resident_pages_make_a_fixed_number_of_queries(client, reg):
    headers = bearer(reg.world.a.users["neighbourhood"])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/registry/residents", **headers).status_code == 200
        return len(captured)

    count()
    few = count()
    for n in range(15):
        services.register_resident(
            actor=None, dwelling=reg.dwelling_a, data={"name": f"居民{n}", "id_number": person_id(50 + n)}
        )
    assert count() == few
    first = client.get("/api/registry/residents", {"limit": 5}, **headers).json()
    second = client.get("/api/registry/residents", {"limit": 5, "after": first[-1]["id"]}, **headers).json()
    assert len(first) == 5 and second[0]["id"] > first[-1]["id"]


def test_visits_and_coverage_through_the_api(client, reg):
    leader = reg.world.a.users["leader"]
    on = dt.date(2026, 11, 20)
    campaign = visit_services.create_campaign(
        actor=leader,
        area=reg.world.a.subdistrict,
        name="四百走访",
        starts_on=on - dt.timedelta(days=5),
        ends_on=on,
    )
    visit_services.record_visit(
        actor=leader, household=reg.resident_a.household, visited_on=on, mode="phone", findings="电话回访"
    )
    headers = bearer(leader)
    visits = client.get("/api/visits/visits", **headers).json()
    assert [v["findings"] for v in visits] == ["电话回访"]
    assert client.get("/api/visits/visits", **bearer(reg.world.b.users["leader"])).json() == []
    coverage = client.get(
        f"/api/visits/campaigns/{campaign.pk}/coverage", {"level": "neighbourhood"}, **headers
    ).json()
    assert (coverage["total"], coverage["visited"]) == (1, 1)
    bad = client.get(f"/api/visits/campaigns/{campaign.pk}/coverage", {"level": "street"}, **headers)
    assert bad.status_code == 400 and bad.json()["code"] == "bad_level"
    assert (
        client.get(
            f"/api/visits/campaigns/{campaign.pk}/coverage", **bearer(reg.world.b.users["leader"])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("path", ["/api/registry/residents", "/api/visits/visits"])
def test_anonymous_callers_are_refused(client, path, reg):
    assert client.get(path).status_code == 401
