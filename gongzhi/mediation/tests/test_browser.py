"""A mediator's main story in a real browser: register a neighbours' dispute, accept it, record
the mediation session, sign the agreement, and see it on the ledger. Screenshots to test-artifacts/."""

import pytest

from gongzhi.mediation.models import Dispute, Status
from gongzhi.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_form(page, action: str) -> None:
    page.locator(f"details:has(form[data-action={action}])").evaluate("d => d.open = true")


def test_register_accept_mediate_agree(world, live_server, browser, shot):
    base = live_server.url
    a = world.a
    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="zh-CN")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", a.users["neighbourhood"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/mediation/new/")
    page.select_option("select[name=area]", str(a.estate.pk))
    page.fill("input[name=title]", "楼上卫生间漏水")
    page.fill("textarea[name=matter]", "701 卫生间防水层老化，601 天花板渗水发霉，双方协商未果。")
    page.fill("input[name=applicant_name]", "张建华")
    page.fill("input[name=applicant_phone]", "13811112222")
    page.select_option("select[name=kind]", "leak")
    page.fill("input[name=respondent_name]", "刘美玲")
    shot(page, "mediation-01-register")
    page.click("#dispute-form button[type=submit]")
    page.wait_for_selector("#status")
    assert page.inner_text("#status") == "待受理"
    page.click("form[data-action=accept] button")
    page.wait_for_selector("text=已受理")
    open_form(page, "session")
    page.fill("form[data-action=session] input[name=place]", "A一居人民调解工作室")
    page.fill("form[data-action=session] input[name=attendees]", "张建华、刘美玲、调解员")
    page.fill("form[data-action=session] textarea[name=summary]", "双方同意由 701 重做防水。")
    page.click("form[data-action=session] button")
    page.wait_for_selector("text=调解中")
    shot(page, "mediation-02-session")
    open_form(page, "agree")
    page.fill("form[data-action=agree] textarea[name=terms]", "701 于一个月内重做防水并修复 601 天花板。")
    page.fill("form[data-action=agree] input[name=signed_by]", "张建华、刘美玲")
    page.click("form[data-action=agree] button")
    page.wait_for_selector("#agreement")
    shot(page, "mediation-03-agreement")
    dispute = Dispute.objects.get()
    assert dispute.status == Status.AGREED
    page.goto(f"{base}/mediation/")
    assert dispute.number in page.inner_text("#disputes")
    shot(page, "mediation-04-ledger")
