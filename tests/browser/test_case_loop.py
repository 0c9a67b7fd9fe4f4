"""The whole case loop in a real browser, as people would work it: a resident reports on the
public page, the dispatcher dispatches to tier 1, the neighbourhood committee escalates, the
grid consultation decides, the department replies, the dispatcher verifies and closes, and the
resident rates 不满意, which reopens the case. Screenshots of each page go to test-artifacts/."""

import pytest

from gongzhi.cases.models import Case, Status
from gongzhi.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/cases/**")


def open_action(page, name: str) -> None:
    page.click(f"#action-{name} summary")


def submit_action(page, name: str) -> None:
    with page.expect_response(lambda r: f"/act/{name}/" in r.url, timeout=10000):
        page.click(f"#action-{name} button[type=submit]")
    try:
        page.wait_for_selector("#action-success", timeout=10000)
    except Exception:
        page.screenshot(path=f"test-artifacts/failed-{name}.png", full_page=True)
        raise


def test_resident_to_reopen(world, live_server, browser, shot):
    base = live_server.url
    a = world.a
    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="zh-CN")

    # A resident reports on a phone-sized screen.
    page.goto(f"{base}/public/report/")
    page.select_option("#id_category", label="飞线充电")
    page.fill("#id_title", "楼道里飞线给电瓶车充电")
    page.fill("#id_description", "5号楼一楼楼道每天晚上都有人从窗口拉电线给电瓶车充电，存在火灾隐患。")
    page.select_option("#id_area", label=f"A街道 · {a.neighbourhood.name}")
    page.fill("#id_address", "A小区5号楼")
    page.fill("#id_reporter_phone", "13912345678")
    page.fill("#id_reporter_name", "李阿姨")
    shot(page, "01-public-report")
    page.click("#report-form button[type=submit]")
    number = page.inner_text("#case-number").strip()
    shot(page, "02-public-submitted")
    case = Case.objects.get(number=number)
    assert case.status == Status.REPORTED

    staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    # The dispatcher dispatches to tier 1 (the neighbourhood committee, the default).
    login(staff, base, a.users["dispatcher"].username)
    shot(staff, "03-dispatcher-queue")
    assert number in staff.inner_text("#queue")
    staff.click(f"[data-number='{number}'] a")
    open_action(staff, "assign")
    staff.select_option("#id_assign-tier", "1")
    staff.select_option("#id_assign-unit", label=a.committee.name)
    staff.fill("#id_assign-note", "请居委先上门劝导")
    submit_action(staff, "assign")
    assert staff.inner_text("#case-status") == "处置中"
    shot(staff, "04-dispatched")

    # The neighbourhood committee escalates to a grid consultation.
    login(staff, base, a.users["neighbourhood"].username)
    staff.goto(f"{base}/cases/{number}/")
    open_action(staff, "escalate")
    staff.fill("#id_escalate-note", "涉及物业和城管，需网格会商")
    submit_action(staff, "escalate")
    assert "二级" in staff.inner_text("#case-tier")

    # The grid consultation decides: the department leads, the committee helps.
    open_action(staff, "consult")
    # Participants and co-handlers are searchable checkboxes grouped by the kind of unit.
    participants = staff.locator("#consult-participants")
    participants.locator("[data-unit-search]").fill(a.department.name)
    assert participants.get_by_label(a.committee.name, exact=True).is_hidden()
    participants.get_by_label(a.department.name, exact=True).check()
    participants.locator("[data-unit-search]").fill("")
    for unit in (a.committee, a.grid_station):
        participants.get_by_label(unit.name, exact=True).check()
    staff.select_option("#id_consult-lead_unit", label=a.department.name)
    staff.locator("#consult-co_units").get_by_label(a.committee.name, exact=True).check()
    staff.fill("#id_consult-note", "城管中队牵头拆除飞线，居委张贴告示并跟进。")
    submit_action(staff, "consult")
    assert staff.inner_text("#case-unit") == a.department.name
    shot(staff, "05-consultation")

    # The department replies.
    login(staff, base, a.users["handler"].username)
    staff.goto(f"{base}/cases/{number}/")
    open_action(staff, "reply")
    staff.fill("#id_reply-note", "已拆除飞线，并在楼道张贴安全告示。")
    submit_action(staff, "reply")
    assert staff.inner_text("#case-status") == "已反馈"
    shot(staff, "06-replied")

    # The dispatcher verifies on site and closes.
    login(staff, base, a.users["dispatcher"].username)
    staff.goto(f"{base}/cases/{number}/")
    open_action(staff, "verify")
    staff.check("#action-verify input[name='verify-passed'][value='1']")
    staff.fill("#id_verify-note", "现场复核，飞线已拆除。")
    submit_action(staff, "verify")
    open_action(staff, "close")
    submit_action(staff, "close")
    assert staff.inner_text("#case-status") == "已结案"
    shot(staff, "07-closed")

    # The resident finds the case and rates it 不满意: it reopens.
    page.goto(f"{base}/public/track/")
    page.fill("#id_number", number)
    page.fill("#id_phone_last4", "5678")
    page.click("#track-form button[type=submit]")
    assert page.inner_text("#public-status") == "已结案"
    page.check("#rating-form input[name=rating][value=unsatisfied]")
    page.check("#rating-form input[name=solved][value='0']")
    page.fill("#rating-form textarea[name=comment]", "晚上又有人拉线了")
    shot(page, "08-public-rating")
    page.click("#rating-form button[type=submit]")
    page.wait_for_selector("#rated")
    assert page.inner_text("#public-status") == "处置中"
    shot(page, "09-public-reopened")

    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.reopen_count == 1
    staff.goto(f"{base}/cases/{number}/")
    assert "重新打开" in staff.inner_text("#timeline")
    staff.goto(f"{base}/cases/outbox/")
    shot(staff, "10-outbox")
    assert number in staff.inner_text("#outbox")


def test_dispatcher_corrects_a_wrong_category(world, live_server, browser, shot):
    """A resident files a broken street light under 飞线充电; the dispatcher's 改类 puts it right,
    with the reason on the timeline, and the dispatch form then suggests the new category's unit."""
    from gongzhi.cases.models import Category

    a = world.a
    lights = Category.objects.create(
        code="0102",
        name="路灯不亮",
        parent=world.parent_category,
        default_unit_name=a.department.name,
        default_tier=3,
    )
    base = live_server.url
    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="zh-CN")
    page.goto(f"{base}/public/report/")
    page.select_option("#id_category", label="飞线充电")
    page.fill("#id_title", "小区门口路灯不亮")
    page.fill("#id_description", "A小区南门口的路灯已经三个晚上不亮了，老人晚上出门看不清台阶。")
    page.select_option("#id_area", label=f"A街道 · {a.neighbourhood.name}")
    page.fill("#id_reporter_phone", "13912345678")
    page.click("#report-form button[type=submit]")
    number = page.inner_text("#case-number").strip()

    staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    login(staff, base, a.users["dispatcher"].username)
    staff.goto(f"{base}/cases/{number}/")
    assert "飞线充电" in staff.inner_text("#case-category")
    open_action(staff, "reclassify")
    staff.select_option("#id_reclassify-category", label="路灯不亮")
    staff.fill("#id_reclassify-note", "反映的是路灯，不是飞线充电")
    shot(staff, "11-reclassify")
    submit_action(staff, "reclassify")
    assert "路灯不亮" in staff.inner_text("#case-category")
    timeline = staff.inner_text("#timeline")
    assert "改类" in timeline and "反映的是路灯，不是飞线充电" in timeline
    assert "改为“市容环境 / 路灯不亮”" in timeline
    shot(staff, "12-reclassified")
    assert Case.objects.get(number=number).category == lights
    open_action(staff, "assign")
    assert staff.input_value("#id_assign-tier") == "3"
    assert staff.input_value("#id_assign-unit") == str(a.department.pk)
