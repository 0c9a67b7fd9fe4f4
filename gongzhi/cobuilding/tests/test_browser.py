"""The courier map in a real browser on a phone: filter "open now", open a place's card, report a
problem from it (the public case form with the place's point filled in), and the page still
shows the places with the network cut after the first load (the service worker). Screenshots go
to test-artifacts/."""

import contextlib
import socket

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from pytest_django.live_server_helper import LiveServer

from gongzhi.cases.models import Case
from gongzhi.cobuilding.models import Pairing, Place
from gongzhi.cobuilding.services import places

PHONE = {"width": 390, "height": 844}


class OneRequestHandler(QuietWSGIRequestHandler):
    """No keep-alive: once the server stops, no open connection can still answer."""

    def handle(self):
        self.close_connection = True
        self.handle_one_request()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)


class ClosingServerThread(LiveServerThread):
    def _create_server(self, connections_override=None):
        return self.server_class(
            (self.host, self.port),
            OneRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page = context.new_page()
    errors = []
    page.on(  # the browser's own favicon request is not the page's doing
        "console",
        lambda m: (
            errors.append(f"{m.text} {m.location['url']}")
            if m.type == "error" and not m.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return page, errors


def publish(world, **data):
    leader = world.a.users["leader"]
    place = places.nominate_place(actor=leader, lat=31.2012, lng=121.4012, address="A路 1 号", **data)
    places.verify_place(actor=leader, place=place)
    return places.publish_place(actor=leader, place=place)


def test_courier_map_on_a_phone(browser, live_server, world, net, shot):
    station = publish(
        world, kind="station", name="暖新巢", opening_hours="24/7", amenities=["water", "charging", "rest"]
    )
    publish(world, kind="merchant", name="歇业中的小店", opening_hours="Mo-Su off", amenities=["water"])
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation={"latitude": 31.2015, "longitude": 121.4015},
        permissions=["geolocation"],
        service_workers="allow",
    )
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/cobuilding/map/")
    page.wait_for_selector("body[data-places-loaded='2']")
    assert page.locator("#place-list li").count() == 2
    shot(page, "cobuilding-01-courier-map")

    page.check("#f-open")
    page.wait_for_function("() => document.querySelectorAll('#place-list li').length === 1")
    assert "暖新巢" in page.inner_text("#place-list")
    shot(page, "cobuilding-02-open-now")

    page.click("#place-list li")
    page.wait_for_selector("#place-card[open]")
    assert page.inner_text("#card-name") == "暖新巢"
    assert "24 小时" in page.inner_text("#card-open")
    assert "充电" in page.inner_text("#card-amenities")
    shot(page, "cobuilding-03-card")

    # Report a problem from the card: the case form opens with the place's point filled in.
    page.click("#card-problem")
    page.wait_for_selector("#report-form")
    assert page.input_value("#id_lat") == str(station.lat)
    assert "暖新巢" in page.input_value("#id_address")
    page.select_option("#id_category", str(world.category.pk))
    page.fill("#id_title", "暖新巢门口有人飞线充电")
    page.fill("#id_description", "驿站门口有人从窗口拉电线给电瓶车充电。")
    page.fill("#id_reporter_phone", "13912345678")
    shot(page, "cobuilding-04-problem-form")
    page.click("#report-form button[type=submit]")
    number = page.inner_text("#case-number").strip()
    case = Case.objects.get(number=number)
    assert case.lat == pytest.approx(station.lat) and "暖新巢" in case.address

    # Offline: after the first load the service worker keeps the page and the places. The map is
    # loaded from a server of its own, which is then stopped: the network is really gone
    # (the browser's offline switch does not reach a service worker's own fetches).
    server = LiveServer("localhost:0", start=False)
    server.thread.__class__ = ClosingServerThread
    server.start()
    try:
        offline = context.new_page()
        offline.goto(f"{server.url}/cobuilding/map/")
        offline.wait_for_selector("body[data-offline-ready='1']", timeout=15000)
        offline.reload()
        offline.wait_for_selector("body[data-places-loaded='2']")
        offline.wait_for_function("() => navigator.serviceWorker.controller !== null")
    finally:
        server.stop()
    context.set_offline(True)
    offline.reload()
    offline.wait_for_selector("body[data-places-loaded='2']", timeout=15000)
    assert offline.locator("#place-list li").count() == 2
    assert offline.evaluate("fetch('/healthz').then(() => 'online').catch(() => 'offline')") == "offline"
    assert offline.is_visible("#offline-note")
    shot(offline, "cobuilding-05-offline")
    context.close()


def test_nominating_a_place_with_the_map_picker(browser, live_server, world, shot):
    """A grid worker taps the place's spot on the map instead of typing coordinates: the picker
    (the project's gongzhi/map.js + pick.js, no inline script) fills WGS84 lat/lng."""
    page, errors = staff_page(browser, live_server, world.a.users["gridworker"])
    page.goto(f"{live_server.url}/cobuilding/places/")
    page.click("#place-new")
    page.wait_for_selector("#pick-map.leaflet-container")  # the CSP forbids eval: no wait_for_function
    assert page.input_value("#f-lat") == ""
    page.locator("#pick-map").click()  # the middle of the map: the user's area's centre
    lat, lng = float(page.input_value("#f-lat")), float(page.input_value("#f-lng"))
    page.fill("#f-name", "宜德饭堂")
    page.select_option("#f-kind", "merchant")
    page.fill("#f-address", "A路 8 号")
    page.fill("#f-opening_hours", "Mo-Su 10:30-21:00")
    shot(page, "cobuilding-06-place-picker")
    page.click("#cobuilding-form button[type=submit]")
    page.wait_for_url("**/cobuilding/places/*/")
    made = Place.objects.get()
    assert (made.lat, made.lng) == (pytest.approx(lat, abs=1e-6), pytest.approx(lng, abs=1e-6))
    assert made.area.path.startswith(world.a.subdistrict.path) and made.state == "nominated"
    assert errors == [], "\n".join(errors)
    page.context.close()


def test_creating_a_pairing_on_a_phone(browser, live_server, world, net, shot):
    page, errors = staff_page(browser, live_server, world.a.users["neighbourhood"])
    page.goto(f"{live_server.url}/cobuilding/pairings/")
    page.click("#pairing-new")
    page.wait_for_selector("#cobuilding-form")
    page.select_option("#f-unit", str(net.firm_a.pk))
    page.select_option("#f-area", str(world.a.neighbourhood.pk))
    page.select_option("#f-neighbourhood_party", str(net.party_a.pk))
    page.fill("#f-starts_on", "2026-03-01")
    page.fill("#f-ends_on", "2026-02-01")  # before the start: refused, what was typed kept
    page.fill("#f-plan", "每月一次为老助餐")
    page.click("#cobuilding-form button[type=submit]")
    page.wait_for_selector("#form-error")
    assert "结束日期须晚于开始日期" in page.inner_text("#form-error")
    assert page.input_value("#f-plan") == "每月一次为老助餐" and not Pairing.objects.exists()
    shot(page, "cobuilding-07-pairing-refused")
    assert all("422" in e and e.endswith("/cobuilding/pairings/new/") for e in errors)  # the refusal
    errors.clear()
    page.fill("#f-ends_on", "2028-02-28")
    page.click("#cobuilding-form button[type=submit]")
    page.wait_for_url("**/cobuilding/pairings/*/")
    made = Pairing.objects.get()
    assert (made.unit, made.area, made.plan) == (net.firm_a, world.a.neighbourhood, "每月一次为老助餐")
    assert "A科技有限公司" in page.inner_text("main")
    shot(page, "cobuilding-08-pairing-made")
    assert errors == [], "\n".join(errors)
    page.context.close()
