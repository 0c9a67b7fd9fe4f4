"""The volunteers API: scoped lists with balances and hours, sign-up actions from the action
table, deeds needing a second person, redemptions."""

import json

from gongzhi.open311 import services as tokens
from gongzhi.volunteers import services


def token_for(user):
    _token, secret = tokens.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, data, headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_volunteers_api(vol, client):
    vol.give(vol.alice, 40)
    manager = token_for(vol.manager)
    listed = client.get("/api/volunteers/volunteers", **manager).json()
    assert {v["name"]: v["balance"] for v in listed} == {"张阿姨": 40, "李师傅": 0}
    assert listed[0]["phone"].startswith("138") and "*" in listed[0]["phone"]
    assert len(client.get(f"/api/volunteers/volunteers/{vol.alice.pk}/entries", **manager).json()) == 1
    assert client.get(f"/api/volunteers/volunteers/{vol.other.pk}/entries", **manager).status_code == 404
    signup = services.apply(volunteer=vol.alice, opportunity=vol.opportunity)
    response = post(client, f"/api/volunteers/signups/{signup.pk}/actions", {"action": "confirm"}, manager)
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    response = post(client, f"/api/volunteers/signups/{signup.pk}/actions", {"action": "verify"}, manager)
    assert response.status_code == 409
    worker = token_for(vol.gridworker)
    deed = post(
        client,
        "/api/volunteers/deeds",
        {"volunteer_id": vol.bob.pk, "description": "帮邻居修水管", "happened_on": "2020-01-01"},
        worker,
    )
    assert deed.status_code == 201
    assert post(client, f"/api/volunteers/deeds/{deed.json()['id']}/confirm", {}, worker).status_code == 403
    assert post(client, f"/api/volunteers/deeds/{deed.json()['id']}/confirm", {}, manager).status_code == 200
    redemption = services.redeem(volunteer=vol.alice, reward=vol.reward)
    response = post(
        client, f"/api/volunteers/redemptions/{redemption.pk}/actions", {"action": "cancel"}, manager
    )
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    figures = client.get("/api/volunteers/figures", **token_for(vol.leader)).json()
    assert figures["registered"] == 2 and figures["points_redeemed"] == 0
    assert client.get("/api/volunteers/volunteers", **token_for(vol.world.a.users["dispatcher"])).json() == []
