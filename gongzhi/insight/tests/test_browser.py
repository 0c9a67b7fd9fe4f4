"""In a real browser: the grid worker's weekly meeting (draft, decision, freeze), then the
command centre's cockpit at 1920×1080 with every panel filled, refreshed without a reload."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from gongzhi.cases.models import Rating
from gongzhi.insight import index, supervision
from gongzhi.insight.models import Decision, WeeklyReport
from gongzhi.insight.periods import monday_of
from gongzhi.insight.tests.helpers import closed_case, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(browser, live_server, user, viewport):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )
    return context.new_page()


@pytest.fixture
def static(settings):
    vendor = settings.BASE_DIR / "gongzhi" / "static"
    if vendor not in [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]:
        settings.STATICFILES_DIRS = [*getattr(settings, "STATICFILES_DIRS", []), vendor]


@pytest.fixture
def week(world):
    now = timezone.now()
    monday = monday_of(timezone.localdate())
    start = (
        timezone.make_aware(dt.datetime.combine(monday, dt.time(9)))
        if now.weekday()
        else now - dt.timedelta(hours=3)
    )
    closed_case(
        world,
        now=min(start, now - dt.timedelta(hours=2)),
        rating=Rating.UNSATISFIED,
        solved=False,
        step=dt.timedelta(minutes=5),
    )
    for i in range(6):
        report(
            world,
            now=now - dt.timedelta(hours=1 + i),
            lat=31.2005 + i * 3e-4,
            lng=121.4005,
            area=None,
            title=f"路灯不亮{i}",
        )
    index.compute_month(world.a.subdistrict, timezone.localdate())
    supervision.scan(subdistrict=world.a.subdistrict)
    return monday


def test_weekly_meeting_then_the_cockpit(browser, live_server, world, week, static, shot):
    page = page_for(browser, live_server, world.a.users["gridworker"], {"width": 390, "height": 844})
    page.goto(f"{live_server.url}/insight/")
    page.click("text=生成（刷新）本周各网格报告")
    page.click(f"#report-list a:has-text('{world.a.grid.name}')")
    page.wait_for_selector("[data-section=cases]")
    assert "本周新增" in page.content()
    page.fill("input[name=text]", "居委本周内排查路灯故障")
    page.select_option("select[name=kind]", "new_case")
    page.select_option("select[name=category]", str(world.category.pk))
    page.select_option("select[name=owner]", str(world.a.committee.pk))
    page.fill("input[name=due_on]", f"{week + dt.timedelta(days=6):%Y-%m-%d}")
    page.click("button:has-text('记录决定')")
    page.wait_for_selector("#decisions td:has-text('居委本周内排查路灯故障')")
    shot(page, "insight-weekly-report")
    page.click("#freeze")
    page.wait_for_selector("text=已定稿")
    report_ = WeeklyReport.objects.get(area=world.a.grid, week_start=week)
    assert report_.frozen and Decision.objects.get(report=report_).case.source == "meeting"

    wall = page_for(browser, live_server, world.a.users["leader"], {"width": 1920, "height": 1080})
    wall.goto(f"{live_server.url}/insight/cockpit/")
    for panel in ("rates", "map", "tiers", "hot", "alerts", "index", "extra"):
        wall.wait_for_selector(f"#p-{panel}[data-filled='1']", timeout=15000)
    assert int(wall.evaluate("document.body.dataset.points")) >= 6  # drawn on a canvas
    assert int(wall.locator("#alerts-body .big").inner_text()) >= 1
    first_ms = int(wall.evaluate("document.body.dataset.refreshMs"))
    wall.evaluate("window.cockpitRefresh()")
    wall.wait_for_function("() => document.body.dataset.refreshes === '2'")
    shot(wall, "insight-cockpit-1920x1080")
    assert first_ms < 5000
