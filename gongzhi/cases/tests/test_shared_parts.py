"""The shared workflow parts the next apps build on: case_changed after commit, notices of any
kind, the administrative audit trail, phone one-time codes, due dates for any model."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts import audit, notices
from gongzhi.accounts.models import AuditEvent, Notice
from gongzhi.cases import phonecodes, selectors, services
from gongzhi.cases.messaging import REDACTED_CODE_BODY, deliver
from gongzhi.cases.models import OutboundMessage, PhoneCode
from gongzhi.cases.signals import case_changed
from gongzhi.cases.tests.helpers import public_report
from gongzhi.core import deadlines

NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def heard():
    got = []

    def receiver(sender, **kwargs):
        got.append(kwargs)

    case_changed.connect(receiver, dispatch_uid="test.heard")
    yield got
    case_changed.disconnect(dispatch_uid="test.heard")


@pytest.mark.django_db(transaction=True)
def test_case_changed_fires_after_commit_for_each_transition(world, heard):
    case = public_report(world)
    assert [h["action"] for h in heard] == ["report"]
    services.accept_case(case=case, actor=world.a.users["dispatcher"], note="")
    assert [h["action"] for h in heard] == ["report", "accept"]
    assert heard[-1]["case_id"] == case.pk and heard[-1]["subdistrict_id"] == world.a.subdistrict.pk


@pytest.mark.django_db(transaction=True)
def test_case_changed_is_not_sent_for_a_rolled_back_change(world, heard):
    case = public_report(world)
    heard.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.accept_case(case=case, actor=world.a.users["dispatcher"], note="")
        raise RuntimeError("the surrounding work failed")
    assert heard == []


def test_notices_of_any_app_with_labels_and_dedupe(world):
    notices.register_kind("tests.reminder", "测试提醒")
    user = world.a.users["gridworker"]
    assert notices.notify([user], kind="tests.reminder", title="明天探访", url="/x/", dedupe_key="k1") == 1
    assert notices.notify([user], kind="tests.reminder", title="明天探访", url="/x/", dedupe_key="k1") == 0
    notice = Notice.objects.get(user=user)
    assert notice.get_kind_display() == "测试提醒" and notice.url == "/x/"


def test_audit_record_names_actor_object_and_subdistrict(world):
    admin = world.admin
    row = audit.record(actor=admin, action="unit.rename", target=world.a.department, data={"to": "新名"})
    assert AuditEvent.objects.get() == row
    assert row.subdistrict_id == world.a.subdistrict.pk and row.object_type == "accounts.unit"
    assert row.actor_label == admin.username and row.data == {"to": "新名"}


def test_a_phone_code_proves_the_phone_once(world):
    with time_machine.travel(NOON, tick=False):
        phonecodes.send_code(phone="138 1234 5678", purpose="follow:X", subdistrict=world.a.subdistrict)
        code = phonecodes.last_code_for("13812345678", "follow:X")
        assert code and len(code) == 6
        assert not phonecodes.verify_code(phone="13812345678", purpose="other", code=code)
        assert phonecodes.verify_code(phone="13812345678", purpose="follow:X", code=code)
        assert not phonecodes.verify_code(phone="13812345678", purpose="follow:X", code=code)  # used up
    assert not PhoneCode.objects.filter(code_digest__contains=code).exists()


def test_phone_codes_refuse_resends_guessing_and_expiry(world):
    sub = world.a.subdistrict
    with time_machine.travel(NOON, tick=False):
        phonecodes.send_code(phone="13812345678", purpose="p", subdistrict=sub)
        with pytest.raises(phonecodes.CodeRefused):
            phonecodes.send_code(phone="13812345678", purpose="p", subdistrict=sub)
        code = phonecodes.last_code_for("13812345678", "p")
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(phonecodes.MAX_ATTEMPTS):
            assert not phonecodes.verify_code(phone="13812345678", purpose="p", code=wrong)
        assert not phonecodes.verify_code(phone="13812345678", purpose="p", code=code)  # locked
    with time_machine.travel(NOON + dt.timedelta(minutes=2), tick=False):
        phonecodes.send_code(phone="13812345678", purpose="p", subdistrict=sub)
        code = phonecodes.last_code_for("13812345678", "p")
    with time_machine.travel(NOON + dt.timedelta(minutes=13), tick=False):
        assert not phonecodes.verify_code(phone="13812345678", purpose="p", code=code)  # expired
    with pytest.raises(phonecodes.CodeRefused):
        phonecodes.send_code(phone="12345", purpose="p", subdistrict=sub)


def test_codes_show_in_the_demo_outbox_of_their_subdistrict_only(world):
    phonecodes.send_code(phone="13812345678", purpose="p", subdistrict=world.a.subdistrict)
    assert selectors.messages_for(world.a.users["dispatcher"]).filter(kind="code").count() == 1
    assert selectors.messages_for(world.b.users["dispatcher"]).filter(kind="code").count() == 0


def test_a_code_sent_by_a_real_channel_is_blanked_in_the_outbox(world, settings):
    settings.GONGZHI_MESSAGE_BACKEND = "gongzhi.cases.tests.test_shared_parts.RecordingChannel"
    with transaction.atomic():
        phonecodes.send_code(phone="13812345678", purpose="p", subdistrict=world.a.subdistrict)
    message = OutboundMessage.objects.get(kind="code")
    deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and message.body == REDACTED_CODE_BODY
    assert RecordingChannel.sent and "验证码" in RecordingChannel.sent[-1]


class RecordingChannel:
    name = "recording"
    local = False
    sent: list[str] = []

    def send(self, message):
        RecordingChannel.sent.append(message.body)
        message.status = "sent"
        message.sent_at = timezone.now()


def test_due_dates_in_working_or_calendar_time(db):
    friday = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert deadlines.due(friday, days=1).date() == dt.date(2026, 11, 30)
    assert deadlines.due(friday, days=1, working=False).date() == dt.date(2026, 11, 28)
    with pytest.raises(ValueError):
        deadlines.due(friday, days=-1)


def test_administrative_changes_leave_audit_rows(world):
    from gongzhi.core import services as core_services
    from gongzhi.registry import services as registry_services
    from gongzhi.registry.models import TagGroup, TagGroupKind
    from gongzhi.visits import services as visit_services

    core_services.import_calendar(actor=world.admin, year=2027, text="日期,类型,名称\n2027-01-01,休,元旦\n")
    leader = world.a.users["leader"]
    group = TagGroup.objects.create(
        subdistrict=world.a.subdistrict, code="n", name="九类", kind=TagGroupKind.NINE
    )
    tag = registry_services.create_tag(actor=leader, group=group, name="低保")
    registry_services.set_tag_active(actor=leader, tag=tag, active=False)
    visit_services.create_campaign(
        actor=leader,
        area=world.a.subdistrict,
        name="四百走访",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label", "subdistrict_id"))
    sub = world.a.subdistrict.pk
    assert rows == [
        ("calendar.import", world.admin.username, None),
        ("tag.create", leader.username, sub),
        ("tag.deactivate", leader.username, sub),
        ("campaign.create", leader.username, sub),
    ]


def test_a_failing_audit_rolls_the_change_back(world, monkeypatch):
    from gongzhi.accounts import audit as audit_module
    from gongzhi.core import services as core_services
    from gongzhi.core.models import CalendarYear

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit_module, "record", broken)
    with pytest.raises(RuntimeError):
        core_services.import_calendar(
            actor=world.admin, year=2028, text="日期,类型,名称\n2028-01-01,休,元旦\n"
        )
    assert not CalendarYear.objects.filter(year=2028).exists()
