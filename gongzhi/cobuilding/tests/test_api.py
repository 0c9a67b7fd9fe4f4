"""The REST API: scope, the services behind each action, errors in the one shape."""

import datetime as dt
import json

import pytest

from gongzhi.cobuilding.models import Need, NeedState, Place
from gongzhi.cobuilding.services import lists, network
from gongzhi.open311 import services as tokens

pytestmark = pytest.mark.django_db


def auth(user):
    _token, secret = tokens.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_needs_are_scoped_and_claimed_through_the_service(client, world, net):
    leader = world.a.users["leader"]
    lists.offer_resource(
        actor=leader, organization=net.shop_a, category="elderly", title="为老人送午餐", capacity=10
    )
    need = lists.raise_need(
        actor=leader, area=world.a.neighbourhood, category="elderly", title="独居老人助餐", quantity=4
    )
    a, b = auth(leader), auth(world.b.users["leader"])
    assert [n["id"] for n in client.get("/api/cobuilding/needs", **a).json()] == [need.pk]
    assert client.get("/api/cobuilding/needs", **b).json() == []
    assert client.get(f"/api/cobuilding/needs/{need.pk}", **b).status_code == 404
    detail = client.get(f"/api/cobuilding/needs/{need.pk}", **a).json()
    assert detail["matches"][0]["title"] == "为老人送午餐" and "claim" in detail["actions"]
    response = post(
        client,
        f"/api/cobuilding/needs/{need.pk}/claims",
        {"organization_id": net.shop_a.pk, "quantity": 3},
        a,
    )
    assert response.status_code == 201, response.content
    response = post(
        client,
        f"/api/cobuilding/needs/{need.pk}/claims",
        {"organization_id": net.shop_a.pk, "quantity": 3},
        a,
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_field"
    assert "超过" in response.json()["message"]
    need.refresh_from_db()
    assert (need.claimed, need.state) == (3, NeedState.PARTLY_CLAIMED)


def test_raise_a_need_with_bad_input_is_a_4xx_and_changes_nothing(client, world):
    a = auth(world.a.users["neighbourhood"])
    body = {"area_id": world.a.neighbourhood.pk, "category": "nonsense", "title": "助餐"}
    response = post(client, "/api/cobuilding/needs", body, a)
    assert response.status_code == 400 and "类别" in response.json()["message"]
    body = {"area_id": world.b.neighbourhood.pk, "category": "elderly", "title": "助餐"}
    assert post(client, "/api/cobuilding/needs", body, a).status_code == 404
    assert not Need.objects.exists()


def test_places_nominate_and_act_through_the_action_table(client, world, net):
    g, leader = auth(world.a.users["gridworker"]), auth(world.a.users["leader"])
    body = {
        "kind": "station",
        "name": "暖新巢",
        "lat": 31.2012,
        "lng": 121.4012,
        "address": "A路",
        "opening_hours": "Mo-Fx",
    }
    response = post(client, "/api/cobuilding/places", body, g)
    assert response.status_code == 400 and "开放时间" in response.json()["message"]
    body["opening_hours"] = "24/7"
    made = post(client, "/api/cobuilding/places", body, g).json()
    assert "verify" in made["actions"]
    assert post(client, f"/api/cobuilding/places/{made['id']}/publish", {}, leader).status_code == 409
    assert (
        post(client, f"/api/cobuilding/places/{made['id']}/verify", {"note": "现场核验"}, g).status_code
        == 200
    )
    assert post(client, f"/api/cobuilding/places/{made['id']}/publish", {}, g).status_code == 403
    assert (
        post(client, f"/api/cobuilding/places/{made['id']}/publish", {}, leader).json()["state"]
        == "published"
    )
    assert Place.objects.get().state == "published"


def test_coverage_and_pairings(client, world, net):
    leader = world.a.users["leader"]
    network.cover_unit(
        actor=leader, unit=net.firm_a, branch=net.branch_a, mode="own", started_on=dt.date(2026, 1, 1)
    )
    pairing = network.create_pairing(
        actor=leader,
        unit=net.firm_a,
        neighbourhood=world.a.neighbourhood,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2030, 1, 1),
    )
    a = auth(leader)
    data = client.get("/api/cobuilding/coverage?level=neighbourhood", **a).json()
    assert (data["units"], data["covered"], data["rate"]) == (4, 1, 25)
    assert client.get("/api/cobuilding/coverage?level=estate", **a).status_code == 400
    assert client.get("/api/cobuilding/coverage", **auth(world.a.users["handler"])).status_code == 404
    assert [p["id"] for p in client.get("/api/cobuilding/pairings", **a).json()] == [pairing.pk]
    response = post(
        client,
        f"/api/cobuilding/pairings/{pairing.pk}/activities",
        {"held_on": "2026-02-01", "title": "助老理发"},
        a,
    )
    assert response.status_code == 201
    assert len(client.get("/api/cobuilding/branches", **a).json()) == 2


def test_openapi_has_the_cobuilding_schemas(client, world):
    schema = client.get("/api/openapi.json").json()
    assert "CobuildingNeedOut" in schema["components"]["schemas"]
    assert any(p.startswith("/api/cobuilding/") for p in schema["paths"])


def test_pairing_alliance_and_coverage_writes(client, world, net):
    leader = auth(world.a.users["leader"])
    other, grid = auth(world.b.users["leader"]), auth(world.a.users["dispatcher"])
    body = {
        "unit_id": net.firm_a.pk,
        "neighbourhood_id": world.a.neighbourhood.pk,
        "starts_on": "2026-01-01",
        "ends_on": "2025-01-01",
    }
    bad = post(client, "/api/cobuilding/pairings", body, leader)
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "details"}
    assert post(client, "/api/cobuilding/pairings", body | {"ends_on": "2027-12-31"}, grid).status_code == 403
    made = post(client, "/api/cobuilding/pairings", body | {"ends_on": "2027-12-31"}, leader)
    assert made.status_code == 201
    pk = made.json()["id"]
    assert post(client, f"/api/cobuilding/pairings/{pk}", {"ends_on": "2028-01-31"}, other).status_code == 404
    edited = post(client, f"/api/cobuilding/pairings/{pk}", {"ends_on": "2028-01-31", "plan": "计划"}, leader)
    assert edited.json()["ends_on"] == "2028-01-31"
    alliance = post(
        client,
        "/api/cobuilding/alliances",
        {"area_id": world.a.subdistrict.pk, "name": "联盟", "theme": "other", "founded_on": "2026-01-01"},
        leader,
    ).json()
    joined = post(
        client,
        f"/api/cobuilding/alliances/{alliance['id']}/members",
        {"organization_id": net.shop_a.pk, "joined_on": "2026-02-01"},
        leader,
    )
    assert joined.status_code == 201 and joined.json()["members"] == [net.shop_a.pk]
    left = post(
        client,
        f"/api/cobuilding/alliances/{alliance['id']}/members/{net.shop_a.pk}/leave",
        {"left_on": "2026-03-01"},
        leader,
    )
    assert left.json()["members"] == []
    covered = post(
        client,
        "/api/cobuilding/coverages",
        {"unit_id": net.shop_a.pk, "branch_id": net.cohesion.pk, "mode": "area", "started_on": "2026-02-01"},
        leader,
    )
    assert covered.status_code == 201 and covered.json()["ended_on"] is None
