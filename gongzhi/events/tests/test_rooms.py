"""Community spaces: a room's hours cut into slots, one booking per slot, the capacity and the
date checked, the neighbourhood's decision, the page and the API."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from gongzhi.accounts.models import AuditEvent
from gongzhi.core.errors import Conflict, DomainError, NotAllowed
from gongzhi.events import rooms
from gongzhi.events.models import Booking
from gongzhi.open311 import services as tokens

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 11, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai, a Monday
DAY = dt.date(2026, 5, 12)
T = dt.time


def make_room(world, **kwargs):
    params = dict(
        actor=world.a.users["neighbourhood"],
        area=world.a.estate,
        name="睦邻会客厅",
        capacity=30,
        opens_at=T(9),
        closes_at=T(21),
        slot_minutes=120,
        equipment="投影仪、音响、茶水",
    )
    params.update(kwargs)
    return rooms.create_room(**params)


def request(world, room, **kwargs):
    params = dict(
        actor=world.a.users["neighbourhood"],
        room=room,
        on=DAY,
        starts_at=T(14),
        booker="银发合唱团",
        purpose="每周排练",
        attendees=20,
        now=NOW,
    )
    params.update(kwargs)
    return rooms.book(**params)


def test_a_room_is_cut_into_whole_slots(world):
    room = make_room(world, opens_at=T(9), closes_at=T(20), slot_minutes=120)
    assert rooms.slots_of(room) == [
        (T(9), T(11)),
        (T(11), T(13)),
        (T(13), T(15)),
        (T(15), T(17)),
        (T(17), T(19)),
    ]
    with pytest.raises(DomainError, match="关闭时间须晚于开放时间"):
        make_room(world, opens_at=T(20), closes_at=T(9))
    with pytest.raises(DomainError, match="放不下一个完整时段"):
        make_room(world, opens_at=T(9), closes_at=T(10), slot_minutes=90)
    with pytest.raises(NotAllowed):
        make_room(world, actor=world.a.users["gridworker"])


def test_one_booking_per_slot_and_the_slot_frees_when_refused(world):
    room = make_room(world)
    booking = request(world, room, starts_at=T(13))
    assert (booking.starts_at, booking.ends_at, booking.status) == (T(13), T(15), "requested")
    with pytest.raises(Conflict, match="该时段已被预约"):
        request(world, room, starts_at=T(13), booker="书法社")
    leader = world.a.users["leader"]
    with pytest.raises(DomainError, match="请写明不批准的原因"):
        rooms.decide(actor=leader, booking=booking, decision="refuse")
    rooms.decide(actor=leader, booking=booking, decision="refuse", note="当天另有党建活动")
    again = request(world, room, starts_at=T(13), booker="书法社")
    rooms.decide(actor=leader, booking=again, decision="approve")
    with pytest.raises(Conflict, match="不能再处理"):
        rooms.decide(actor=leader, booking=again, decision="approve")
    assert Booking.objects.filter(status="approved").count() == 1
    assert AuditEvent.objects.filter(action__startswith="events.booking.").count() == 4


@pytest.mark.parametrize(
    "change,message",
    [
        ({"starts_at": T(14)}, "开放时间内的时段"),
        ({"on": dt.date(2026, 5, 10)}, "已过去的日期"),
        ({"on": dt.date(2026, 9, 1)}, "最多提前"),
        ({"on": dt.date(2026, 5, 11), "starts_at": T(9)}, "已开始"),
        ({"attendees": 31}, "容纳人数 30"),
        ({"booker": " "}, "团队或单位"),
        ({"purpose": ""}, "用途"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_written(world, change, message):
    room = make_room(world)
    with pytest.raises(DomainError, match=message):
        request(world, room, **{"starts_at": T(13), **change})
    assert not Booking.objects.exists()


def test_only_organisers_in_scope_book(world):
    room = make_room(world)
    for user in (world.a.users["gridworker"], world.b.users["neighbourhood"]):
        with pytest.raises(NotAllowed):
            request(world, room, actor=user, starts_at=T(13))
    assert not Booking.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_pages_and_the_api(world, client):
    room = make_room(world)
    client.force_login(world.a.users["neighbourhood"])
    assert "睦邻会客厅" in client.get(reverse("events:rooms")).content.decode()
    url = reverse("events:room", args=[room.pk])
    page = client.get(f"{url}?on=2026-05-12").content.decode()
    assert page.count("预约该时段") == 6 and 'data-label="时段"' in page
    book = reverse("events:room_book", args=[room.pk])
    form = {
        "on": "2026-05-12",
        "starts_at": "14:00",
        "booker": "书法社",
        "purpose": "书法课",
        "attendees": "12",
    }
    refused = client.post(book, form, follow=True)
    assert "开放时间内的时段" in refused.content.decode()
    client.post(book, {**form, "starts_at": "13:00"})
    page = client.get(f"{url}?on=2026-05-12").content.decode()
    assert page.count("预约该时段") == 5 and 'id="requests"' in page
    _t, secret = tokens.issue_token(user=world.a.users["neighbourhood"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/json"}
    slots = client.get(f"/api/events/rooms/{room.pk}/slots?on=2026-05-12", **auth).json()
    assert [s["status"] for s in slots][:3] == ["free", "free", "requested"]
    r = client.post(
        f"/api/events/rooms/{room.pk}/bookings",
        {"on": "2026-05-12", "starts_at": "13:00", "booker": "合唱团", "purpose": "排练", "attendees": 10},
        **auth,
    )
    assert r.status_code == 409 and r.json()["code"] == "slot_taken"
    booking = Booking.objects.get()
    r = client.post(f"/api/events/bookings/{booking.pk}/approve", {}, **auth)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.post(f"/api/events/bookings/{booking.pk}/maybe", {}, **auth)
    assert r.status_code == 400
    _t, other = tokens.issue_token(user=world.b.users["neighbourhood"], name="t")
    assert (
        client.get(f"/api/events/rooms/{room.pk}/slots", HTTP_AUTHORIZATION=f"Bearer {other}").status_code
        == 404
    )
    assert client.get("/api/events/rooms", HTTP_AUTHORIZATION=f"Bearer {other}").json() == []


def test_the_demo_rooms_and_their_bookings(world):
    from django.utils import timezone

    from gongzhi.events import demo

    organiser = world.a.users["neighbourhood"]
    demo._rooms(organiser, organiser.scope, timezone.localdate(), timezone.now())
    assert Booking.objects.count() == len(demo.BOOKINGS)
    assert Booking.objects.filter(status="approved").count() == 4
