"""The courier map in a real browser on a phone: filter "open now", open a place's card, report a
problem from it (the public case form with the place's point filled in), and the page still
shows the places with the network cut after the first load (the service worker). Screenshots go
to test-artifacts/."""

import contextlib
import socket

import pytest
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from pytest_django.live_server_helper import LiveServer

from gongzhi.cases.models import Case
from gongzhi.cobuilding.services import places


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
