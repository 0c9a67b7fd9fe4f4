"""Event pages through the Django client: staff list and detail, the public sign-up with a
phone code, my registration with its QR code, check-in at the door, the iCalendar feeds."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from gongzhi.cases.phonecodes import last_code_for
from gongzhi.events.models import Event, Registration, RegistrationStatus
from gongzhi.events.tests.helpers import DURING, FIRST, make_event, sign_up

pytestmark = pytest.mark.django_db
R = RegistrationStatus


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_registrations_make_the_same_number_of_queries_for_2_and_20_rows(world, client):
    client.force_login(world.a.users["neighbourhood"])
    event = make_event(world, capacity=30)
    for i in range(2):
        make_event(world)
        sign_up(event, i)
    _queries(client, reverse("events:index"))  # the first page of a session also touches the session
    few_list = _queries(client, reverse("events:index"))
    few_detail = _queries(client, reverse("events:detail", args=[event.pk]))
    for i in range(2, 20):
        make_event(world)
        sign_up(event, i)
    assert _queries(client, reverse("events:index")) == few_list
    assert _queries(client, reverse("events:detail", args=[event.pk])) == few_detail


def test_public_sign_up_with_a_phone_code_then_my_page_shows_the_qr(world, client):
    event = make_event(world)
    url = reverse("events:public_event", args=[event.pk])
    with time_machine.travel(DURING, tick=False):
        page = client.get(url).content.decode()
        assert "获取验证码" in page
        response = client.post(url, {"step": "code", "name": "吴静", "phone": "13712345678"})
        assert "短信验证码" in response.content.decode()
        wrong = client.post(
            url, {"step": "register", "name": "吴静", "phone": "13712345678", "code": "000000"}
        )
        assert wrong.status_code == 400 and not Registration.objects.exists()
        code = last_code_for("13712345678", f"event:{event.pk}")
        done = client.post(url, {"step": "register", "name": "吴静", "phone": "13712345678", "code": code})
    registration = Registration.objects.get()
    assert done.status_code == 302 and done.url == reverse("events:mine", args=[registration.code])
    mine = client.get(done.url).content.decode()
    assert "<svg" in mine and registration.code in mine and "报名成功" in mine and "137****5678" in mine


def test_public_pages_hide_drafts_and_list_published(world, client):
    draft = make_event(world, publish=False, title="草稿活动")
    shown = make_event(world, title="夜校·茶艺")
    with time_machine.travel(DURING, tick=False):
        page = client.get(reverse("events:public_list", args=[world.a.subdistrict.pk])).content.decode()
    assert "夜校·茶艺" in page and "草稿活动" not in page
    assert client.get(reverse("events:public_event", args=[draft.pk])).status_code == 404
    assert client.get(reverse("events:public_event", args=[shown.pk])).status_code == 200


def test_door_check_in_through_the_qr_link(world, client):
    event = make_event(world)
    registration = sign_up(event, 1)
    url = reverse("events:checkin", args=[registration.code])
    with time_machine.travel(FIRST + dt.timedelta(minutes=3), tick=False):
        client.force_login(world.a.users["gridworker"])
        assert "确认签到" in client.get(url).content.decode()
        assert "签到成功" in client.post(url).content.decode()
        again = client.post(url)
    assert again.status_code == 409 and "已签到过本场" in again.content.decode()
    registration.refresh_from_db()
    assert registration.status == R.ATTENDED
    client.force_login(world.b.users["gridworker"])
    assert client.get(url).status_code == 403


def test_calendar_feeds(world, client):
    event = make_event(world, n_sessions=3)
    with time_machine.travel(DURING, tick=False):
        feed = client.get(reverse("events:feed", args=[world.a.subdistrict.pk]))
    assert feed["Content-Type"].startswith("text/calendar")
    items = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert len(items) == 3 and str(items[0]["location"]) == event.venue
    assert items[0].decoded("dtstart") == FIRST
    single = Calendar.from_ical(client.get(reverse("events:event_ics", args=[event.pk])).content)
    assert len(list(single.walk("VEVENT"))) == 3


def test_new_event_page_refuses_bad_input_in_chinese(world, client):
    client.force_login(world.a.users["neighbourhood"])
    response = client.post(
        reverse("events:new"),
        {
            "title": "x",
            "kind": "activity",
            "area": world.a.neighbourhood.pk,
            "venue": "y",
            "capacity": "0",
            "registration_opens_at": "2030-03-01T09:00",
            "registration_closes_at": "2030-03-05T09:00",
            "first_starts_at": "2030-03-10T09:00",
            "session_count": "1",
            "minutes": "60",
        },
    )
    assert response.status_code == 400 and "名额须为" in response.content.decode()
    assert not Event.objects.exists()


def test_staff_register_on_behalf_and_cancel(world, client):
    event = make_event(world, capacity=1)
    with time_machine.travel(DURING, tick=False):
        client.force_login(world.a.users["neighbourhood"])
        client.post(
            reverse("events:act", args=[event.pk, "register"]), {"name": "老周", "phone": "13600001111"}
        )
        client.post(
            reverse("events:act", args=[event.pk, "register"]), {"name": "老吴", "phone": "13600002222"}
        )
        first, second = Registration.objects.order_by("pk")
        assert (first.status, second.status) == (R.REGISTERED, R.WAITLISTED)
        client.post(reverse("events:act", args=[event.pk, "cancel_registration"]), {"registration": first.pk})
    second.refresh_from_db()
    assert second.status == R.REGISTERED
