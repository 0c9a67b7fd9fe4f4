"""Care: the population follows the registry, dues over the calendar, check-ins, alerts."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.accounts.models import Notice
from gongzhi.care import selectors, services, sweep
from gongzhi.care.models import Alert, AlertLevel, CheckIn, Due, Frequency, Recipient, Risk
from gongzhi.care.tests.conftest import MONDAY, at
from gongzhi.cases.models import Case
from gongzhi.core.errors import DomainError
from gongzhi.registry import services as registry
from gongzhi.registry.models import ResidentTag
from gongzhi.registry.validators import FieldError
from gongzhi.testing.images import metadata_of, not_an_image, photo_with_gps
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import ServiceRecord


def recipient_of(resident) -> Recipient:
    return Recipient.objects.get(resident=resident)


def test_population_is_the_saved_query_and_follows_the_registry(care):
    result = services.sync_population(today=MONDAY.date())
    assert result == {"enrolled": 3, "ended": 0}
    names = set(Recipient.objects.values_list("resident__name", flat=True))
    assert names == {"王秀英", "陈阿婆", "李建国"}  # 赵老伯 is under 80
    assert services.sync_population(today=MONDAY.date()) == {"enrolled": 0, "ended": 0}
    tag = ResidentTag.objects.get(resident=care.elders[1])
    registry.end_tag(actor=None, resident_tag=tag, on=MONDAY.date() - dt.timedelta(days=1))
    assert services.sync_population(today=MONDAY.date()) == {"enrolled": 0, "ended": 1}
    assert not recipient_of(care.elders[1]).active


def test_next_due_skips_the_holiday_but_daily_contacts_do_not(care):
    wednesday = dt.date(2026, 9, 30)
    assert services.next_due_on(Frequency.WEEKLY, wednesday) == dt.date(
        2026, 10, 13
    )  # 8,9,10(Sat worked),12,13
    assert services.next_due_on(Frequency.TWICE_WEEKLY, wednesday) == dt.date(2026, 10, 9)
    assert services.next_due_on(Frequency.DAILY, wednesday) == dt.date(2026, 10, 1)


def test_sweep_is_idempotent(care):
    with time_machine.travel(at(MONDAY), tick=False):
        first = sweep.sweep()
    assert first.enrolled == 3 and first.dues == 3
    with time_machine.travel(at(MONDAY.date() + dt.timedelta(days=3)), tick=False):
        sweep.sweep()
        counts = (Due.objects.count(), Alert.objects.count(), Notice.objects.count())
        again = sweep.sweep()
    assert (again.enrolled, again.dues, again.alerts, again.escalated) == (0, 0, 0, 0)
    assert (Due.objects.count(), Alert.objects.count(), Notice.objects.count()) == counts


def test_check_in_meets_the_due_and_opens_the_next_over_the_calendar(care):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    elder = recipient_of(care.elders[0])
    services.set_risk(
        actor=care.world.a.users["neighbourhood"], recipient=elder, risk=Risk.LOW, reasons="身体尚可"
    )
    wednesday = at(dt.date(2026, 9, 30), 10)
    with time_machine.travel(wednesday, tick=False):
        services.record_check_in(
            actor=care.world.a.users["gridworker"],
            recipient=elder,
            mode="visit",
            outcome="well",
            note="精神好",
        )
    dues = list(Due.objects.filter(recipient=elder).order_by("due_on"))
    assert dues[0].met_at is not None and dues[0].on_time() is False  # due Monday, made Wednesday
    assert dues[1].met_at is None and dues[1].due_on == dt.date(2026, 10, 13)


def test_overdue_alerts_the_neighbourhood_after_the_margin_then_the_subdistrict(care):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    # A twice-weekly due on Monday 28 September: alert after one working day's margin, i.e. Tuesday 17:00.
    due = Due.objects.get(recipient__resident=care.elders[0])
    assert due.frequency == Frequency.TWICE_WEEKLY and due.due_on == MONDAY.date()
    assert services.escalate(now=at(dt.date(2026, 9, 29), 16))["raised"] == 0
    assert services.escalate(now=at(dt.date(2026, 9, 29), 18))["raised"] == 3  # two in A, one in B
    alert = Alert.objects.get(due=due)
    assert alert.level == AlertLevel.NEIGHBOURHOOD
    neighbourhood = care.world.a.users["neighbourhood"]
    assert Notice.objects.filter(user=neighbourhood, kind="care.alert").count() == 2
    # Two more working days from Tuesday 17:00: Wednesday 30 September, then (after the holiday) 8 October.
    assert services.escalate(now=at(dt.date(2026, 9, 30), 18))["escalated"] == 0
    assert services.escalate(now=at(dt.date(2026, 10, 8), 18))["escalated"] == 3
    alert.refresh_from_db()
    assert alert.level == AlertLevel.SUBDISTRICT
    assert Notice.objects.filter(user=care.world.a.users["leader"], kind="care.alert").count() == 2
    told_b = Notice.objects.filter(user=care.world.b.users["leader"])
    assert [n.title for n in told_b] == ["关爱预警上报街道：李建国 联系逾期"]  # B's own elder only


def test_not_reached_twice_alerts_and_high_risk_alerts_at_once(care):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    worker = care.world.a.users["gridworker"]
    elder = recipient_of(care.elders[0])
    with time_machine.travel(at(MONDAY, 9), tick=False):
        services.record_check_in(actor=worker, recipient=elder, mode="visit", outcome="not_reached")
        assert not Alert.objects.exists()
        services.record_check_in(actor=worker, recipient=elder, mode="phone", outcome="not_reached")
        assert Alert.objects.filter(recipient=elder, reason="not_reached").count() == 1
        services.record_check_in(actor=worker, recipient=elder, mode="phone", outcome="not_reached")
        assert Alert.objects.filter(recipient=elder).count() == 1  # one alert per streak
        assert Due.objects.get(recipient=elder, met_at__isnull=True).due_on == MONDAY.date()
        high = recipient_of(care.elders[1])
        services.set_risk(
            actor=care.world.a.users["leader"], recipient=high, risk=Risk.HIGH, reasons="心脏病史"
        )
        services.record_check_in(actor=worker, recipient=high, mode="visit", outcome="not_reached")
        assert Alert.objects.filter(recipient=high, reason="high_risk").count() == 1


def test_check_in_in_the_future_is_refused_and_changes_nothing(care):
    services.sync_population(today=MONDAY.date())
    elder = recipient_of(care.elders[0])
    with time_machine.travel(at(MONDAY, 9), tick=False), pytest.raises(FieldError) as caught:
        services.record_check_in(
            actor=care.world.a.users["gridworker"],
            recipient=elder,
            mode="visit",
            outcome="well",
            at=timezone.now() + dt.timedelta(hours=2),
        )
    assert "不能晚于现在" in caught.value.message
    assert not CheckIn.objects.exists()


def test_needs_found_become_cases_in_the_same_form(care):
    services.sync_population(today=MONDAY.date())
    elder = recipient_of(care.elders[0])
    with time_machine.travel(at(MONDAY, 9), tick=False):
        check_in = services.record_check_in(
            actor=care.world.a.users["gridworker"],
            recipient=elder,
            mode="visit",
            outcome="needs_help",
            note="卫生间扶手松动",
            cases=[services.CaseSpec(care.world.category, "卫生间扶手松动", "独居老人家中扶手松动，需维修")],
        )
    case = check_in.cases.get()
    assert case.source == "visit" and case.reporter_name == "王秀英" and Case.objects.count() == 1


def test_other_subdistrict_and_dispatcher_cannot_check_in(care):
    services.sync_population(today=MONDAY.date())
    elder = recipient_of(care.elders[0])
    for user in (
        care.world.b.users["gridworker"],
        care.world.a.users["dispatcher"],
        care.world.a.users["handler"],
    ):
        with pytest.raises(DomainError):
            services.record_check_in(actor=user, recipient=elder, mode="phone", outcome="well")
    assert not CheckIn.objects.exists()


def test_volunteer_assignee_check_in_earns_hours(care):
    services.sync_population(today=MONDAY.date())
    elder = recipient_of(care.elders[0])
    manager = care.world.a.users["neighbourhood"]
    volunteer = volunteer_services.register_volunteer(
        actor=manager, area=care.world.a.neighbourhood, name="楼上邻居小刘", phone="13700000009"
    )
    stranger = volunteer_services.register_volunteer(
        actor=manager, area=care.world.a.neighbourhood, name="路人", phone="13700000008"
    )
    services.assign(
        actor=manager,
        recipient=elder,
        role="primary",
        kind="neighbour",
        volunteer=volunteer,
        duties="每天敲门问候",
    )
    services.assign(
        actor=manager,
        recipient=elder,
        role="backup",
        kind="gridworker",
        user=care.world.a.users["gridworker"],
    )
    with time_machine.travel(at(MONDAY, 9), tick=False):
        with pytest.raises(DomainError):
            services.record_check_in(
                volunteer=stranger, recipient=elder, mode="visit", outcome="well", minutes=30
            )
        check_in = services.record_check_in(
            volunteer=volunteer, recipient=elder, mode="visit", outcome="well", minutes=30
        )
    record = ServiceRecord.objects.get()
    assert (
        record.source_ref == f"checkin:{check_in.pk}"
        and record.hours == 0.5
        and record.volunteer == volunteer
    )


def test_alert_is_acknowledged_and_closed_with_what_was_done(care):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    services.escalate(now=at(dt.date(2026, 9, 29), 18))
    alert = Alert.objects.filter(subdistrict=care.world.a.subdistrict).first()
    worker = care.world.a.users["gridworker"]
    services.act_on_alert(actor=worker, alert=alert, action="acknowledge")
    with pytest.raises(FieldError):
        services.act_on_alert(actor=worker, alert=alert, action="close", resolution=" ")
    alert.refresh_from_db()
    assert alert.state == "acknowledged"
    with pytest.raises(DomainError):
        services.act_on_alert(actor=care.world.b.users["leader"], alert=alert, action="close", resolution="x")
    services.act_on_alert(
        actor=worker, alert=alert, action="close", resolution="已上门，老人外出就医，已联系女儿"
    )
    alert.refresh_from_db()
    assert alert.state == "closed" and alert.closed_by == worker
    with pytest.raises(DomainError):
        services.act_on_alert(actor=worker, alert=alert, action="acknowledge")


ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]
READERS = {"auditor", "leader", "neighbourhood", "gridworker"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["a", "b"])
def test_scope_matrix(care, role, side):
    services.sync_population(today=MONDAY.date())
    user = getattr(care.world, side).users[role]
    listed = set(selectors.recipients_for(user).values_list("resident__name", flat=True))
    expected = {"a": {"王秀英", "陈阿婆"}, "b": {"李建国"}}[side] if role in READERS else set()
    assert listed == expected


def test_timeline_shows_tags_only_to_tag_readers_and_logs_the_reading(care):
    from gongzhi.accounts.models import AccessLog

    services.sync_population(today=MONDAY.date())
    elder = recipient_of(care.elders[0])
    with time_machine.travel(at(MONDAY, 9), tick=False):
        services.record_check_in(
            actor=care.world.a.users["gridworker"], recipient=elder, mode="phone", outcome="well"
        )
    worker = care.world.a.users["gridworker"]
    items = selectors.timeline(worker, elder)
    assert {i.kind for i in items} == {"check_in", "tag"}
    assert (
        AccessLog.objects.filter(
            user=worker, action="view:care_tags", object_id=str(elder.resident_id)
        ).count()
        == 1
    )
    assert selectors.recipients_for(care.world.a.users["dispatcher"]).count() == 0


def test_check_in_photo_is_re_encoded_without_its_gps_and_a_fake_is_refused(care):
    services.sync_population(today=MONDAY.date())
    elder = recipient_of(care.elders[0])
    worker = care.world.a.users["gridworker"]
    with pytest.raises(DomainError, match="不是有效的图片"):
        services.record_check_in(
            actor=worker, recipient=elder, mode="visit", outcome="well", photo=not_an_image()
        )
    assert not CheckIn.objects.exists()
    check_in = services.record_check_in(
        actor=worker, recipient=elder, mode="visit", outcome="well", photo=photo_with_gps()
    )
    check_in.photo.open("rb")
    assert metadata_of(check_in.photo.read())["gps"] == {}
    assert check_in.photo.name.startswith("care/") and not check_in.photo.name.endswith("现场.jpg")
