"""The care API: scoped lists, a check-in through the service (bad input 4xx, nothing written),
alert actions, figures; every path in the OpenAPI schema."""

import json

import time_machine

from gongzhi.care import services
from gongzhi.care.models import Alert, CheckIn, Recipient
from gongzhi.care.tests.conftest import MONDAY, at
from gongzhi.open311 import services as tokens


def token_for(user):
    _token, secret = tokens.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_care_api(care, client):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    worker = token_for(care.world.a.users["gridworker"])
    with time_machine.travel(at(MONDAY, 11), tick=False):
        listed = client.get("/api/care/recipients", **worker).json()
        assert {r["name"] for r in listed} == {"王秀英", "陈阿婆"}
        assert all(r["next_due_on"] == "2026-09-28" for r in listed)
        assert len(client.get("/api/care/round", **worker).json()) == 2
        pk = listed[0]["id"]
        bad = client.post(
            f"/api/care/recipients/{pk}/check-ins",
            json.dumps({"mode": "visit", "outcome": "well", "at": "2026-09-28T18:00:00+08:00"}),
            content_type="application/json",
            **worker,
        )
        assert bad.status_code == 400 and bad.json()["code"] and not CheckIn.objects.exists()
        made = client.post(
            f"/api/care/recipients/{pk}/check-ins",
            json.dumps({"mode": "phone", "outcome": "not_reached"}),
            content_type="application/json",
            **worker,
        )
        assert made.status_code == 201 and made.json()["outcome"] == "not_reached"
        other = token_for(care.world.b.users["gridworker"])
        assert client.get(f"/api/care/recipients/{pk}", **other).status_code == 404
        dispatcher = token_for(care.world.a.users["dispatcher"])
        assert client.get("/api/care/recipients", **dispatcher).json() == []
        assert client.get("/api/care/figures", **dispatcher).status_code == 403
    with time_machine.travel(at(MONDAY.date().replace(day=29), 18), tick=False):
        services.escalate()
        alert = Alert.objects.filter(recipient_id=pk).first()
        assert client.get("/api/care/alerts?state=open", **worker).status_code == 200
        response = client.post(
            f"/api/care/alerts/{alert.pk}/actions",
            json.dumps({"action": "close", "resolution": ""}),
            content_type="application/json",
            **worker,
        )
        assert response.status_code == 400
        response = client.post(
            f"/api/care/alerts/{alert.pk}/actions",
            json.dumps({"action": "close", "resolution": "已上门"}),
            content_type="application/json",
            **worker,
        )
        assert response.status_code == 200 and response.json()["state"] == "closed"
        figures = client.get("/api/care/figures", **token_for(care.world.a.users["leader"])).json()
        assert figures["total"]["covered"] == 2
        assert len(client.get("/api/care/groups", **token_for(care.world.a.users["leader"])).json()) == 1
    assert Recipient.objects.count() == 3


def test_every_care_and_volunteer_path_is_in_the_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/care/recipients", "/api/care/alerts/{pk}/actions", "/api/volunteers/volunteers"} <= set(
        paths
    )
    names = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert not {"Page", "ItemOut"} & set(names)
