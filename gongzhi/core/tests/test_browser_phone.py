"""Staff pages on a phone (390×844, as grid workers use them) and once on a desktop: the header
folds its links behind 菜单, list tables become one card per row with each cell's column name, and
no page scrolls sideways. Screenshots go to test-artifacts/screenshots/phone-*.png."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from gongzhi.care import services as care
from gongzhi.cases.models import Source
from gongzhi.cases.services.intake import create_case
from gongzhi.events.tests.helpers import make_event
from gongzhi.registry import services as registry
from gongzhi.registry.tests.conftest import Reg, person_id
from gongzhi.visits import services as visits
from gongzhi.volunteers import services as volunteers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_NAME = "欧阳娜仁花·巴特尔"  # a name that a squeezed table column stacked one character per line
ORG_NAME = "上海市徐汇区湖南路街道社区卫生服务中心"

# (path, whether its list is a card table): the pages each role works from on its feet.
GRIDWORKER_PAGES = [
    ("/cases/", False),
    ("/visits/", True),
    ("/registry/", True),
    ("/registry/organizations/", True),
    ("/care/people/", True),
    ("/care/alerts/", True),
    ("/events/", True),
    ("/volunteers/", True),
]
DISPATCHER_PAGES = [
    ("/cases/", False),
    ("/cases/dashboard/", True),
    ("/cases/outbox/", False),
    ("/registry/", True),
    ("/registry/organizations/", True),
]


@pytest.fixture
def street(world):
    """One of each list's rows in subdistrict A, with long Chinese names."""
    a = world.a
    reg = Reg(world)
    long = registry.register_resident(
        actor=None,
        dwelling=reg.dwelling_a,
        data={"name": LONG_NAME, "id_number": person_id(3), "phone": "13900003333"},
    )
    visits.record_visit(
        actor=a.users["gridworker"],
        household=long.household,
        visited_on=timezone.localdate(),
        mode="door",
        findings="入户走访，老人独居，楼道有电动车飞线充电，已当场劝离并登记",
        met=long,
    )
    registry.create_organization(actor=None, area=a.neighbourhood, data={"name": ORG_NAME, "kind": "商户"})
    recipient = care.enrol(
        actor=a.users["neighbourhood"], resident=long, risk="high", reasons="独居，行动不便"
    )
    care.raise_alert(recipient=recipient, reason="overdue", key="phone-test", now=timezone.now())
    create_case(
        actor=a.users["gridworker"],
        category=world.category,
        title="楼道堆物影响消防通道通行",
        description="3号楼1单元楼道堆放纸箱和旧家具",
        source=Source.PATROL,
        area=a.grid,
    )
    volunteers.register_volunteer(actor=a.users["neighbourhood"], area=a.neighbourhood, name=LONG_NAME)
    make_event(world, title="夜校·沪剧入门（第二期）社区党群服务站")
    return world


def phone_page(browser, live_server, user, viewport=PHONE):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )
    return context.new_page()


def header_height(page) -> float:
    return page.evaluate("document.querySelector('header.topbar').getBoundingClientRect().height")


def check_phone_page(page, base: str, path: str, cards: bool, name: str, shot) -> None:
    response = page.goto(f"{base}{path}")
    assert response.status == 200, path
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{path} scrolls sideways"
    assert header_height(page) <= 80, path
    assert not page.is_visible("#nav-links"), path  # collapsed
    if cards:
        cells = page.evaluate(
            """() => [...document.querySelectorAll('main tbody tr:first-child td[data-label]')].map(td => ({
                label: td.dataset.label, width: td.getBoundingClientRect().width,
                first: td.querySelector('a') ? td.querySelector('a').getClientRects()[0].width : null}))"""
        )
        assert cells, f"{path}: no labelled cells"
        for cell in cells:
            assert cell["width"] >= 100, (path, cell)
        # The first cell's link (a name) starts on a line of its own width, not one character.
        assert cells[0]["first"] is None or cells[0]["first"] >= 40, (path, cells[0])
        # The header row is left to screen readers only: the column names are on the cells instead.
        assert page.evaluate("document.querySelector('main thead').getBoundingClientRect().height") <= 1, path
        label = page.evaluate(
            "getComputedStyle(document.querySelector('main td[data-label]'), '::before').content"
        )
        assert label.strip('"') == cells[0]["label"], path
    shot(page, f"phone-{name}")
    # The menu opens, every link in it lies inside the screen, and it closes again.
    page.click("#menu-button")
    assert page.is_visible("#nav-links"), path
    for box in page.evaluate(
        "[...document.querySelectorAll('#nav-links > li > a')].map(a => a.getBoundingClientRect().toJSON())"
    ):
        assert box["width"] > 0 and box["left"] >= 0 and box["right"] <= PHONE["width"], (path, box)
    page.click("#menu-button")
    assert not page.is_visible("#nav-links")


@pytest.mark.parametrize(
    ("role", "pages", "via_menu"),
    [("gridworker", GRIDWORKER_PAGES, "走访"), ("dispatcher", DISPATCHER_PAGES, "统计")],
    ids=["gridworker", "dispatcher"],
)
def test_staff_lists_on_a_phone(browser, live_server, street, shot, role, pages, via_menu):
    page = phone_page(browser, live_server, street.a.users[role])
    for path, cards in pages:
        name = f"{role}-{path.strip('/').replace('/', '-')}"
        check_phone_page(page, live_server.url, path, cards, name, shot)
    if role == "gridworker":  # the long name shows whole on the residents' cards
        page.goto(f"{live_server.url}/registry/")
        link = page.locator(f"main td[data-label] a:text-is('{LONG_NAME}')")
        assert link.evaluate("a => a.getClientRects().length") == 1
        assert link.bounding_box()["width"] > 5 * 12
    # A link in the open menu navigates.
    page.goto(f"{live_server.url}/cases/")
    page.click("#menu-button")
    shot(page, f"phone-{role}-menu-open")
    page.click(f"#nav-links > li > a:text-is('{via_menu}')")
    page.wait_for_load_state()
    assert page.url != f"{live_server.url}/cases/" and page.is_visible("main h1, main h2")
    assert not page.is_visible("#nav-links")  # a new page starts with the menu folded


def test_desktop_header_is_one_row_and_tables_stay_tables(browser, live_server, street, shot):
    for role in ("gridworker", "dispatcher"):
        page = phone_page(browser, live_server, street.a.users[role], viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/registry/")
        assert not page.is_visible("#menu-button") and page.is_visible("#nav-links")
        if role == "dispatcher":  # one row: brand, links and language (a grid worker's 20-odd links wrap)
            tops = page.evaluate(
                "[...document.querySelectorAll('header nav > ul > li')].map(li => li.getBoundingClientRect().top)"
            )
            assert max(tops) - min(tops) < 20, tops
        assert page.is_visible("main thead")
        assert (
            page.evaluate("getComputedStyle(document.querySelector('main tbody tr')).display") == "table-row"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        shot(page, f"desktop-{role}-registry")
