"""民生实事票决 in a real browser: a resident votes on a phone with a one-time code (the code
button is htmx), the leader closes the ballot, enters the paper ballots and publishes, and the
phone page shows the ranked result. Screenshots: test-artifacts/screenshots/ballot-*.png."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.cases import phonecodes
from gongzhi.participation import services
from gongzhi.participation.models import Ballot, BallotVote
from gongzhi.participation.tests.test_browser import code_after_click, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_votes_and_the_published_result_ranks_the_candidates(world, live_server, browser, shot):
    base = live_server.url
    leader = world.a.users["leader"]
    today = timezone.localdate()
    ballot = services.create_ballot(
        actor=leader,
        area=world.a.subdistrict,
        title="2027年民生实事项目票决",
        pick=2,
        opens_on=today,
        closes_on=today + dt.timedelta(days=7),
    )
    for title in ("老旧小区加装电梯", "口袋公园改造", "非机动车充电棚"):
        services.add_option(actor=leader, ballot=ballot, title=title, budget="300000")
    services.act_on_ballot(actor=leader, ballot=ballot, action="open")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone.goto(f"{base}/participation/p/ballots/{ballot.ref}/")
    phone.check("label.ballot-option:has-text('口袋公园改造') input")
    phone.check("label.ballot-option:has-text('非机动车充电棚') input")
    phone.fill("#vote-phone", "13700002222")
    code = code_after_click(
        phone, "#vote-code", "#vote-code-result", "13700002222", services.vote_purpose(ballot.ref)
    )
    phone.fill("#vote-code-input", code)
    shot(phone, "ballot-01-vote")
    phone.click("#vote-submit")
    phone.wait_for_selector("#voted")
    assert BallotVote.objects.filter(ballot=ballot).count() == 1
    assert phonecodes.last_code_for("13700002222", "") == code

    staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    login(staff, base, leader.username)
    staff.goto(f"{base}/participation/ballots/{ballot.pk}/")
    staff.click("#act-close button")
    staff.wait_for_selector("#paper")
    staff.fill("#paper input[name=paper_ballots]", "3")
    options = {o.title: o.pk for o in ballot.options.all()}
    staff.fill(f"#paper input[name=paper-{options['老旧小区加装电梯']}]", "3")
    staff.fill(f"#paper input[name=paper-{options['口袋公园改造']}]", "1")
    staff.click("#paper button[type=submit]")
    staff.wait_for_selector("#act-publish")
    staff.click("#act-publish button")
    staff.wait_for_selector("#ballot-result")
    shot(staff, "ballot-02-result-staff")
    assert Ballot.objects.get(pk=ballot.pk).status == "published"

    phone.goto(f"{base}/participation/p/ballots/{ballot.ref}/")
    result = phone.inner_text("#public-result")
    assert result.index("老旧小区加装电梯") < result.index("口袋公园改造") < result.index("非机动车充电棚")
    shot(phone, "ballot-03-result-phone")
