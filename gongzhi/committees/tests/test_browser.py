"""The neighbourhood secretary enters paper ballots on a phone and sees the double majority:
passed by headcount, not by area. Screenshots to test-artifacts/."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.committees import services
from gongzhi.committees.tests.helpers import dwellings
from gongzhi.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_enters_ballots_and_sees_the_double_majority(world, live_server, browser, shot):
    leader = world.a.users["leader"]
    committee = services.create_committee(actor=leader, area=world.a.estate)
    homes = dwellings(world.a.estate, ["60", "60", "60", "200"])
    today = timezone.localdate()
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="续聘物业服务企业",
        matter="ordinary",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=7),
    )
    secretary = world.a.users["neighbourhood"]
    base = live_server.url
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", secretary.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/committees/")
    page.click(f"text={committee.name}")
    shot(page, "committees-01-committee")
    page.click(f"text={vote.title}")
    for home, choice in zip(homes, ["for", "for", "for", "against"], strict=True):
        page.select_option("select[name=dwelling]", value=str(home.pk))
        page.fill("input[name=voter_name]", home.owner_name)
        page.check(f"input[name=choice][value={choice}]")
        page.click("#ballot-submit")
        page.wait_for_selector("text=已录入选票")
    shot(page, "committees-02-ballots")
    assert "人数过半但面积未过半" in page.inner_text("#verdict")
    page.click("text=结束并计票")
    page.wait_for_selector("text=已计票")
    shot(page, "committees-03-counted")
    vote.refresh_from_db()
    assert vote.result["passed_by_count"] and not vote.result["passed"]


def test_secretary_records_a_works_and_its_price_review_on_a_phone(world, live_server, browser, shot):
    from gongzhi.committees.models import Works
    from gongzhi.committees.tests.helpers import committee_in_term

    committee = committee_in_term(world.a, elected_on=timezone.localdate() - dt.timedelta(days=60))
    secretary = world.a.users["neighbourhood"]
    base = live_server.url
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", secretary.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/committees/{committee.pk}/")
    page.click("text=登记维修工程")
    page.fill("#works-form input[name=title]", "小区雨污水管道改造")
    page.fill("#works-form input[name=contractor]", "上海市政管网工程有限公司")
    page.fill("#works-form input[name=amount]", "186500")
    # paid from the public income: a maintenance-fund works would also need its owners' vote
    page.select_option("#works-form select[name=funding]", "public_income")
    page.click("#works-form button[type=submit]")
    page.wait_for_selector("text=已登记维修工程")
    page.click("#act-approve button[type=submit]")
    page.wait_for_selector("text=须先登记审价结果")
    shot(page, "committees-04-works-refused")
    page.fill("#act-review_price input[name=firm]", "上海建科工程造价咨询有限公司")
    page.fill("#act-review_price input[name=reviewed_amount]", "172300")
    page.click("#act-review_price button[type=submit]")
    page.wait_for_selector("#works-status:has-text('已审价')")
    page.click("#act-approve button[type=submit]")
    page.wait_for_selector("#works-status:has-text('已批准')")
    page.goto(f"{base}/committees/works/")
    shot(page, "committees-05-works-list")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    works = Works.objects.get()
    assert works.status == "approved" and str(works.reviewed_amount) == "172300.00"
