"""Staff and public pages: they open for who may see them, actions go through, the public never
sees what moderation has not approved, and list pages make the same number of queries for 2 and
20 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.participation import services
from gongzhi.participation.models import ListItem, SuggestionStatus
from gongzhi.participation.tests.helpers import approved, campaign, public_suggestion, resolved_topic

pytestmark = pytest.mark.django_db


def test_staff_pages_open_for_every_role_of_a(world, client):
    topic, meeting, items = resolved_topic(world)
    s = approved(world)
    project = services.create_project(
        actor=world.a.users["leader"], area=world.a.neighbourhood, title="众享空间"
    )
    pages = {
        "participation:index": [],
        "participation:suggestions": [],
        "participation:topics": [],
        "participation:items": [],
        "participation:projects": [],
    }
    details = {
        "participation:suggestion": s.pk,
        "participation:topic": topic.pk,
        "participation:meeting": meeting.pk,
        "participation:item": items[1].pk,
        "participation:project": project.pk,
    }
    for role in ["auditor", "leader", "dispatcher", "neighbourhood", "gridworker"]:
        client.force_login(world.a.users[role])
        for name in pages:
            assert client.get(reverse(name)).status_code == 200, (role, name)
        for name, pk in details.items():
            assert client.get(reverse(name, args=[pk])).status_code == 200, (role, name)
    client.force_login(world.b.users["leader"])
    for name, pk in details.items():
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    client.force_login(world.a.users["handler"])
    assert client.get(reverse("participation:item", args=[items[1].pk])).status_code == 200
    assert client.get(reverse("participation:suggestion", args=[s.pk])).status_code == 404
    client.force_login(world.admin)
    assert client.get(reverse("participation:index")).status_code == 403


def test_a_moderator_approves_on_the_page_and_bad_input_changes_nothing(world, client):
    s = public_suggestion(world)
    client.force_login(world.a.users["neighbourhood"])
    url = reverse("participation:suggestion_act", args=[s.pk])
    response = client.post(url, {"action": "decline", "reason": ""}, follow=True)
    assert "请填写" in response.content.decode()
    s.refresh_from_db()
    assert s.status == SuggestionStatus.PENDING
    client.post(url, {"action": "approve"})
    s.refresh_from_db()
    assert s.status == SuggestionStatus.PUBLISHED


def test_public_pages_show_only_approved_and_redacted_text(world, client):
    camp = campaign(world)
    pending = public_suggestion(world, camp=camp, title="待审核的标题")
    shown = approved(world, camp=camp, phone="13900000002", title="公开的标题")
    body = client.get(reverse("participation:public_campaign", args=[camp.pk])).content.decode()
    assert "公开的标题" in body and "待审核的标题" not in body
    assert "13800138000" not in body
    body = client.get(reverse("participation:public_suggestion", args=[pending.ref])).content.decode()
    assert "待审核的标题" not in body and "待审核" in body
    body = client.get(reverse("participation:public_suggestion", args=[shown.ref])).content.decode()
    assert "13800138000" not in body and "[电话已隐去]" in body


def test_the_public_board_and_its_exports(world, client):
    resolved_topic(world)
    url = reverse("participation:public_board", args=[world.a.subdistrict.pk])
    assert "充电棚施工" in client.get(url).content.decode()
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(url + "?format=pdf")
    assert pdf.status_code in (200, 503)
    if pdf.status_code == 200:
        assert pdf.content[:4] == b"%PDF"


def test_qr_sign_in_page(world, client):
    _topic, meeting, _items = resolved_topic(world)
    url = reverse("participation:sign_in", args=[meeting.sign_in_token])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "新来的居民"})
    assert "签到成功" in response.content.decode()
    assert meeting.attendance.filter(name="新来的居民", sign_in="qr").exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    ["participation:items", "participation:suggestions", "participation:topics", "participation:projects"],
)
def test_list_pages_make_the_same_number_of_queries_for_2_and_20_rows(world, client, name):
    lead = world.a.users["neighbourhood"]

    made = [0]

    def make(n):
        for _ in range(n):
            i = made[0] = made[0] + 1
            if name == "participation:items":
                services.add_item(
                    actor=lead, area=world.a.neighbourhood, title=f"事项{i}", owner=world.a.committee
                )
            elif name == "participation:suggestions":
                public_suggestion(world, phone=f"1390000{i:04d}")
            elif name == "participation:topics":
                services.propose_topic(actor=lead, area=world.a.neighbourhood, title=f"议题{i}")
            else:
                services.create_project(actor=lead, area=world.a.neighbourhood, title=f"项目{i}")

    client.force_login(world.a.users["leader"])
    make(2)
    few = _queries(client, reverse(name))
    make(18)
    assert _queries(client, reverse(name)) == few


def test_the_public_board_makes_the_same_number_of_queries_for_2_and_20_items(world, client):
    lead = world.a.users["neighbourhood"]
    url = reverse("participation:public_board", args=[world.a.subdistrict.pk])
    for i in range(2):
        services.add_item(actor=lead, area=world.a.neighbourhood, title=f"事项{i}", owner=world.a.committee)
    few = _queries(client, url)
    for i in range(18):
        services.add_item(actor=lead, area=world.a.neighbourhood, title=f"事项{i}", owner=world.a.committee)
    assert ListItem.objects.count() == 20
    assert _queries(client, url) == few


def test_a_leader_starts_a_campaign_on_the_page(world, client):
    from gongzhi.participation.models import Campaign

    client.force_login(world.a.users["leader"])
    url = reverse("participation:campaign_new")
    data = {"title": "流浪猫治理大家谈", "question": "怎样科学喂养？", "area": world.a.subdistrict.pk}
    client.post(url, data | {"starts_on": "2026-12-01", "ends_on": "2026-11-01"})
    assert not Campaign.objects.exists()  # the end before the start: refused, nothing saved
    response = client.post(url, data | {"starts_on": "2026-12-01", "ends_on": "2026-12-31"})
    assert response.status_code == 302 and Campaign.objects.get().title == "流浪猫治理大家谈"
    client.force_login(world.a.users["gridworker"])
    client.post(url, data | {"starts_on": "2026-12-01", "ends_on": "2026-12-31", "title": "x"})
    assert Campaign.objects.count() == 1
