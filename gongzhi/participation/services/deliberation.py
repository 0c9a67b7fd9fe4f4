"""Deliberation: topics, meetings (notice, rules of procedure, sign-in, quorum), motions and
votes, minutes, and the resolution that produces list items."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit, User
from gongzhi.cases.models import Case
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.participation import quorum
from gongzhi.participation.models import (
    Attendance,
    ItemKind,
    ItemSource,
    Majority,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingStatus,
    Motion,
    MotionVote,
    QuorumBase,
    SignIn,
    Topic,
    TopicStatus,
    VoteMethod,
)
from gongzhi.participation.redaction import redact
from gongzhi.participation.services._base import (
    FieldError,
    entry,
    lock,
    move,
    now_or,
    placed,
    require_choice,
    text,
)
from gongzhi.territory.models import Area


@transaction.atomic
def propose_topic(
    *,
    actor: User,
    area: Area,
    title: str,
    description: str = "",
    board: str = "",
    cases: Iterable[Case] = (),
    now: dt.datetime | None = None,
) -> Topic:
    now = now_or(now)
    permissions.require(actor, "participation.topic.manage", area)
    topic = Topic.objects.create(
        **placed(area),
        title=text(title, "title", _("议题"), 80),
        description=(description or "").strip()[:4000],
        board=(board or "").strip()[:80],
        created_by=actor,
    )
    cases = list(cases)
    if any(c.subdistrict_id != topic.subdistrict_id for c in cases):
        raise FieldError("cases", _("只能关联本街道的工单。"))
    if cases:
        topic.cases.add(*cases)
    entry(topic, "topic", "propose", actor=actor, after=topic.status, now=now)
    return topic


@transaction.atomic
def topic_from_hot_issue(*, actor: User, cases: Sequence[Case], now: dt.datetime | None = None) -> Topic:
    """One click on a hot-issue cluster of cases: a topic proposed for deliberation, linked to
    every case of the cluster, in the smallest area holding them all."""
    cases = list(cases)
    if len(cases) < 2:
        raise DomainError(_("热点问题至少包含两件工单。"))
    if len({c.subdistrict_id for c in cases}) != 1:
        raise DomainError(_("热点问题的工单须在同一街道。"))
    paths = [c.area.path for c in cases]
    common = paths[0]
    while not all(p.startswith(common) for p in paths):
        common = common.rstrip("/").rsplit("/", 1)[0] + "/"
    area = Area.objects.get(path=common)
    if area.subdistrict_id is None:
        area = cases[0].subdistrict
    title = _("热点问题：%(t)s（%(n)d 件）") % {"t": cases[0].title[:50], "n": len(cases)}
    description = "\n".join(f"{c.number} {c.title}" for c in cases)
    return propose_topic(
        actor=actor, area=area, title=title[:80], description=description, cases=cases, now=now
    )


def act_on_topic(
    *, actor: User, topic: Topic, action: str, note: str = "", now: dt.datetime | None = None
) -> Topic:
    """The plain moves of a topic (screen with reason, defer, drop, execute, evaluate, close)."""
    with transaction.atomic():
        now = now_or(now)
        topic = lock(topic)
        if action not in ("screen", "defer", "drop", "execute", "evaluate", "close"):
            raise DomainError(_("未知的操作。"))
        if action in ("screen", "defer", "drop", "evaluate"):
            note = text(note, "note", _("理由") if action != "evaluate" else _("评议意见"), 300)
        if action == "close":
            open_items = topic.items.exclude(status="closed").count()
            if open_items:
                raise DomainError(_("还有 %(n)d 项清单事项未销项，议题不能办结。") % {"n": open_items})
        move("topic", topic, action, actor=actor, note=note, now=now)
        if action == "screen":
            topic.screen_reason = note
        if action == "evaluate":
            topic.evaluation = note
        topic.save()
        return topic


@dataclass
class MeetingSpec:
    title: str
    starts_at: dt.datetime
    kind: str = MeetingKind.COUNCIL
    mode: str = MeetingMode.IN_PERSON
    place: str = ""
    notice_days: int = 3
    notice_to: str = ""
    agenda: str = ""
    speech_seconds: int = 180
    max_speeches: int = 2
    quorum_base: str = QuorumBase.MEMBERS
    eligible: int = 0
    quorum_numerator: int = 1
    quorum_denominator: int = 2
    quorum_strict: bool = True
    quorum_min: int = 0


@transaction.atomic
def schedule_meeting(
    *, actor: User, area: Area, spec: MeetingSpec, topic: Topic | None = None, now: dt.datetime | None = None
) -> Meeting:
    """Call a meeting with its notice, agenda, rules of procedure and quorum rule; the topic
    (if any) becomes scheduled. The notice must go out `notice_days` before."""
    now = now_or(now)
    permissions.require(actor, "participation.meeting.run", area)
    require_choice(spec.kind, MeetingKind, "kind", _("会议类型"))
    require_choice(spec.mode, MeetingMode, "mode", _("会议形式"))
    require_choice(spec.quorum_base, QuorumBase, "quorum_base", _("法定人数基数"))
    if spec.starts_at < now + dt.timedelta(days=spec.notice_days):
        raise FieldError(
            "starts_at",
            _("会议须至少提前 %(n)d 天通知，请推迟会议时间或调整通知天数。") % {"n": spec.notice_days},
        )
    if not (spec.quorum_denominator >= 1 and 0 <= spec.quorum_numerator <= spec.quorum_denominator):
        raise FieldError("quorum_numerator", _("最低到会比例应在 0 到 1 之间。"))
    if not 30 <= spec.speech_seconds <= 1800 or not 1 <= spec.max_speeches <= 10:
        raise FieldError("speech_seconds", _("发言时长应为 30 秒至 30 分钟，发言次数 1 至 10 次。"))
    if topic is not None:
        topic = lock(topic)
        if topic.subdistrict_id != area.subdistrict_id:
            raise FieldError("topic", _("议题不在本街道。"))
    meeting = Meeting.objects.create(
        **placed(area),
        topic=topic,
        kind=spec.kind,
        mode=spec.mode,
        title=text(spec.title, "title", _("会议名称"), 80),
        starts_at=spec.starts_at,
        place=(spec.place or "")[:120],
        notice_days=spec.notice_days,
        notice_to=(spec.notice_to or "")[:200],
        agenda=(spec.agenda or "")[:4000],
        speech_seconds=spec.speech_seconds,
        max_speeches=spec.max_speeches,
        quorum_base=spec.quorum_base,
        eligible=spec.eligible,
        quorum_numerator=spec.quorum_numerator,
        quorum_denominator=spec.quorum_denominator,
        quorum_strict=spec.quorum_strict,
        quorum_min=spec.quorum_min,
        sign_in_token=secrets.token_urlsafe(16)[:22],
    )
    entry(meeting, "meeting", "schedule", actor=actor, after=meeting.status, now=now)
    if topic is not None:
        move("topic", topic, "schedule", actor=actor, note=meeting.title, now=now)
        topic.save()
    return meeting


@transaction.atomic
def sign_in(
    *,
    meeting: Meeting,
    name: str,
    method: str,
    capacity: str = "",
    proxy_for: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """Sign in one attendee: by QR code on a phone (no actor: the public page behind the
    meeting's token), ticked by a worker, or from a photo of the paper sheet."""
    now = now_or(now)
    meeting = lock(meeting)
    require_choice(method, SignIn, "method", _("签到方式"))
    if actor is None and method != SignIn.QR:
        raise DomainError(_("请扫码签到。"))
    move(
        "meeting", meeting, "sign_in", actor=actor, public=False, now=now, check_permission=actor is not None
    )
    name = text(name, "name", _("姓名"), 40)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting,
                name=name,
                capacity=(capacity or "")[:40],
                sign_in=method,
                proxy_for=(proxy_for or "")[:40],
            )
    except IntegrityError:
        raise DomainError(_("%(name)s 已经签到。") % {"name": name}) from None
    return attendance


