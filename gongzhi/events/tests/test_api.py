"""/api/events/: same services, same scope, errors in one shape."""

import datetime as dt

import pytest
import time_machine

from gongzhi.accounts.tokens import issue_token
from gongzhi.events.models import Registration
from gongzhi.events.tests.helpers import CLOSES, DURING, FIRST, OPENS, make_event

pytestmark = pytest.mark.django_db


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


def test_create_register_waitlist_and_check_in(world, client):
    with time_machine.travel(DURING, tick=False):
        organiser = bearer(world.a.users["neighbourhood"])
        body = {
            "area_id": world.a.neighbourhood.pk,
            "kind": "course",
            "title": "智能手机课堂",
            "venue": "A一居活动室",
            "capacity": 1,
            "waitlist_limit": 1,
            "registration_opens_at": OPENS.isoformat(),
            "registration_closes_at": CLOSES.isoformat(),
            "sessions": [
                {"starts_at": FIRST.isoformat(), "ends_at": (FIRST + dt.timedelta(hours=2)).isoformat()}
            ],
            "publish": True,
        }
        created = client.post("/api/events/events", body, content_type="application/json", **organiser)
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        one = client.post(
            f"/api/events/events/{pk}/registrations",
            {"name": "郭慧", "phone": "13611112222"},
            content_type="application/json",
            **organiser,
        )
        two = client.post(
            f"/api/events/events/{pk}/registrations",
            {"name": "何磊", "phone": "13611113333"},
            content_type="application/json",
            **organiser,
        )
        full = client.post(
            f"/api/events/events/{pk}/registrations",
            {"name": "林芳", "phone": "13611114444"},
            content_type="application/json",
            **organiser,
        )
        assert (one.json()["status"], two.json()["status"]) == ("registered", "waitlisted")
        assert full.status_code == 409 and full.json()["code"] == "full"
        assert one.json()["phone"] == "136****2222"
        assert Registration.objects.count() == 2
        listed = client.get("/api/events/events", **bearer(world.b.users["leader"])).json()
        assert listed == []
    code = Registration.objects.get(pk=one.json()["id"]).code
    with time_machine.travel(FIRST, tick=False):
        checked = client.post(
            "/api/events/checkin",
            {"code": code},
            content_type="application/json",
            **bearer(world.a.users["gridworker"]),
        )
        assert checked.status_code == 200 and checked.json()["session_number"] == 1
        again = client.post(
            "/api/events/checkin",
            {"code": code},
            content_type="application/json",
            **bearer(world.a.users["gridworker"]),
        )
        assert again.status_code == 409 and set(again.json()) == {"code", "message", "details"}


def test_bad_event_gives_400_and_nothing(world, client):
    event = make_event(world)
    response = client.post(
        "/api/events/events",
        {
            "area_id": world.a.neighbourhood.pk,
            "kind": "course",
            "title": "",
            "venue": "x",
            "capacity": 5,
            "registration_opens_at": OPENS.isoformat(),
            "registration_closes_at": CLOSES.isoformat(),
            "sessions": [],
        },
        content_type="application/json",
        **bearer(world.a.users["neighbourhood"]),
    )
    assert response.status_code == 400 and "场次" in response.json()["message"]
    assert client.get(f"/api/events/events/{event.pk}", **bearer(world.a.users["auditor"])).status_code == 200
    forbidden = client.post(f"/api/events/events/{event.pk}/finish", **bearer(world.a.users["auditor"]))
    assert forbidden.status_code == 403
