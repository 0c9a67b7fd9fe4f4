"""志愿+ through the pages: a volunteer signs in by phone, signs up, scans in and out, the
organiser verifies and credits, the volunteer redeems; the staff list's query count."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.cases import phonecodes
from gongzhi.volunteers import ledger, services
from gongzhi.volunteers.models import PointsEntry, ServiceRecord, Signup


def sign_in(client, phone: str):
    client.post(reverse("volunteers:login"), {"phone": phone})
    code = phonecodes.last_code_for(phone, "volunteer:login")
    response = client.post(reverse("volunteers:login"), {"phone": phone, "code": code})
    assert response.status_code == 302, response.content.decode()


def test_volunteer_story_through_the_pages(vol, client):
    volunteer_client = client
    sign_in(volunteer_client, "13800000001")
    me = volunteer_client.get(reverse("volunteers:me"))
    assert "为独居老人送餐" in me.content.decode()
    volunteer_client.post(reverse("volunteers:me"), {"opportunity": vol.opportunity.pk})
    signup = Signup.objects.get(volunteer=vol.alice)
    services.act(actor=vol.manager, signup=signup, action="confirm")
    scan = reverse("volunteers:scan", args=[vol.opportunity.code])
    with time_machine.travel(vol.start + dt.timedelta(minutes=5), tick=False):
        sign_in(volunteer_client, "13800000001")  # sessions end after 30 idle minutes
        assert volunteer_client.post(scan, {"action": "check_in"}).status_code == 302
        again = volunteer_client.post(scan, {"action": "check_in"})
        assert again.status_code == 400 and "无需重复扫码" in again.content.decode()
    with time_machine.travel(vol.start + dt.timedelta(hours=2, minutes=35), tick=False):
        sign_in(volunteer_client, "13800000001")
        assert volunteer_client.post(scan, {"action": "check_out", "travel_minutes": "20"}).status_code == 302
        staff = vol.world.a.users["neighbourhood"]
        from django.test import Client

        staff_client = Client()
        staff_client.force_login(staff)
        page = staff_client.get(reverse("volunteers:opportunity", args=[vol.opportunity.pk]))
        assert page.status_code == 200 and "<svg" in page.content.decode()
        staff_client.post(
            reverse("volunteers:opportunity", args=[vol.opportunity.pk]),
            {"signup": signup.pk, "action": "verify", "credit": "1"},
        )
    signup.refresh_from_db()
    assert signup.state == "credited"
    record = ServiceRecord.objects.get(volunteer=vol.alice)
    assert str(record.hours) == "2.16"  # 2 h 30 on site (5 min before start not counted) less 20 min travel
    assert ledger.balance(vol.alice) == 21  # 10 points an hour, rounded down
    with time_machine.travel(vol.start + dt.timedelta(hours=3), tick=False):
        volunteer_client.post(reverse("volunteers:me"), {"reward": vol.reward.pk})
        assert ledger.balance(vol.alice) == 21  # 30 needed: refused
        services.correct(actor=vol.leader, volunteer=vol.alice, points=9, reason="补记")
        volunteer_client.post(reverse("volunteers:me"), {"reward": vol.reward.pk})
    assert ledger.balance(vol.alice) == 0
    assert list(PointsEntry.objects.filter(volunteer=vol.alice).values_list("kind", flat=True)) == [
        "service",
        "correction",
        "redeem",
    ]


def test_staff_pages_and_export(vol, client):
    client.force_login(vol.world.a.users["leader"])
    for name in ("volunteers:index", "volunteers:deeds", "volunteers:shop"):
        assert client.get(reverse(name)).status_code == 200
    response = client.get(reverse("volunteers:export"))
    assert response.status_code == 200 and "服务时长（小时）" in response.content.decode("utf-8-sig")
    assert client.get(reverse("volunteers:export") + "?format=xlsx").status_code == 200
    assert client.get(reverse("volunteers:export") + "?kind=party").status_code == 200
    assert client.get(reverse("volunteers:detail", args=[vol.other.pk])).status_code == 404
    client.force_login(vol.world.a.users["dispatcher"])
    assert client.get(reverse("volunteers:index")).status_code == 403


def _index_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("volunteers:index")).status_code == 200
    return len(queries)


def test_volunteer_list_queries_do_not_grow_with_rows(vol, client):
    leader = vol.world.a.users["leader"]
    _index_queries(client, leader)
    few = _index_queries(client, leader)
    for n in range(18):
        volunteer = services.register_volunteer(
            actor=vol.manager, area=vol.world.a.neighbourhood, name=f"志愿者{n}", phone=f"1360000{n:04d}"
        )
        vol.give(volunteer, 5)
    assert _index_queries(client, leader) == few