@transaction.atomic
def record_motion(
    *,
    actor: User,
    meeting: Meeting,
    text_: str,
    method: str = VoteMethod.HANDS,
    majority: str = Majority.PRESENT,
    yes: int = 0,
    no: int = 0,
    abstain: int = 0,
    votes: dict[int, str] | None = None,
    mover: str = "",
    seconder: str = "",
    now: dt.datetime | None = None,
) -> Motion:
    """A motion and its vote. With per-person rows (`votes`: attendance id → yes/no/abstain) the
    counts come from them. The result is computed against the attendance signed in now and
    stored with the quorum rule as it stood."""
    now = now_or(now)
    meeting = lock(meeting)
    require_choice(method, VoteMethod, "method", _("表决方式"))
    require_choice(majority, Majority, "majority", _("通过规则"))
    move("meeting", meeting, "motion", actor=actor, now=now)
    present = meeting.attendance.count()
    if votes:
        known = set(meeting.attendance.values_list("pk", flat=True))
        if not set(votes) <= known:
            raise FieldError("votes", _("表决记录中有未签到的人员。"))
        if not set(votes.values()) <= set(MotionVote.Choice.values):
            raise FieldError("votes", _("表决选项只能是赞成、反对或弃权。"))
        choices = list(votes.values())
        yes, no, abstain = choices.count("yes"), choices.count("no"), choices.count("abstain")
    if min(yes, no, abstain) < 0:
        raise FieldError("yes", _("票数不能为负数。"))
    if yes + no + abstain > present:
        raise FieldError(
            "yes",
            _("赞成、反对、弃权合计 %(n)d，超过到会人数 %(p)d。") % {"n": yes + no + abstain, "p": present},
        )
    outcome = quorum.decide(
        meeting=meeting, majority=majority, yes=yes, no=no, abstain=abstain, present=present
    )
    motion = Motion.objects.create(
        meeting=meeting,
        text=text(text_, "text", _("动议"), 300),
        mover=(mover or "")[:40],
        seconder=(seconder or "")[:40],
        method=method,
        majority=majority,
        yes=yes,
        no=no,
        abstain=abstain,
        present=present,
        quorum_required=outcome.quorum_required,
        quorum_met=outcome.quorum_met,
        passed=outcome.passed,
        snapshot=outcome.snapshot(),
    )
    for attendance_id, choice in (votes or {}).items():
        MotionVote.objects.create(motion=motion, attendance_id=attendance_id, choice=choice)
    meeting.save()
    return motion


