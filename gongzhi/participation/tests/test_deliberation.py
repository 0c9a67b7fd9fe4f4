"""Topics through meetings, motions and resolutions to list items."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.participation import services
from gongzhi.participation.models import ListItem, Meeting, Motion, Topic, TopicStatus
from gongzhi.participation.tests.helpers import meeting, resolved_topic, screened_topic

pytestmark = pytest.mark.django_db


def test_screening_needs_a_reason(world):
    topic = services.propose_topic(actor=world.a.users["leader"], area=world.a.neighbourhood, title="议题")
    with pytest.raises(DomainError, match="理由"):
        services.act_on_topic(actor=world.a.users["leader"], topic=topic, action="screen", note="")
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PROPOSED


def test_the_whole_path_from_topic_to_closed(world):
    topic, m, items = resolved_topic(world)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.RESOLVED and len(items) == 2
    assert all(i.topic == topic and i.board == "居民区议事会" and i.due_at for i in items)
    motion = Motion.objects.get(meeting=m)
    assert (motion.present, motion.quorum_required, motion.quorum_met, motion.passed) == (6, 5, True, True)
    lead = world.a.users["neighbourhood"]
    services.act_on_topic(actor=lead, topic=topic, action="execute")
    services.act_on_topic(actor=lead, topic=topic, action="evaluate", note="居民满意")
    with pytest.raises(DomainError, match="未销项"):
        services.act_on_topic(actor=lead, topic=topic, action="close")
    for item in items:
        services.act_on_item(actor=lead, item=item, action="finish")
        services.act_on_item(actor=lead, item=item, action="verify", note="居民代表现场验收")
        services.act_on_item(actor=lead, item=item, action="close")
    assert services.act_on_topic(actor=lead, topic=topic, action="close").status == TopicStatus.CLOSED


def test_no_resolution_without_a_passed_motion(world):
    topic = screened_topic(world)
    m = meeting(world, topic)
    services.sign_in(meeting=m, name="张阿姨", method="qr")
    services.record_motion(actor=world.a.users["neighbourhood"], meeting=m, text_="增设充电棚", yes=1)
    services.hold_meeting(actor=world.a.users["neighbourhood"], meeting=m)
    assert not Motion.objects.get(meeting=m).quorum_met  # 1 of 9 present
    with pytest.raises(DomainError, match="表决通过"):
        services.resolve_topic(
            actor=world.a.users["neighbourhood"],
            topic=topic,
            resolution="r",
            tasks=[services.TaskSpec("t", owner=world.a.committee)],
        )
    assert not ListItem.objects.exists()


def test_the_notice_period_is_enforced(world):
    with pytest.raises(DomainError, match="提前 3 天"):
        meeting(world, starts_at=timezone.now() + dt.timedelta(days=1))
    assert not Meeting.objects.exists()


def test_votes_cannot_exceed_attendance_and_roll_call_counts_rows(world):
    m = meeting(world)
    a = services.sign_in(meeting=m, name="张阿姨", method="qr")
    b = services.sign_in(
        meeting=m, name="李师傅", method="paper_photo", actor=world.a.users["gridworker"], proxy_for="李阿婆"
    )
    with pytest.raises(DomainError, match="超过到会人数"):
        services.record_motion(actor=world.a.users["neighbourhood"], meeting=m, text_="x", yes=3)
    motion = services.record_motion(
        actor=world.a.users["neighbourhood"],
        meeting=m,
        text_="x",
        method="roll_call",
        votes={a.pk: "yes", b.pk: "no"},
    )
    assert (motion.yes, motion.no, motion.votes.count()) == (1, 1, 2)


def test_signing_in_twice_is_refused(world):
    m = meeting(world)
    services.sign_in(meeting=m, name="张阿姨", method="qr")
    with pytest.raises(DomainError, match="已经签到"):
        services.sign_in(meeting=m, name="张阿姨", method="qr")


def test_minutes_are_signed_off_and_redacted(world):
    m = meeting(world)
    services.hold_meeting(actor=world.a.users["neighbourhood"], meeting=m)
    with pytest.raises(NotAllowed):
        services.publish_minutes(actor=world.a.users["gridworker"], meeting=m, minutes="纪要")
    m = services.publish_minutes(
        actor=world.a.users["neighbourhood"], meeting=m, minutes="王先生（13912345678）发言"
    )
    assert m.signed_off_by == world.a.users["neighbourhood"] and "13912345678" not in m.public_minutes


def test_a_hot_issue_becomes_a_topic_in_one_click(world):
    from gongzhi.cases import services as cases

    made = [
        cases.create_case(
            actor=world.a.users["dispatcher"],
            category=world.category,
            title=f"飞线充电{i}",
            description="楼下飞线充电",
            source="patrol",
            area=world.a.estate,
        )
        for i in range(3)
    ]
    topic = services.topic_from_hot_issue(actor=world.a.users["leader"], cases=made)
    assert set(topic.cases.all()) == set(made) and topic.area == world.a.estate
