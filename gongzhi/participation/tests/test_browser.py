"""The main story in a real browser on a phone: a resident submits a suggestion with a one-time
code, a moderator approves it, another resident supports it, staff turn it into a deliberation
topic, the meeting resolves it into tasks, and the public board shows the tasks with one closed.
Screenshots go to test-artifacts/screenshots/participation-*.png."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.cases import phonecodes
from gongzhi.participation import services
from gongzhi.participation.models import Suggestion, SuggestionStatus
from gongzhi.participation.tests.helpers import campaign
from gongzhi.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def code_after_click(page, button: str, result: str, phone: str, purpose: str) -> str:
    page.click(button)
    page.wait_for_selector(f"{result} .code-result")
    assert "已发送" in page.inner_text(result)
    return phonecodes.last_code_for(phone, purpose)


def test_suggestion_to_closed_task_on_the_board(world, live_server, browser, shot):
    base = live_server.url
    a = world.a
    camp = campaign(world, threshold=1)
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)

    # A resident submits on the campaign page with a one-time code.
    phone.goto(f"{base}/participation/p/campaigns/{camp.pk}/")
    shot(phone, "participation-01-campaign")
    phone.click("#suggest-link")
    phone.select_option("#id_area", label=a.neighbourhood.name)
    phone.fill("#id_title", "3号楼东侧增设充电棚")
    phone.fill("#id_body", "楼下十几辆电瓶车每晚飞线充电，建议在东侧空地建充电棚。我的电话13812345678。")
    phone.fill("#id_phone", "13912345678")
    code = code_after_click(phone, "#send-code", "#code-result", "13912345678", services.SUGGEST_PURPOSE)
    phone.fill("#id_code", code)
    shot(phone, "participation-02-suggest-form")
    phone.click("#submit")
    phone.wait_for_selector("#submitted")
    assert phone.inner_text("#status") == "待审核"
    shot(phone, "participation-03-submitted")
    suggestion = Suggestion.objects.get()
    assert "3号楼东侧" not in phone.inner_text("main")  # nothing public before approval

    # The neighbourhood secretary approves it on the staff page.
    staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    login(staff, base, a.users["neighbourhood"].username)
    staff.goto(f"{base}/participation/suggestions/{suggestion.pk}/")
    staff.click("#act-approve summary")
    staff.click("#act-approve button[type=submit]")
    staff.wait_for_selector("text=公开征集中")
    shot(staff, "participation-04-approved")

    # Another resident supports it; the threshold (1) moves it to triage.
    phone.goto(f"{base}/participation/p/s/{suggestion.ref}/")
    body = phone.inner_text("#public-body")
    assert "3号楼东侧" in phone.inner_text("main") and "13812345678" not in body and "[电话已隐去]" in body
    phone.click("#support-box summary")
    phone.fill("#support-phone", "13700001111")
    code = code_after_click(
        phone,
        "#support-code",
        "#support-code-result",
        "13700001111",
        services.support_purpose(suggestion.ref),
    )
    phone.fill("#support-code-input", code)
    phone.click("#support-submit")
    phone.wait_for_selector("#supported")
    assert "感谢附议" in phone.inner_text("#supported")
    shot(phone, "participation-05-supported")
    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.TRIAGE

    # Staff turn it into a deliberation topic.
    staff.goto(f"{base}/participation/suggestions/{suggestion.pk}/")
    staff.click("#act-to_topic summary")
    staff.click("#act-to_topic button[type=submit]")
    staff.wait_for_selector("text=已转议题")
    topic = Suggestion.objects.get(pk=suggestion.pk).topic
    phone.goto(f"{base}/participation/p/s/{suggestion.ref}/")
    assert "已列为议事议题" in phone.inner_text("#topic")
    shot(phone, "participation-06-triaged-to-topic")

    # The council meets (three days' notice), votes and resolves; the tasks go on the list.
    lead = a.users["neighbourhood"]
    before = timezone.now() - dt.timedelta(days=10)
    services.act_on_topic(actor=lead, topic=topic, action="screen", note="涉及全楼居民安全", now=before)
    meeting = services.schedule_meeting(
        actor=lead,
        area=a.neighbourhood,
        topic=topic,
        spec=services.MeetingSpec(title="充电棚议事会", starts_at=before + dt.timedelta(days=4), eligible=5),
        now=before,
    )
    for name in ["张阿姨", "李师傅", "王老师", "赵先生"]:
        services.sign_in(meeting=meeting, name=name, method="worker_tick", actor=lead)
    services.record_motion(actor=lead, meeting=meeting, text_="在东侧空地建充电棚", yes=4)
    services.hold_meeting(actor=lead, meeting=meeting)
    services.publish_minutes(actor=lead, meeting=meeting, minutes="4 人到会，一致同意建设充电棚。")
    first, second = services.resolve_topic(
        actor=lead,
        topic=topic,
        resolution="在3号楼东侧建设充电棚，物业负责日常管理。",
        tasks=[
            services.TaskSpec(title="充电棚选址公示", owner=a.committee),
            services.TaskSpec(title="充电棚施工", owner=a.department),
        ],
    )
    services.act_on_item(actor=lead, item=first, action="finish")
    staff.goto(f"{base}/participation/items/{first.pk}/")
    staff.click("#act-verify summary")
    staff.fill("#act-verify input[name=note]", "楼组长和居民代表现场确认")
    staff.click("#act-verify button[type=submit]")
    staff.wait_for_selector("text=居民已验收")
    staff.click("#act-close summary")
    staff.click("#act-close button[type=submit]")
    staff.wait_for_selector("#status >> text=已销项")
    shot(staff, "participation-07-task-closed")

    # The public board shows both tasks, one closed, and the share closed.
    phone.goto(f"{base}/participation/p/board/{a.subdistrict.pk}/")
    board = phone.inner_text("#board")
    assert "充电棚选址公示" in board and "充电棚施工" in board and "已销项" in board
    assert phone.inner_text("#closed-share") == "50%"
    shot(phone, "participation-08-public-board")