@transaction.atomic
def hold_meeting(*, actor: User, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """The meeting took place; its topic has been deliberated."""
    now = now_or(now)
    meeting = lock(meeting)
    if meeting.status == MeetingStatus.PLANNED:
        move("meeting", meeting, "hold", actor=actor, now=now)
        meeting.save()
    elif meeting.status != MeetingStatus.HELD:
        raise DomainError(_("会议当前状态不能确认召开。"))
    if meeting.topic_id:
        topic = lock(meeting.topic)
        if topic.status == TopicStatus.SCHEDULED:
            move("topic", topic, "deliberate", actor=actor, note=meeting.title, now=now)
            topic.save()
    return meeting


@transaction.atomic
def publish_minutes(
    *, actor: User, meeting: Meeting, minutes: str, now: dt.datetime | None = None
) -> Meeting:
    """Sign off the minutes and publish them, phone and ID numbers redacted."""
    now = now_or(now)
    minutes = text(minutes, "minutes", _("会议纪要"), 20000)
    meeting = lock(meeting)
    move("meeting", meeting, "publish", actor=actor, now=now)
    meeting.minutes = minutes
    meeting.public_minutes = redact(minutes)
    meeting.signed_off_by = actor
    meeting.published_at = now
    meeting.save()
    return meeting


@transaction.atomic
def cancel_meeting(*, actor: User, meeting: Meeting, reason: str, now: dt.datetime | None = None) -> Meeting:
    now = now_or(now)
    reason = text(reason, "reason", _("取消原因"), 200)
    meeting = lock(meeting)
    move("meeting", meeting, "cancel", actor=actor, note=reason, now=now)
    meeting.save()
    return meeting


@dataclass
class TaskSpec:
    """A list item a resolution produces."""

    title: str
    owner: Unit | None = None
    due_days: int = 20
    funding: str = ""
    kind: str = ItemKind.TASK
    detail: str = ""
    weight: int = 1
    co_owners: list[Unit] = field(default_factory=list)


@transaction.atomic
def resolve_topic(
    *, actor: User, topic: Topic, resolution: str, tasks: Sequence[TaskSpec], now: dt.datetime | None = None
) -> list:
    """The deliberated topic's resolution: it needs a motion passed at one of its meetings, and it
    produces the list items that carry it out (at least one)."""
    from gongzhi.participation.services.lists import add_item

    now = now_or(now)
    topic = lock(topic)
    resolution = text(resolution, "resolution", _("决议"), 4000)
    if not Motion.objects.filter(meeting__topic=topic, passed=True).exists():
        raise DomainError(_("该议题的会议尚无表决通过的动议，不能形成决议。"))
    if not tasks:
        raise FieldError("tasks", _("决议须至少形成一项清单任务。"))
    move("topic", topic, "resolve", actor=actor, note=resolution[:300], now=now)
    topic.resolution = resolution
    topic.save()
    return [
        add_item(
            actor=actor,
            area=topic.area,
            title=spec.title,
            detail=spec.detail,
            kind=spec.kind,
            source=ItemSource.DELIBERATION,
            board=topic.board,
            topic=topic,
            owner=spec.owner,
            co_owners=spec.co_owners,
            due_days=spec.due_days,
            funding=spec.funding,
            weight=spec.weight,
            now=now,
        )
        for spec in tasks
    ]


def upcoming_deadline(meeting: Meeting) -> dt.date:
    """The last day the notice may go out."""
    return timezone.localdate(meeting.starts_at) - dt.timedelta(days=meeting.notice_days)
