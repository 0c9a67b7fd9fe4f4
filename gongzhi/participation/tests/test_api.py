"""The REST API: scoped lists, actions through the services, errors in the one shape."""

import json

import pytest

from gongzhi.open311 import services as tokens
from gongzhi.participation.models import SuggestionStatus
from gongzhi.participation.tests.helpers import approved, public_suggestion, resolved_topic

pytestmark = pytest.mark.django_db


def auth(user):
    _token, secret = tokens.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, body, user):
    return client.post(url, json.dumps(body), content_type="application/json", **auth(user))


def test_lists_are_scoped(world, client):
    s = approved(world)
    resolved_topic(world)
    a, b = world.a.users["leader"], world.b.users["leader"]
    for path in ["suggestions", "topics", "meetings", "items", "projects", "campaigns"]:
        assert client.get(f"/api/participation/{path}", **auth(a)).status_code == 200, path
        assert client.get(f"/api/participation/{path}", **auth(b)).json() == [], path
    got = client.get("/api/participation/suggestions", **auth(a)).json()
    assert [x["ref"] for x in got] == [s.ref] and "13800138000" not in json.dumps(got, ensure_ascii=False)
    assert client.get(f"/api/participation/suggestions/{s.pk}", **auth(b)).status_code == 404


def test_moderation_and_triage_through_the_api(world, client):
    s = public_suggestion(world)
    url = f"/api/participation/suggestions/{s.pk}/actions/"
    assert post(client, url + "approve", {}, world.a.users["gridworker"]).status_code == 403
    response = post(client, url + "decline", {"reason": ""}, world.a.users["neighbourhood"])
    assert response.status_code in (400, 422) and response.json()["code"]
    body = post(client, url + "approve", {}, world.a.users["neighbourhood"]).json()
    assert body["status"] == SuggestionStatus.PUBLISHED and "publish_answer" not in body["actions"]
    assert post(client, url + "approve", {}, world.a.users["neighbourhood"]).status_code == 409
    body = post(
        client, url + "to_case", {"category_id": world.category.pk}, world.a.users["dispatcher"]
    ).json()
    assert body["status"] == "to_case" and body["case_number"]


def test_deliberation_through_the_api(world, client):
    lead = world.a.users["neighbourhood"]
    t = post(
        client,
        "/api/participation/topics",
        {"area_id": world.a.neighbourhood.pk, "title": "加装电梯议题"},
        lead,
    )
    assert t.status_code == 201
    topic_id = t.json()["id"]
    assert (
        post(
            client, f"/api/participation/topics/{topic_id}/actions/screen", {"note": "涉及多户"}, lead
        ).json()["status"]
        == "screened"
    )
    m = post(
        client,
        "/api/participation/meetings",
        {
            "topic_id": topic_id,
            "area_id": world.a.neighbourhood.pk,
            "title": "听证会",
            "starts_at": "2099-01-05T19:00:00+08:00",
            "kind": "hearing",
            "eligible": 3,
        },
        lead,
    )
    assert m.status_code == 201, m.content
    mid = m.json()["id"]
    for name in ["甲", "乙"]:
        assert (
            post(client, f"/api/participation/meetings/{mid}/attendance", {"name": name}, lead).status_code
            == 201
        )
    motion = post(
        client, f"/api/participation/meetings/{mid}/motions", {"text": "同意加装", "yes": 2}, lead
    ).json()
    assert motion["quorum_met"] and motion["passed"] and motion["quorum_required"] == 2
    assert post(client, f"/api/participation/meetings/{mid}/actions/hold", {}, lead).status_code == 200
    items = post(
        client,
        f"/api/participation/topics/{topic_id}/resolution",
        {
            "resolution": "同意加装电梯",
            "tasks": [{"title": "电梯方案公示", "owner_id": world.a.committee.pk}],
        },
        lead,
    )
    assert items.status_code == 200 and items.json()[0]["title"] == "电梯方案公示"
    item_id = items.json()[0]["id"]
    assert (
        post(client, f"/api/participation/items/{item_id}/actions/progress", {"progress": 40}, lead).json()[
            "rolled_progress"
        ]
        == 40
    )


def test_the_public_board_needs_no_token(world, client):
    resolved_topic(world)
    body = client.get(f"/api/participation/public/board/{world.a.subdistrict.pk}").json()
    assert body["total"] == 2 and body["closed_share"] == 0


def test_a_campaign_through_the_api(world, client):
    body = {
        "area_id": world.a.subdistrict.pk,
        "title": "反诈宣传",
        "question": "您想怎么了解？",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
    }
    worker = world.a.users["gridworker"]
    assert post(client, "/api/participation/campaigns", body, worker).status_code == 404  # above its grid
    assert (
        post(client, "/api/participation/campaigns", body | {"area_id": world.a.grid.pk}, worker).status_code
        == 403
    )
    made = post(client, "/api/participation/campaigns", body, world.a.users["leader"])
    assert made.status_code == 201 and made.json()["area_id"] == world.a.subdistrict.pk
    bad = post(
        client, "/api/participation/campaigns", body | {"ends_on": "2026-11-01"}, world.a.users["leader"]
    )
    assert bad.status_code in (400, 422) and bad.json()["details"]["field"] == "ends_on"
