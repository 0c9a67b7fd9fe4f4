"""The events story in a real browser on phone-sized screens: a resident finds a night-school
course, registers with the one-time code, gets a QR code; at the door a grid worker opens the
QR's link on a phone and checks the resident in. Screenshots go to test-artifacts/."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.cases.phonecodes import last_code_for
from gongzhi.events import services
from gongzhi.events.models import Registration, RegistrationStatus
from gongzhi.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_register_on_a_phone_and_check_in_by_qr(world, live_server, browser, shot):
    base = live_server.url
    a = world.a
    now = timezone.now()
    event = services.create_event(
        actor=a.users["neighbourhood"],
        area=a.neighbourhood,
        kind="night_school",
        title="夜校·沪剧入门",
        description="12 次课，出勤 8 次及以上结业。",
        venue="A一居党群服务站二楼",
        capacity=20,
        waitlist_limit=5,
        min_age=18,
        max_age=55,
        registration_opens_at=now - dt.timedelta(hours=1),
        registration_closes_at=now + dt.timedelta(hours=1),
        sessions=[
            services.SessionSpec(
                now + dt.timedelta(minutes=30, weeks=w), now + dt.timedelta(hours=2, minutes=30, weeks=w)
            )
            for w in range(12)
        ],
        completion_sessions=8,
    )
    services.publish_event(event=event, actor=a.users["neighbourhood"])

    resident = browser.new_page(viewport=PHONE, locale="zh-CN")
    resident.goto(f"{base}/events/public/{a.subdistrict.pk}/")
    shot(resident, "events-01-public-list")
    resident.click("text=夜校·沪剧入门")
    resident.fill("input[name=name]", "吴静")
    resident.fill("input[name=phone]", "13712345678")
    resident.fill("input[name=birth_year]", str(timezone.localdate().year - 35))
    resident.click("#get-code")
    resident.wait_for_selector("input[name=code]")
    code = last_code_for("13712345678", f"event:{event.pk}")
    resident.fill("input[name=code]", code)
    shot(resident, "events-02-register-with-code")
    resident.click("#submit")
    resident.wait_for_selector("#qr svg")
    assert resident.inner_text("#reg-status") == "报名成功"
    shot(resident, "events-03-my-registration-qr")
    registration = Registration.objects.get(event=event)
    assert registration.code in resident.inner_text("#qr")

    door = browser.new_page(viewport=PHONE, locale="zh-CN")
    door.goto(f"{base}/accounts/login/")
    door.fill("input[name=username]", a.users["gridworker"].username)
    door.fill("input[name=password]", PASSWORD)
    door.click("#login-form button[type=submit]")
    door.wait_for_load_state()
    # The QR encodes this link: the phone's camera opens it.
    door.goto(f"{base}/events/checkin/{registration.code}/")
    shot(door, "events-04-door-scan")
    door.click("#confirm")
    door.wait_for_selector("#checked")
    shot(door, "events-05-checked-in")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert registration.attendances.count() == 1
