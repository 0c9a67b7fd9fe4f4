import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.accounts.models import Notice
from gongzhi.cases import phonecodes, selectors, services
from gongzhi.cases.models import Case, CaseFollower, OutboundMessage, Rating, Status
from gongzhi.cases.sweep import sweep
from gongzhi.cases.tests.helpers import assigned_case, public_report


def public_post(client, world, **overrides):
    data = {
        "category": world.category.pk,
        "title": "小区门口路灯不亮",
        "description": "3号门口的路灯坏了一个星期，晚上很黑。",
        "area": world.a.neighbourhood.pk,
        "address": "A小区3号门",
        "reporter_phone": "13700001111",
        "reporter_name": "张先生",
    }
    data.update(overrides)
    return client.post("/public/report/", data)


def test_public_report_page_files_a_case(world, client):
    response = public_post(client, world)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.area == world.a.neighbourhood and case.source == "web"
    done = client.get(response["Location"])
    assert case.number in done.content.decode()


def test_public_report_with_bad_phone_changes_nothing(world, client):
    response = public_post(client, world, reporter_phone="12345")
    assert response.status_code == 422
    assert "手机号码格式不正确" in response.content.decode()
    assert Case.objects.count() == 0


def test_public_report_without_category_is_explained(world, client):
    response = public_post(client, world, category="")
    assert response.status_code == 422 and Case.objects.count() == 0
    assert "这个字段是必填项" in response.content.decode()


def test_track_needs_matching_last_four(world, client):
    case = public_report(world)
    wrong = client.post("/public/track/", {"number": case.number, "phone_last4": "0000"})
    assert wrong.status_code == 404 and "手机号后四位不符" in wrong.content.decode()
    right = client.post("/public/track/", {"number": case.number, "phone_last4": "5678"})
    body = right.content.decode()
    assert right.status_code == 200 and case.title in body
    assert "13812345678" not in body and "a_dispatcher" not in body


def test_tracking_is_by_post_and_never_from_the_url(world, client):
    """The number and the last four digits are not sent in the URL (GET): a link only fills in
    the number, and the form posts."""
    case = public_report(world)
    page = client.get("/public/track/", {"number": case.number, "phone_last4": "5678"})
    body = page.content.decode()
    assert page.status_code == 200 and case.title not in body and 'id="tracked-case"' not in body
    assert 'method="post" id="track-form"' in body and f'value="{case.number}"' in body


def test_rating_form_only_when_closed(world, client):
    case = assigned_case(world)
    page = client.post("/public/track/", {"number": case.number, "phone_last4": "5678"})
    assert "rating-form" not in page.content.decode()
    post = client.post(
        "/public/track/", {"number": case.number, "phone_last4": "5678", "rating": "satisfied", "solved": "1"}
    )
    assert post.status_code == 409
    case.refresh_from_db()
    assert case.rating == ""


