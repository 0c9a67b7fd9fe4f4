"""/api/participation/ballots: set up, candidates, moves, paper ballots, scope, and the public read
that hides the counts until the result is published."""

import datetime as dt

import pytest
import time_machine

from gongzhi.participation.models import Ballot
from gongzhi.participation.tests.test_api import auth, post
from gongzhi.participation.tests.test_ballots import NOW, TODAY, vote


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_api_runs_a_ballot_from_set_up_to_published(world, client):
    leader = world.a.users["leader"]
    made = post(
        client,
        "/api/participation/ballots",
        {
            "area_id": world.a.subdistrict.pk,
            "title": "2027年民生实事项目票决",
            "pick": 1,
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=7)).isoformat(),
        },
        leader,
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    early = post(client, f"/api/participation/ballots/{pk}/actions/open", {}, leader)
    assert early.status_code == 400 and "差额" in early.json()["message"]
    for title in ("加装电梯", "口袋公园"):
        assert (
            post(client, f"/api/participation/ballots/{pk}/options", {"title": title}, leader).status_code
            == 201
        )
    opened = post(client, f"/api/participation/ballots/{pk}/actions/open", {}, leader).json()
    assert opened["status"] == "open" and set(opened["actions"]) == {"close", "cancel"}
    assert all(o["votes"] is None for o in opened["options"])  # no counts while voting
    vote(world, Ballot.objects.get(pk=pk), "13700000001", ["口袋公园"])
    ref = opened["ref"]
    public = client.get(f"/api/participation/public/ballots/{ref}").json()
    assert all(o["votes"] is None for o in public["options"])
    post(client, f"/api/participation/ballots/{pk}/actions/close", {}, leader)
    ids = {o["title"]: o["id"] for o in opened["options"]}
    bad = post(
        client,
        f"/api/participation/ballots/{pk}/paper",
        {"ballots": 1, "counts": {ids["加装电梯"]: 2}},
        leader,
    )
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "counts"
    paper = post(
        client,
        f"/api/participation/ballots/{pk}/paper",
        {"ballots": 2, "counts": {ids["加装电梯"]: 2}},
        leader,
    )
    assert paper.status_code == 200
    closed = paper.json()
    assert {o["title"]: (o["votes"], o["paper_votes"], o["rank"]) for o in closed["options"]} == {
        "加装电梯": (0, 2, 1),
        "口袋公园": (1, 0, 2),
    }
    assert client.get(f"/api/participation/public/ballots/{ref}").json()["options"][0]["votes"] is None
    post(client, f"/api/participation/ballots/{pk}/actions/publish", {}, leader)
    published = client.get(f"/api/participation/public/ballots/{ref}").json()
    assert [o["recommended"] for o in published["options"]] == [True, False]


def test_ballots_are_scoped_and_managed_by_leaders_only(world, client):
    from gongzhi.participation.tests.test_ballots import make_ballot

    ballot = make_ballot(world)
    listed = client.get("/api/participation/ballots", **auth(world.a.users["gridworker"])).json()
    assert [b["id"] for b in listed] == [ballot.pk] and listed[0]["actions"] == []
    assert client.get("/api/participation/ballots", **auth(world.b.users["leader"])).json() == []
    assert (
        client.get(f"/api/participation/ballots/{ballot.pk}", **auth(world.b.users["leader"])).status_code
        == 404
    )
    refused = post(
        client, f"/api/participation/ballots/{ballot.pk}/actions/close", {}, world.a.users["gridworker"]
    )
    assert refused.status_code == 403
    assert Ballot.objects.get(pk=ballot.pk).status == "open"
