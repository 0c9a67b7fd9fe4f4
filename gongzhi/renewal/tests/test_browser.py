"""A cadre on the doorstep, on a phone: opens the project, finds a household that has not signed,
records its signature, and sees the project's figure move. Screenshots to test-artifacts/."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.renewal import services
from gongzhi.renewal.models import CertificateState
from gongzhi.renewal.tests.helpers import project_with
from gongzhi.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cadre_records_a_signature_and_the_figure_moves(world, live_server, browser, shot):
    project, certs = project_with(world.a, 8)
    leader = world.a.users["leader"]
    today = timezone.localdate()
    services.open_round(
        actor=leader,
        project=project,
        number=2,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=30),
    )
    for c in certs[:5]:
        services.respond(actor=leader, certificate=c, answer="signed", on=today - dt.timedelta(days=1))
    services.add_obstacle(actor=leader, certificate=certs[5], kind="valuation", note="对评估面积有异议")
    cadre = world.a.users["gridworker"]

    base = live_server.url
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", cadre.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/renewal/")
    page.click(f"text={project.name}")
    assert page.inner_text("#percent").strip() == "62.50%"
    assert "尚差 2 证" in page.inner_text("#figure")
    shot(page, "renewal-01-project")
    page.click(f"text={certs[5].number}")
    assert "补偿估价分歧" in page.content()
    shot(page, "renewal-02-certificate")
    page.click("#sign")
    page.wait_for_selector("text=已记录")
    assert page.inner_text("#state").strip() == "已签约"
    assert page.inner_text("#project-percent").strip() == "75.00%"
    shot(page, "renewal-03-signed")
    page.click(f"text={project.name}")
    assert page.inner_text("#percent").strip() == "75.00%"
    assert "尚差 1 证" in page.inner_text("#figure")  # 6 of 8 = 75%; the 85% line is 7 of 8
    certs[5].refresh_from_db()
    assert certs[5].state == CertificateState.SIGNED


def test_leader_creates_a_project_and_imports_the_households_on_a_phone(world, live_server, browser, shot):
    from gongzhi.renewal.models import Project
    from gongzhi.renewal.tests.helpers import GOOD, xlsx
    from gongzhi.territory.services import create_area

    create_area(code="A-E1-B3", name="3号楼", kind="building", parent=world.a.estate)
    rows = [row[:7] + ["", ""] for row in GOOD]  # no rooms or cadres: only the building is needed
    leader = world.a.users["leader"]
    base = live_server.url
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", leader.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/renewal/")
    page.click("#new-project summary")
    page.fill("input[name=name]", "")
    page.select_option("select[name=kind]", "lift")
    page.select_option("select[name=area]", label=f"小区 · {world.a.estate.name}（{world.a.estate.code}）")
    page.fill("input[name=name]", "A小区加装电梯")
    page.click("#create-project")
    page.wait_for_selector("#new-project-error")  # a lift is asked per building: the form says so
    assert "请选择一幢楼" in page.inner_text("#new-project-error")
    page.select_option("select[name=kind]", "old_area")
    page.fill("input[name=name]", "A小区旧区改造")
    page.click("#create-project")
    page.wait_for_selector("#import-button")
    project = Project.objects.get()
    assert project.name == "A小区旧区改造" and page.url.endswith(f"/renewal/{project.pk}/")
    shot(page, "renewal-04-created")

    bad = [rows[0], ["", "产权证", "9号楼", "王芳", 1, 1, 1, "", ""]]
    page.set_input_files(
        "input[name=file]", {"name": "bad.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx(bad)}
    )
    page.click("#import-button")
    page.wait_for_selector("#import-errors")
    errors = page.inner_text("#import-errors")
    assert "第 3 行" in errors and "证号" in errors and "楼栋" in errors
    assert not project.certificates.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "renewal-05-import-errors")

    page.set_input_files(
        "input[name=file]",
        {"name": "good.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx(rows)},
    )
    page.click("#import-button")
    page.wait_for_selector("text=新增 3 证")
    assert page.locator("#register tbody tr").count() == 3
    assert "张建国、李秀英" in page.inner_text("#register")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "renewal-06-imported")
    assert project.certificates.count() == 3
