"""Care and 志愿+ in a real browser on a phone: a grid worker's morning round (three check-ins,
one "not reached" on a high-risk elder that raises an alert the neighbourhood committee sees),
and a volunteer scanning in and out of an activity and redeeming a reward."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from gongzhi.care import services
from gongzhi.care.models import Alert, CheckIn, Recipient, Risk
from gongzhi.care.tests.conftest import Care
from gongzhi.cases import phonecodes
from gongzhi.volunteers import ledger
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import Redemption, Scenario, Signup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def static_files(settings):
    vendor = settings.BASE_DIR / "gongzhi" / "static"
    if vendor not in [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]:
        settings.STATICFILES_DIRS = [*getattr(settings, "STATICFILES_DIRS", []), vendor]


def staff_page(browser, live_server, user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )
    return context.new_page()


def test_grid_workers_morning_round(browser, live_server, world, shot, static_files):
    care = Care(world)
    today = timezone.localdate()
    services.save_group(
        actor=world.a.users["leader"],
        area=world.a.subdistrict,
        name="独居老人",
        tags=[care.alone_a],
        min_age=60,
        group=care.group_a,
    )
    services.sync_population(today=today)
    services.generate_dues()
    a_elders = list(Recipient.objects.filter(subdistrict=world.a.subdistrict).order_by("pk"))
    assert len(a_elders) == 3
    services.set_risk(
        actor=world.a.users["leader"], recipient=a_elders[2], risk=Risk.HIGH, reasons="独居、心脏病史"
    )

    page = staff_page(browser, live_server, world.a.users["gridworker"])
    page.goto(f"{live_server.url}/care/")
    shot(page, "care-01-round")
    outcomes = {a_elders[0].pk: "well", a_elders[1].pk: "well", a_elders[2].pk: "not_reached"}
    for n, elder in enumerate(a_elders, start=1):
        page.goto(f"{live_server.url}/care/")
        page.click(f"a[href='/care/people/{elder.pk}/#check-in']")
        page.check("input[name=mode][value=visit]")
        page.check(f"input[name=outcome][value={outcomes[elder.pk]}]")
        page.fill(
            "input[name=note]",
            "敲门无人应答" if outcomes[elder.pk] == "not_reached" else "精神不错，血压正常",
        )
        shot(page, f"care-0{n + 1}-check-in")
        page.click("#check-in button[type=submit]")
        page.wait_for_selector("text=已记录")
    assert "已向居委和备岗发出预警" in page.inner_text("main")
    shot(page, "care-05-round-done")
    assert CheckIn.objects.count() == 3
    alert = Alert.objects.get()
    assert alert.recipient == a_elders[2] and alert.reason == "high_risk"

    committee = staff_page(browser, live_server, world.a.users["neighbourhood"])
    committee.goto(f"{live_server.url}/care/alerts/")
    assert a_elders[2].resident.name in committee.inner_text("main")
    shot(committee, "care-06-neighbourhood-sees-alert")
    committee.click(f"a[href='/care/alerts/{alert.pk}/']")
    committee.fill("textarea[name=resolution]", "已上门，老人在卫生间没听到敲门，一切正常")
    committee.click("form:has(textarea[name=resolution]) button[type=submit]")
    committee.wait_for_selector("text=已处理")
    shot(committee, "care-07-alert-closed")
    alert.refresh_from_db()
    assert alert.state == "closed"


def test_volunteer_scans_in_and_out_and_redeems(browser, live_server, world, shot, static_files):
    a = world.a
    manager = a.users["neighbourhood"]
    volunteer = volunteer_services.register_volunteer(
        actor=manager, area=a.neighbourhood, name="张阿姨", phone="13800000001"
    )
    scenario = Scenario.objects.create(subdistrict=a.subdistrict, name="助老")
    now = timezone.now()
    # Last week's activity, credited: 2 hours at 10 points.
    past = volunteer_services.create_opportunity(
        actor=manager,
        area=a.neighbourhood,
        scenario=scenario,
        title="上周送餐",
        place="社区食堂",
        starts_at=now - dt.timedelta(days=7),
        ends_at=now - dt.timedelta(days=7) + dt.timedelta(hours=2),
        slots=5,
    )
    signup = volunteer_services.apply(
        volunteer=volunteer, opportunity=past, now=past.starts_at - dt.timedelta(days=1)
    )
    volunteer_services.act(
        actor=manager, signup=signup, action="confirm", now=past.starts_at - dt.timedelta(days=1)
    )
    volunteer_services.check_in(volunteer=volunteer, code=past.code, now=past.starts_at)
    volunteer_services.check_out(volunteer=volunteer, code=past.code, now=past.ends_at)
    volunteer_services.act(actor=manager, signup=signup, action="verify", now=past.ends_at)
    volunteer_services.act(actor=manager, signup=signup, action="credit", now=past.ends_at)
    assert ledger.balance(volunteer) == 20
    today = volunteer_services.create_opportunity(
        actor=manager,
        area=a.neighbourhood,
        scenario=scenario,
        title="楼道清理",
        place="A小区",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=2),
        slots=5,
    )
    signup = volunteer_services.apply(volunteer=volunteer, opportunity=today)
    volunteer_services.act(actor=manager, signup=signup, action="confirm")
    reward = volunteer_services.create_reward(
        actor=manager, area=a.neighbourhood, name="洗衣液", points=20, stock=1
    )

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/volunteers/scan/{today.code}/")  # what the QR code opens
    page.fill("input[name=phone]", "13800000001")
    page.click("main form button[type=submit]")
    page.fill("input[name=code]", phonecodes.last_code_for("13800000001", "volunteer:login"))
    shot(page, "volunteer-01-sign-in")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=楼道清理")
    page.click("form:has(input[value=check_in]) button")
    assert "签到成功" in page.inner_text("main")
    shot(page, "volunteer-02-checked-in")
    page.click("form:has(input[value=check_in]) button")  # scanned twice
    assert "无需重复扫码" in page.inner_text("main")
    shot(page, "volunteer-03-duplicate-scan")
    page.click("form:has(input[value=check_out]) button")
    assert "签退成功" in page.inner_text("main")
    shot(page, "volunteer-04-checked-out")
    assert Signup.objects.get(pk=signup.pk).state == "completed"
    page.goto(f"{live_server.url}/volunteers/me/")
    assert "积分 20" in page.inner_text("#balance")
    page.click(f"button[name=reward][value='{reward.pk}']")
    assert "兑换成功" in page.inner_text("main")
    shot(page, "volunteer-05-redeemed")
    assert ledger.balance(volunteer) == 0 and Redemption.objects.filter(volunteer=volunteer).count() == 1
