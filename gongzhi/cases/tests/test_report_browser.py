"""The resident's report in a real Chromium on a phone (issue 14): a photo is chosen, the map is
tapped outside the platform's areas, the error comes back with the photo still shown, a tap
inside and the case is filed with the photo, which the dispatcher sees on the case page.
Screenshots go to test-artifacts/screenshots/cases-report-*.png."""

import io

import pytest
from django.conf import settings as django_settings
from PIL import Image

from gongzhi.cases.models import Attachment, Case, PendingPhoto

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAP = """([lat, lng]) => {
  const map = document.getElementById('pick-map').gongzhiMap;
  const shown = document.body.dataset.tileGcj02 === '1' ? gongzhiCoords.wgs84ToGcj02(lat, lng) : [lat, lng];
  map.setView(shown, map.getZoom(), {animate: false});
  const point = map.latLngToContainerPoint(shown);
  return {x: point.x, y: point.y};
}"""


def tap(page, lat, lng):
    position = page.evaluate(TAP, [lat, lng])
    page.locator("#pick-map").click(position=position)
    page.wait_for_function(
        f"() => Math.abs(parseFloat(document.getElementById('id_lat').value) - {lat}) < 1e-4"
    )


def test_a_photo_survives_a_tap_outside_the_area(
    browser, live_server, world, client, shot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "corridor.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/public/report/")
    page.wait_for_function("() => document.getElementById('pick-map').gongzhiMap !== undefined")
    # The map opens on a subdistrict, not between the two.
    centre = page.evaluate("document.getElementById('pick-map').gongzhiMap.getCenter().lng")
    a = world.a.subdistrict
    assert abs(centre - a.centre_lng) < 0.01
    page.select_option("#id_category", str(world.category.pk))
    page.fill("#id_title", "楼道里堆满纸箱")
    page.fill("#id_description", "3号楼一楼楼道堆满纸箱，消防通道被堵。")
    page.fill("#id_reporter_phone", "13700001111")
    page.set_input_files("#id_photos", str(photo))
    tap(page, 31.21, 121.45)  # between the two subdistricts
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#form-error")
    assert "不在本平台管辖的区域内" in page.inner_text("#form-error")
    thumb = page.locator("#kept-photos img")
    assert thumb.count() == 1
    page.wait_for_function("() => document.querySelector('#kept-photos img').naturalWidth === 64")
    assert page.input_value("#id_title") == "楼道里堆满纸箱"
    shot(page, "cases-report-01-error-keeps-photo")

    tap(page, 31.2025, 121.4025)  # inside A一居
    with page.expect_navigation(timeout=60_000):
        page.click("#report-form button[type=submit]")
    page.wait_for_selector("#case-number, #form-error", timeout=60_000)
    if page.locator("#form-error").count():  # say why, rather than time out
        raise AssertionError(f"refused: {page.inner_text('#form-error')}")
    number = page.inner_text("#case-number").strip()
    case = Case.objects.get(number=number)
    assert case.area == world.a.neighbourhood or case.area.path.startswith(world.a.neighbourhood.path)
    attachment = Attachment.objects.get(case=case)
    assert attachment.width == 64 and PendingPhoto.objects.count() == 0
    shot(page, "cases-report-02-submitted")

    client.force_login(world.a.users["dispatcher"])
    staff = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    staff.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    case_page = staff.new_page()
    case_page.goto(f"{live_server.url}/cases/{number}/")
    image = case_page.locator(f'.photos img[src$="/photo/{attachment.pk}/"]')
    image.wait_for()
    case_page.wait_for_function(
        f"() => document.querySelector('.photos img[src$=\"/photo/{attachment.pk}/\"]').naturalWidth === 64"
    )
    shot(case_page, "cases-report-03-staff-case-photo")
    context.close()
    staff.close()
