"""A grid worker's visit in a real browser: from the resident card to the visit form, two
problems entered (the second block added with htmx), a photo taken, saved, and the two cases
and the photo shown. Screenshot: test-artifacts/screenshots/visits-with-photo.png."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from PIL import Image

from gongzhi.visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium(browser):
    # One Chromium for the whole suite (root conftest): Playwright's sync API allows one loop.
    return browser


def logged_in_page(browser, live_server, user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    )  # a phone, in Chinese
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )
    return context.new_page()


def test_gridworker_visit_raises_two_cases_in_the_browser(
    chromium, live_server, reg, settings, shot, tmp_path
):
    vendor = settings.BASE_DIR / "gongzhi" / "static"
    if vendor not in [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]:
        settings.STATICFILES_DIRS = [
            *getattr(settings, "STATICFILES_DIRS", []),
            vendor,
        ]  # htmx for the live server
    page = logged_in_page(chromium, live_server, reg.world.a.users["gridworker"])
    page.goto(f"{live_server.url}/registry/residents/{reg.resident_a.pk}/")
    page.click("text=登记走访")
    page.fill("textarea[name=findings]", "入户走访，老人独居，楼道有飞线充电")
    photo = tmp_path / "corridor.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    page.set_input_files("input[name=photos]", str(photo))
    page.select_option("select[name=case-0-category]", str(reg.world.category.pk))
    page.fill("input[name=case-0-title]", "楼道飞线充电")
    page.fill("textarea[name=case-0-description]", "3楼楼道")
    page.click("text=再添加一个问题")
    page.wait_for_selector("select[name=case-1-category]")
    page.select_option("select[name=case-1-category]", str(reg.world.category.pk))
    page.fill("input[name=case-1-title]", "单元门口飞线")
    page.fill("textarea[name=case-1-description]", "1楼")
    page.click("button[type=submit]:has-text('保存走访')")
    page.wait_for_selector("#visit-cases")
    assert page.locator("#visit-cases li").count() == 2
    page.wait_for_function("() => document.querySelector('#visit-photos img').naturalWidth === 64")
    shot(page, "visits-with-photo")
    visit = Visit.objects.get()
    assert visit.cases.count() == 2 and visit.visitor == reg.world.a.users["gridworker"]
    assert visit.photos.count() == 1
