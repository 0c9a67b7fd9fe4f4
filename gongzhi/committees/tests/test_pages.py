"""Pages and API of committees: they open, act through the services, refuse bad input clearly,
and list pages make the same number of queries for 2 and 20 committees."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from gongzhi.committees import services
from gongzhi.committees.models import Ballot, Stage
from gongzhi.committees.tests.helpers import dwellings
from gongzhi.open311 import services as tokens
from gongzhi.territory.services import create_area

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_page_query_count_does_not_grow(world, client):
    leader = world.a.users["leader"]
    client.force_login(leader)

    def add(n, start):
        for i in range(start, start + n):
            estate = create_area(
                code=f"A-E{i + 10}", name=f"小区{i}", kind="estate", parent=world.a.neighbourhood
            )
            services.create_committee(actor=leader, area=estate)

    add(2, 0)
    _queries(client, reverse("committees:index"))  # warm the per-process caches (menu, calendar)
    few = _queries(client, reverse("committees:index"))
    add(18, 2)
    assert _queries(client, reverse("committees:index")) == few


def test_detail_acts_through_the_table_and_shows_errors(world, client):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    client.force_login(leader)
    url = reverse("committees:detail", args=[committee.pk])
    page = client.get(url).content.decode()
    assert "成立筹备组" in page and "未组建" in page
    client.post(
        reverse("committees:act", args=[committee.pk]), {"action": "form_preparatory", "on": "2026-01-05"}
    )
    committee.refresh_from_db()
    assert committee.stage == Stage.PREPARATORY
    response = client.post(reverse("committees:act", args=[committee.pk]), {"action": "file"}, follow=True)
    assert "不能执行" in response.content.decode()
    client.post(
        reverse("committees:act", args=[committee.pk]),
        {"action": "convene_first_assembly", "on": "2026-03-01"},
    )
    response = client.post(
        reverse("committees:elect", args=[committee.pk]),
        {"on": "2026-03-02", "members": "张明 主任 党员\n李芳 副主任\n王强\n赵敏\n钱伟"},
        follow=True,
    )
    assert "资格审查" in response.content.decode()  # checks not confirmed: refused
    client.post(
        reverse("committees:elect", args=[committee.pk]),
        {"on": "2026-03-02", "members": "张明 主任 党员\n李芳 副主任\n王强\n赵敏\n钱伟", "checked": "1"},
    )
    committee.refresh_from_db()
    assert committee.stage == Stage.ELECTED
    assert "张明" in client.get(url).content.decode()


def test_vote_page_ballot_and_notice(world, client):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    homes = dwellings(world.a.estate, ["60", "60", "60", "200"])
    today = timezone.localdate()
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="续聘物业",
        matter="ordinary",
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=3),
    )
    client.force_login(leader)
    url = reverse("committees:ballot", args=[vote.pk])
    response = client.post(
        url, {"dwelling": homes[0].pk, "voter_name": "冒名者", "choice": "for"}, follow=True
    )
    assert "不是该房屋登记的业主" in response.content.decode() and not Ballot.objects.exists()
    for home in homes[:3]:
        client.post(url, {"dwelling": home.pk, "voter_name": home.owner_name, "choice": "for"})
    client.post(url, {"dwelling": homes[3].pk, "voter_name": homes[3].owner_name, "choice": "against"})
    assert Ballot.objects.count() == 4
    page = client.get(reverse("committees:vote", args=[vote.pk])).content.decode()
    assert "人数过半但面积未过半" in page  # 3 of 4 owners for, but 180 of 380 ㎡
    notice = client.get(reverse("committees:vote_notice", args=[vote.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(notice.content)).paragraphs)
    assert "表决结果公告" in text and "续聘物业" in text


def test_api_lists_scoped_and_counts_the_vote(world, client):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    homes = dwellings(world.a.estate, ["60", "100"])
    today = timezone.localdate()
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="选举",
        matter="election",
        opens_on=today,
        closes_on=today,
    )
    _t, secret = tokens.issue_token(user=leader, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert [c["id"] for c in client.get("/api/committees/committees", **headers).json()] == [committee.pk]
    _t, b_secret = tokens.issue_token(user=world.b.users["leader"], name="t")
    assert client.get("/api/committees/committees", HTTP_AUTHORIZATION=f"Bearer {b_secret}").json() == []
    assert (
        client.get(
            f"/api/committees/committees/{committee.pk}", HTTP_AUTHORIZATION=f"Bearer {b_secret}"
        ).status_code
        == 404
    )
    r = client.post(
        f"/api/committees/votes/{vote.pk}/ballots",
        {
            "dwelling_id": homes[1].pk,
            "voter_name": homes[1].owner_name,
            "choice": "for",
            "floor_area": "100.5",
        },
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 400 and "超过该房屋登记的建筑面积" in r.json()["message"]
    r = client.post(
        f"/api/committees/votes/{vote.pk}/ballots",
        {"dwelling_id": homes[1].pk, "voter_name": homes[1].owner_name, "choice": "for"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 201
    tally = client.get(f"/api/committees/votes/{vote.pk}", **headers).json()["tally"]
    assert tally["voted_count"] == 1 and tally["valid"] is False  # 1 of 2 owners: below 2/3
    r = client.post(
        f"/api/committees/committees/{committee.pk}/actions",
        {"action": "file"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 409
