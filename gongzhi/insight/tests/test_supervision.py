"""Each supervision rule on a constructed positive and negative example; the scan; the review."""

import datetime as dt
import threading

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from gongzhi.accounts.models import AccessLog, AuditEvent, Unit
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case, Rating, Source
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed
from gongzhi.insight import selectors, supervision, transitions
from gongzhi.insight.models import Alert, AlertStatus
from gongzhi.insight.tests.helpers import at, closed_case, report
from gongzhi.testing import build_world

DAY = dt.date(2026, 6, 1)
NOW = at(dt.date(2026, 6, 20), 12)
SLOW = dt.timedelta(hours=5)


def found(world, rule, side="a"):
    supervision.scan(subdistrict=getattr(world, side).subdistrict, now=NOW, only=[rule])
    return list(Alert.objects.filter(rule=rule).order_by("key"))


@pytest.mark.django_db
class TestRules:
    def test_1_same_address_and_category_three_times_in_30_days(self, world):
        for day in (1, 10, 25):
            report(world, now=at(DAY + dt.timedelta(days=day - 1), 9), address="长宁路100弄3号")
        report(world, now=at(DAY, 9), address="长宁路100弄5号")
        report(world, now=at(DAY, 9), address="长宁路100弄5号")
        alerts = found(world, "repeat_address")
        assert len(alerts) == 1 and len(alerts[0].evidence) == 3
        assert "长宁路100弄3号" in alerts[0].title and alerts[0].evidence[0]["url"].startswith("/cases/")

    def test_1_three_reports_spread_over_40_days_are_not_a_repeat(self, world):
        for day in (1, 21, 41):
            report(world, now=at(dt.date(2026, 5, 1) + dt.timedelta(days=day), 9), address="长宁路1号")
        assert found(world, "repeat_address") == []

    def test_2_closed_without_site_contact_or_photo(self, world):
        bad = closed_case(world, now=at(DAY, 9), verify_note="已办结", step=SLOW)
        closed_case(world, now=at(DAY, 9), verify_note="网格员现场复核，已整改", step=SLOW)
        alerts = found(world, "no_site_evidence")
        assert [a.key for a in alerts] == [str(bad.pk)]

    def test_3_closed_soon_after_dispatch(self, world):
        fast = closed_case(world, now=at(DAY, 9))  # 30 minutes from dispatch to closure
        closed_case(world, now=at(DAY, 9), step=SLOW)
        assert [a.key for a in found(world, "closed_too_fast")] == [str(fast.pk)]

    def test_4_reopened_by_an_unsatisfied_rating(self, world):
        unhappy = closed_case(world, now=at(DAY, 9), rating=Rating.UNSATISFIED, solved=False, step=SLOW)
        closed_case(world, now=at(DAY, 9), rating=Rating.SATISFIED, step=SLOW)
        alerts = found(world, "reopened")
        assert [a.key for a in alerts] == [str(unhappy.pk)] and "重新打开 1 次" in alerts[0].title

    def test_5_bounced_between_units(self, world):
        a = world.a
        dispatcher = a.users["dispatcher"]
        bounced = report(world, now=at(DAY, 9))
        for i, unit in enumerate([a.committee, a.department, a.other_committee, a.department]):
            bounced = case_services.assign_case(
                case=bounced, actor=dispatcher, tier=1, unit=unit, now=at(DAY, 10 + i)
            )
        once = case_services.assign_case(
            case=report(world, now=at(DAY, 9)), actor=dispatcher, tier=1, unit=a.committee
        )
        alerts = found(world, "bounced")
        assert [a_.key for a_ in alerts] == [str(bounced.pk)] and str(once.pk) not in {x.key for x in alerts}
        assert "改派 3 次" in alerts[0].title

    def _units_with_overdue(self, world, shares):
        a = world.a
        for n, overdue in enumerate(shares):
            unit = Unit.objects.create(name=f"测试单位{n}", kind="department", area=a.subdistrict)
            for i in range(5):
                case = case_services.assign_case(
                    case=report(world, now=at(DAY, 9)),
                    actor=a.users["dispatcher"],
                    tier=1,
                    unit=unit,
                    now=at(DAY, 10),
                )
                if i < overdue:
                    Case.objects.filter(pk=case.pk).update(overdue=True)  # constructed: the sweep's flag
        return Unit.objects.get(name="测试单位0")

    def test_6_unit_overdue_share_far_above_peers(self, world):
        worst = self._units_with_overdue(world, [5, 0, 0, 1])
        alerts = found(world, "overdue_share")
        assert [a.unit for a in alerts] == [worst] and len(alerts[0].evidence) == 5

    def test_6_units_alike_raise_nothing(self, world):
        self._units_with_overdue(world, [1, 1, 1, 1])
        assert found(world, "overdue_share") == []

    def test_7_copy_paste_replies(self, world):
        text = "经现场查看，已联系物业对楼道内堆放的杂物进行了清理，并张贴了告示提醒居民。"
        one = closed_case(world, now=at(DAY, 9), reply=text, step=SLOW)
        two = closed_case(world, now=at(DAY, 10), reply=text.replace("告示", "通知"), step=SLOW)
        closed_case(world, now=at(DAY, 11), reply="路灯灯泡已由绿化市容所更换，夜间照明恢复正常。", step=SLOW)
        alerts = found(world, "copied_replies")
        assert len(alerts) == 1 and {e["id"] for e in alerts[0].evidence} == {one.pk, two.pk}

    def test_8_reporter_closes_own_case(self, world):
        dispatcher = world.a.users["dispatcher"]
        own = closed_case(world, now=at(DAY, 9), actor=dispatcher, source=Source.HOTLINE, step=SLOW)
        closed_case(world, now=at(DAY, 9), step=SLOW)  # reported by the public
        alerts = found(world, "same_hands")
        assert [a.key for a in alerts] == [f"{own.pk}|close"] and alerts[0].person == dispatcher

    def test_9_points_at_night_or_bunched_on_one_volunteer(self, world):
        from gongzhi.volunteers import ledger
        from gongzhi.volunteers import services as volunteer_services

        a = world.a
        manager, gridworker = a.users["neighbourhood"], a.users["leader"]
        people = [
            volunteer_services.register_volunteer(
                actor=manager, area=a.neighbourhood, name=name, phone=f"1380000000{i}"
            )
            for i, name in enumerate(["张阿姨", "李师傅", "王老师", "赵大爷"])
        ]

        def give(actor, volunteer, when, points=5):
            return ledger.post(
                volunteer=volunteer, points=points, kind="deed", reason="善举", actor=actor, at=when
            )

        # The manager: five entries between 23:00 and 02:00 in one week (Mon 8 June …), spread over
        # the volunteers, so only the night part fires.
        for i in range(5):
            give(manager, people[i % 4], at(dt.date(2026, 6, 8 + i // 2), 23 if i % 2 else 1))
        # Four at night in another week: below the minimum of five.
        for i in range(4):
            give(manager, people[i], at(dt.date(2026, 6, 15), 23))
        # The leader, in daytime: 8 entries in a week, 6 to one volunteer (share 0.75 ≥ 0.6).
        for i in range(8):
            give(gridworker, people[0] if i < 6 else people[1 + i % 2], at(dt.date(2026, 6, 2 + i // 3), 10))
        # Daytime and spread: nothing.
        for i in range(8):
            give(manager, people[i % 4], at(dt.date(2026, 5, 12 + i // 4), 15))
        alerts = found(world, "points_bunching")
        keys = sorted(a.key.split("|")[0] + "|" + str(a.person_id) for a in alerts)
        assert keys == sorted([f"bunch|{gridworker.pk}", f"night|{manager.pk}"])
        night = next(a for a in alerts if a.key.startswith("night"))
        assert len(night.evidence) == 5 and "2026-W24" in night.key
        bunch = next(a for a in alerts if a.key.startswith("bunch"))
        assert len(bunch.evidence) == 6 and str(people[0].pk) in bunch.key
        # B's scan sees none of A's ledger.
        assert found(world, "points_bunching", side="b") == alerts  # no new rows for B
        assert Alert.objects.filter(rule="points_bunching").count() == 2

    def test_10_reveals_far_above_the_users_normal(self, world):
        heavy, light = world.a.users["neighbourhood"], world.a.users["gridworker"]
        for user, n in ((heavy, 15), (light, 5)):
            for i in range(n):
                AccessLog.objects.create(
                    user=user,
                    action="reveal:id_number",
                    object_type="resident",
                    object_id=str(i),
                    created_at=NOW - dt.timedelta(hours=i + 1),
                )
        alerts = found(world, "unusual_reveals")
        assert [a.person for a in alerts] == [heavy] and len(alerts[0].evidence) == 15

    def test_12_rating_from_a_staff_phone(self, world):
        staff = world.a.users["gridworker"]
        staff.phone = "13611112222"
        staff.save()
        mine = closed_case(world, now=at(DAY, 9), phone="13611112222", rating=Rating.SATISFIED, step=SLOW)
        closed_case(world, now=at(DAY, 9), rating=Rating.SATISFIED, step=SLOW)
        alerts = found(world, "staff_ratings")
        assert [a.key for a in alerts] == [str(mine.pk)] and alerts[0].person == staff

    def test_every_active_rule_has_a_number_and_title(self):
        rules = supervision.active_rules()
        assert [r.number for r in rules] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]


@pytest.mark.django_db
def test_scan_is_idempotent_and_keeps_reviews(world):
    unhappy = closed_case(world, now=at(DAY, 9), rating=Rating.UNSATISFIED, solved=False, step=SLOW)
    auditor = world.a.users["auditor"]
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW, actor=auditor)
    total = Alert.objects.count()
    alert = Alert.objects.get(rule="reopened", key=str(unhappy.pk))
    supervision.review_alert(alert=alert, actor=auditor, action="dismiss", reason="居民误评，已电话核实")
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW + dt.timedelta(days=1))
    assert Alert.objects.count() == total
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED and alert.last_seen_at == NOW + dt.timedelta(days=1)
    event = AuditEvent.objects.get(action="insight.alert.dismiss")
    assert event.data["reason"] == "居民误评，已电话核实" and event.actor == auditor


@pytest.mark.django_db
def test_review_needs_a_reason_and_the_auditor_role(world):
    closed_case(world, now=at(DAY, 9), rating=Rating.UNSATISFIED, solved=False, step=SLOW)
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW)
    alert = Alert.objects.get(rule="reopened")
    with pytest.raises(DomainError, match="研判意见"):
        supervision.review_alert(alert=alert, actor=world.a.users["auditor"], action="confirm", reason="  ")
    for user in (world.a.users["leader"], world.b.users["auditor"], world.a.users["dispatcher"]):
        with pytest.raises(NotAllowed):
            supervision.review_alert(alert=alert, actor=user, action="confirm", reason="确认存在问题")
    with pytest.raises(NotAllowed):
        supervision.scan(subdistrict=world.a.subdistrict, actor=world.a.users["leader"])
    alert.refresh_from_db()
    assert (
        alert.status == AlertStatus.OPEN
        and AuditEvent.objects.filter(action__startswith="insight.alert").count() == 0
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]
)
def test_who_sees_alerts(world, role):
    closed_case(world, now=at(DAY, 9), rating=Rating.UNSATISFIED, solved=False, step=SLOW)
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW)
    sees = role in {"auditor", "leader"}
    assert selectors.alerts_for(world.a.users[role]).exists() == sees
    assert not selectors.alerts_for(world.b.users[role]).exists()


class TestAlertStateMachine(HypothesisTestCase):
    """Random sequences of reviews agree with the action table, and the invariant holds."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.alert = Alert.objects.create(
            subdistrict=cls.world.a.subdistrict,
            area=cls.world.a.grid,
            rule="reopened",
            key="x",
            title="测试预警",
            found_at=NOW,
            last_seen_at=NOW,
        )

    @hypothesis_settings(max_examples=30, deadline=None)
    @given(st.lists(st.sampled_from(["confirm", "dismiss", "reopen"]), max_size=8))
    def test_sequences(self, actions):
        Alert.objects.filter(pk=self.alert.pk).update(
            status="open", reason="", decided_at=None, decided_by=None
        )
        state = AlertStatus.OPEN
        auditor = self.world.a.users["auditor"]
        for action in actions:
            step = transitions.ALERT_ACTIONS[action]
            if state in step.allowed:
                alert = supervision.review_alert(
                    alert=self.alert, actor=auditor, action=action, reason="研判意见：" + action
                )
                state = step.to
                assert alert.status == state
            else:
                with pytest.raises(InvalidTransition):
                    supervision.review_alert(
                        alert=self.alert, actor=auditor, action=action, reason="研判意见"
                    )
        alert = Alert.objects.get(pk=self.alert.pk)
        assert alert.status == state
        assert state == AlertStatus.OPEN or (alert.reason and alert.decided_at)


@pytest.mark.django_db(transaction=True)
def test_two_auditors_reviewing_at_once_one_wins(world):
    closed_case(world, now=at(DAY, 9), rating=Rating.UNSATISFIED, solved=False, step=SLOW)
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW)
    alert = Alert.objects.get(rule="reopened")
    auditor = world.a.users["auditor"]
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def run(i, action):
        try:
            barrier.wait()
            supervision.review_alert(alert=alert, actor=auditor, action=action, reason=f"结论：{action}")
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(["confirm", "dismiss"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["invalid_transition", "ok"]
    assert AuditEvent.objects.filter(action__startswith="insight.alert").count() == 1
