"""Setting care up on a phone: a neighbourhood manager gives an elder a primary carer (the shop
that sees them every day) on the 关爱安排 page, and the overdue map draws its circles with the
page's own script (Leaflet from static/vendor, no inline script); a tap on a circle lists the
people overdue there."""

import pytest
from django.utils import timezone

from gongzhi.care import services
from gongzhi.care.models import Assignment, Due, Recipient
from gongzhi.care.tests.conftest import Care
from gongzhi.care.tests.test_browser import staff_page, static_files  # noqa: F401 (fixture)
from gongzhi.registry import services as registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_assigns_a_shop_and_sees_the_overdue_map(browser, live_server, world, shot, static_files):  # noqa: F811
    Care(world)  # the elders of both subdistricts and their saved groups
    today = timezone.localdate()
    services.sync_population(today=today)
    services.generate_dues()
    shop = registry.create_organization(
        actor=None, area=world.a.neighbourhood, data={"name": "老山东水果店", "kind": "商户"}
    )
    elder = Recipient.objects.filter(subdistrict=world.a.subdistrict).order_by("pk").first()
    page = staff_page(browser, live_server, world.a.users["neighbourhood"])
    page.goto(f"{live_server.url}/care/people/{elder.pk}/plan/")
    form = page.locator("#role-primary form.assign-form")
    form.locator("select[name=kind]").select_option("unit")
    form.locator("select[name=assignee]").select_option(f"unit:{shop.pk}")
    form.locator("input[name=duties]").fill("每天开店时看一眼，没见到就打电话")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=结对已保存")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "care-plan-phone")
    primary = Assignment.objects.get(recipient=elder, role="primary", active=True)
    assert primary.organization == shop and primary.kind == "unit"
    # Make the elders overdue: their open dues were three days ago.
    Due.objects.filter(met_at__isnull=True).update(due_on=today - timezone.timedelta(days=3))
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/care/map/")
    page.wait_for_selector("#care-map path.care-overdue-point")
    assert page.locator("#care-map path.care-overdue-point").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    shot(page, "care-map-phone")
    # A tap on the circle lists the people overdue in that building below the map.
    page.locator("#care-map path.care-overdue-point").click()
    page.wait_for_selector("#care-map-people .care-map-people")
    assert page.locator("#care-map-people tbody tr").count() == 2
    assert elder.resident.name in page.locator("#care-map-people").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    shot(page, "care-map-people-phone")