def test_staff_intake_from_a_visit(world, client):
    client.force_login(world.a.users["gridworker"])
    response = client.post(
        "/cases/new/",
        {
            "source": "patrol",
            "category": world.category.pk,
            "title": "共享单车堆放",
            "description": "地铁口共享单车乱停放堵住盲道",
            "area": world.a.grid.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reported_by == world.a.users["gridworker"] and case.source == "patrol"


def test_staff_intake_outside_scope_refused(world, client):
    client.force_login(world.a.users["gridworker"])
    response = client.post(
        "/cases/new/",
        {
            "source": "patrol",
            "category": world.category.pk,
            "title": "x",
            "description": "y",
            "area": world.b.grid.pk,
        },
    )
    assert response.status_code == 422 and Case.objects.count() == 0


def test_action_with_bad_input_changes_nothing(world, client):
    case = assigned_case(world)
    client.force_login(world.a.users["neighbourhood"])
    version = case.version
    response = client.post(
        f"/cases/{case.number}/act/reply/", {"reply-note": "", "version": version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.version == version and case.status == Status.ASSIGNED


def test_stale_version_is_a_conflict(world, client):
    case = assigned_case(world)
    client.force_login(world.a.users["neighbourhood"])
    response = client.post(
        f"/cases/{case.number}/act/reply/",
        {"reply-note": "已处理", "version": case.version - 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()


def test_htmx_action_returns_the_case_body(world, client):
    case = assigned_case(world)
    client.force_login(world.a.users["neighbourhood"])
    response = client.post(
        f"/cases/{case.number}/act/reply/",
        {"reply-note": "已劝导整改", "version": case.version},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="case-status"' in body and "<html" not in body
    assert "已反馈" in body


def test_queue_keyset_pages_and_constant_queries(world, client):
    for _ in range(30):
        assigned_case(world)
    dispatcher = world.a.users["dispatcher"]
    first, cursor = selectors.queue(dispatcher, selectors.QueueFilters(), limit=25)
    second, end = selectors.queue(dispatcher, selectors.QueueFilters(), after=cursor, limit=25)
    assert len(first) == 25 and len(second) == 5 and end == ""
    assert not {c.pk for c in first} & {c.pk for c in second}
    client.force_login(dispatcher)
    client.get("/cases/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/cases/?view=all").status_code == 200
    few = len(queries)
    for _ in range(10):
        assigned_case(world)
    with CaptureQueriesContext(connection) as queries:
        client.get("/cases/?view=all")
    assert len(queries) == few  # no query per row


def test_bad_cursor_is_a_clear_error(world, client):
    client.force_login(world.a.users["dispatcher"])
    response = client.get("/cases/?after=!!!")
    assert response.status_code == 200 and "分页参数无效" in response.content.decode()


def test_assignment_notifies_the_unit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = assigned_case(world)
    notice = Notice.objects.get(user=world.a.users["neighbourhood"])
    assert notice.kind == "assigned" and case.number in notice.title


def test_overdue_sweep_notifies_once(world, django_capture_on_commit_callbacks):
    case = assigned_case(world, tier=3, unit=world.a.department)
    later = timezone.now() + dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=later)
    case.refresh_from_db()
    assert case.overdue and case.tier == 3
    assert Notice.objects.filter(user=world.a.users["handler"], kind="overdue").count() == 1


def test_merge_tells_both_reporters(world, django_capture_on_commit_callbacks):
    master = public_report(world)
    duplicate = public_report(world, reporter_phone="13900002222")
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_case(case=duplicate, master=master, actor=world.a.users["dispatcher"])
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.master == master
    merged = OutboundMessage.objects.filter(kind="merged")
    assert {m.to for m in merged} == {"13812345678", "13900002222"}


def test_outbox_masks_phone_for_non_dispatchers(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        public_report(world)
    client.force_login(world.a.users["dispatcher"])
    assert "13812345678" in client.get("/cases/outbox/").content.decode()
    client.force_login(world.a.users["auditor"])
    body = client.get("/cases/outbox/").content.decode()
    assert "138****5678" in body and "13812345678" not in body
    client.force_login(world.b.users["dispatcher"])
    assert "5678" not in client.get("/cases/outbox/").content.decode()
    client.force_login(world.admin)  # separation of duties: no case content for the administrator
    assert client.get("/cases/outbox/").status_code == 403


def test_dashboard_rates(world, client):
    a = world.a
    for rating, solved in ((Rating.SATISFIED, True), (Rating.BASICALLY, True), (Rating.UNSATISFIED, False)):
        case = assigned_case(world)
        services.reply_case(case=case, actor=a.users["neighbourhood"], text="已处理")
        services.verify_case(case=case, actor=a.users["dispatcher"], passed=True, note="复核")
        services.close_case(case=case, actor=a.users["dispatcher"])
        services.rate_case(case=case, rating=rating, solved=solved)
    client.force_login(a.users["leader"])
    response = client.get("/cases/dashboard/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "66.7%" in body  # satisfaction (2 of 3) and resolution (2 of 3)
    assert "100.0%" in body  # every case was responded to in time
    assert "响应率 = " in body
    client.force_login(a.users["handler"])
    assert client.get("/cases/dashboard/").status_code == 403


def test_english_is_switchable(world, client):
    client.force_login(world.a.users["dispatcher"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    body = client.get("/cases/").content.decode()
    assert 'lang="en"' in body
    assert "Overdue and due-soon cases first." in body and "工作台" not in body


def test_public_outlines_have_names_only(world, client):
    data = client.get("/public/areas.geojson").json()
    names = {f["properties"]["name"] for f in data["features"]}
    assert world.a.neighbourhood.name in names and world.a.subdistrict.name in names
    assert world.a.grid.name not in names
    assert all(set(f["properties"]) == {"id", "name", "kind"} for f in data["features"])


def test_resident_follows_instead_of_filing_again(world, client, django_capture_on_commit_callbacks):
    case = assigned_case(world)
    url = f"/public/follow/{case.number}/"
    asked = client.post(url, {"phone": "13600003333"})
    assert asked.status_code == 200 and "验证码已发送" in asked.content.decode()
    code = phonecodes.last_code_for("13600003333", f"follow:{case.number}")
    response = client.post(url, {"phone": "13600003333", "code": code})
    assert response.status_code == 200 and "已关注" in response.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        client.post(url, {"phone": "13600003333"})
        code = phonecodes.last_code_for("13600003333", f"follow:{case.number}")
        again = client.post(url, {"phone": "13600003333", "code": code})
    assert "已经关注" in again.content.decode()
    assert client.post(f"/public/follow/{case.number}/", {"phone": "123"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_case(case=case, actor=world.a.users["neighbourhood"], text="已拆除飞线")
    told = set(OutboundMessage.objects.filter(case=case, kind="replied").values_list("to", flat=True))
    assert told == {"13812345678", "13600003333"}
    assert Case.objects.count() == 1  # nobody filed a duplicate


def test_follow_needs_the_code_sent_to_that_phone(world, client):
    """Issue 12: a POST subscribed any phone number without confirmation."""
    case = assigned_case(world)
    url = f"/public/follow/{case.number}/"
    client.post(url, {"phone": "13600003333"})
    assert not CaseFollower.objects.exists()  # asking for a code follows nothing
    wrong = client.post(url, {"phone": "13600003333", "code": "000000"})
    assert wrong.status_code == 400 and "验证码" in wrong.content.decode()
    other = phonecodes.last_code_for("13600003333", f"follow:{case.number}")
    assert client.post(url, {"phone": "13900009999", "code": other}).status_code == 400  # not that phone's
    assert not CaseFollower.objects.exists()


def test_closed_case_cannot_be_followed(world, client):
    case = public_report(world)
    services.reject_case(case=case, actor=world.a.users["dispatcher"], reason="不属于受理范围")
    response = client.post(f"/public/follow/{case.number}/", {"phone": "13600003333"})
    assert response.status_code == 400 and "已办结" in response.content.decode()


@pytest.mark.parametrize(("phone", "masked"), [("13812345678", "138****5678"), ("62345678", "****5678")])
def test_reporter_phone_is_one_rule_on_the_case_page_and_the_outbox(
    world, client, django_capture_on_commit_callbacks, phone, masked
):
    """The registry's masking helper decides the mask everywhere (a fixed line keeps only its last
    four: 623****5678 showed all eight digits); `outbox.phone` decides who sees the number in full."""
    with django_capture_on_commit_callbacks(execute=True):
        case = public_report(world, reporter_phone=phone)
    for role, shown in (
        ("dispatcher", phone),
        ("auditor", masked),
        ("leader", masked),
        ("gridworker", masked),
    ):
        client.force_login(world.a.users[role])
        page = client.get(f"/cases/{case.number}/").content.decode()
        assert f'<span id="reporter-phone">{shown}</span>' in page, role
        if role != "dispatcher":
            assert phone not in page, role
        outbox = client.get("/cases/outbox/")
        if outbox.status_code == 200:
            body = outbox.content.decode()
            assert shown in body and (role == "dispatcher" or phone not in body), role


def _closed_case(world):
    case = assigned_case(world)
    a = world.a
    services.reply_case(case=case, actor=a.users["neighbourhood"], text="已清理楼道杂物")
    services.verify_case(case=case, actor=a.users["dispatcher"], passed=True, note="复核")
    return services.close_case(case=case, actor=a.users["dispatcher"])


def test_reopen_drops_the_old_result_and_tells_the_reporter(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = _closed_case(world)
        services.reopen_case(case=case, actor=world.a.users["dispatcher"], reason="复查发现杂物又堆回来了")
    case.refresh_from_db()
    assert case.reply_text == ""
    message = OutboundMessage.objects.filter(case=case).order_by("-created_at", "-pk").first()
    assert message.kind == "reopened" and "已重新打开" in message.body and "复查" not in message.body
    client.force_login(world.a.users["dispatcher"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "<dt>办理结果</dt>" not in page  # the old reply is not the result any more
    assert "原办理结果（已不作为结果）：已清理楼道杂物" in page  # but stays on the timeline


def test_co_handling_units_of_a_consultation_are_shown(world, client):
    case = assigned_case(world, tier=2, unit=world.a.grid_station)
    a = world.a
    services.record_consultation(
        case=case,
        actor=a.users["dispatcher"],
        held_on=dt.date(2026, 3, 10),
        participants=[a.grid_station, a.department, a.committee],
        decision="城管中队牵头，居委会协助",
        lead_unit=a.department,
        co_units=[a.committee],
    )
    client.force_login(a.users["dispatcher"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert f'<dd id="case-co-units">{a.committee.name}</dd>' in page
    assert f"协办单位：{a.committee.name}" in page


def test_everyone_lands_on_what_waits_for_their_action(world, client):
    """The dispatcher landed on 本单位 with one case while new reports waited under other tabs."""
    a = world.a
    new = public_report(world, title="新报的飞线充电")
    assigned = assigned_case(world)  # to A's committee, tier 1
    landing = {}
    for role in ("dispatcher", "neighbourhood", "handler", "leader"):
        client.force_login(a.users[role])
        page = client.get("/cases/").content.decode()
        assert 'id="view-todo" class="active"' in page or 'class="active" id="view-todo"' in page, role
        landing[role] = {case.number for case in (new, assigned) if case.number in page}
    assert landing["dispatcher"] == {new.number}  # intake waits for the dispatcher
    assert landing["neighbourhood"] == {assigned.number}  # the committee handles what it was given
    assert landing["handler"] == set()  # nothing for the department
    assert landing["leader"] == set()
