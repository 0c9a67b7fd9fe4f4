"""After closure and beside handling: rating, reopening, suspension, merging duplicates, notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Notice, User
from gongzhi.cases import deadlines, notify, transitions
from gongzhi.cases.models import (
    OPEN_STATUSES,
    Action,
    Case,
    CaseFollower,
    OutboundMessage,
    Rating,
    Status,
)
from gongzhi.cases.services._base import (
    _apply,
    _attach,
    _event,
    _lock,
    _require_text,
)
from gongzhi.cases.services.intake import clean_phone
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError


def _reopen(case: Case, *, actor: User | None, reason: str, now: dt.datetime) -> None:
    case.reopen_count += 1
    case.closed_at = None
    case.verified_at = None
    case.replied_at = None
    # The earlier reply no longer stands as the result (it stays on the timeline).
    previous_reply, case.reply_text = case.reply_text, ""
    deadlines.set_handling_dues(case, now)
    _apply(
        case,
        actor=actor,
        action=Action.REOPEN,
        note=reason,
        now=now,
        data={"reopen_count": case.reopen_count, "previous_reply": previous_reply[:500]},
        fields=[
            "reopen_count",
            "closed_at",
            "verified_at",
            "replied_at",
            "reply_text",
            "reply_due",
            "close_due",
        ],
    )
    notify.tell_reporter(case, OutboundMessage.Kind.REOPENED, at=now)
    transaction.on_commit(
        lambda: notify.notice(
            [*notify.unit_members(case), *notify.dispatchers_for(case)],
            case=case,
            kind=Notice.Kind.REOPENED,
            title=_("工单 %(n)s 已重新打开：%(r)s") % {"n": case.number, "r": reason[:60]},
            at=now,
        )
    )


@transaction.atomic
def rate_case(
    *,
    case: Case,
    rating: str,
    solved: bool,
    comment: str = "",
    actor: User | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The reporter's rating (on the public page, or taken by phone by a dispatcher).
    An unsatisfied rating reopens the case."""
    case = _lock(case, expected_version)
    if actor is not None:
        permissions.require(actor, "case.rate_by_phone", case)
    if rating not in Rating.values:
        raise DomainError(_("请选择满意、基本满意或不满意。"))
    comment = (comment or "").strip()[:500]
    now = now or timezone.now()
    case.rating = rating
    case.solved = bool(solved)
    case.rated_at = now
    _apply(
        case,
        actor=actor,
        action=Action.RATE,
        note=comment,
        now=now,
        data={"rating": rating, "solved": bool(solved), "by_phone": actor is not None},
        fields=["rating", "solved", "rated_at"],
    )
    if rating == Rating.UNSATISFIED:
        _reopen(case, actor=actor, reason=comment or _("反映人不满意"), now=now)
    return case


@transaction.atomic
def reopen_case(
    *,
    case: Case,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.reopen", case)
    reason = _require_text(reason, _("重新打开的理由"), 500)
    transitions.target(case.status, Action.REOPEN)
    _reopen(case, actor=actor, reason=reason, now=now)
    return case


@transaction.atomic
def request_suspension(
    *,
    case: Case,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.suspend_request", case)
    reason = _require_text(reason, _("挂起理由"), 500)
    if case.suspension_requested:
        raise DomainError(_("已申请挂起，等待审批。"))
    case.suspension_requested = True
    _apply(
        case,
        actor=actor,
        action=Action.SUSPEND_REQUEST,
        note=reason,
        fields=["suspension_requested"],
        now=now,
    )
    transaction.on_commit(
        lambda: notify.notice(
            notify.leaders_for(case),
            case=case,
            kind=Notice.Kind.INFO,
            title=_("工单 %(n)s 申请挂起，待审批") % {"n": case.number},
            at=now,
        )
    )
    return case


@transaction.atomic
def approve_suspension(
    *,
    case: Case,
    actor: User,
    approved: bool,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The approver's decision on a suspension request. Suspended cases stop their clocks."""
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.suspend_approve", case)
    if not case.suspension_requested:
        raise DomainError(_("该工单没有待审批的挂起申请。"))
    case.suspension_requested = False
    if approved:
        _apply(
            case,
            actor=actor,
            action=Action.SUSPEND,
            note=note,
            data={"approved": True},
            fields=["suspension_requested"],
            now=now,
        )
    else:
        _apply(
            case,
            actor=actor,
            action=Action.NOTE,
            note=note or _("挂起申请未批准"),
            data={"approved": False},
            fields=["suspension_requested"],
            now=now,
        )
    return case


@transaction.atomic
def resume_case(
    *,
    case: Case,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    case = _lock(case, expected_version)
    permissions.require(actor, "case.resume", case)
    now = now or timezone.now()
    deadlines.set_handling_dues(case, now)
    _apply(case, actor=actor, action=Action.RESUME, note=note, now=now, fields=["reply_due", "close_due"])
    return case


@transaction.atomic
def merge_case(
    *,
    case: Case,
    master: Case,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Merge a duplicate into its master case; the reporters of both are told."""
    if case.pk == master.pk:
        raise DomainError(_("不能把工单合并到它自己。"))
    # Lock in id order so that two merges in opposite directions cannot deadlock.
    first, second = sorted([case, master], key=lambda c: c.pk)
    locked = {c.pk: _lock(c) for c in (first, second)}
    case, master = locked[case.pk], locked[master.pk]
    if expected_version is not None and case.version != expected_version:
        raise Conflict(_("工单已被他人修改，请刷新后重试。"))
    permissions.require(actor, "case.merge", case)
    permissions.require(actor, "case.merge", master)
    if master.status in (Status.MERGED, Status.REJECTED) or master.master_id:
        raise DomainError(_("主工单 %(n)s 已合并或不予受理，不能作为主工单。") % {"n": master.number})
    if case.subdistrict_id != master.subdistrict_id:
        raise DomainError(_("只能合并同一街道的工单。"))
    now = now or timezone.now()
    case.master = master
    case.closed_at = now
    _apply(
        case,
        actor=actor,
        action=Action.MERGE,
        note=note,
        now=now,
        data={"master": master.number},
        fields=["master", "closed_at"],
    )
    master.version += 1
    master.save(update_fields=["version", "updated_at"])
    _event(
        master,
        action=Action.NOTE,
        actor=actor,
        from_status=master.status,
        note=_("工单 %(n)s 作为重复件并入本工单。") % {"n": case.number},
        data={"merged": case.number},
        now=now,
    )

    notify.tell_reporter(case, OutboundMessage.Kind.MERGED, at=now, master=master.number)
    if master.reporter_phone:
        notify.tell_reporter(
            master, OutboundMessage.Kind.MERGED, at=now, master=master.number, number=case.number
        )
    return case


@transaction.atomic
def add_note(
    *,
    case: Case,
    actor: User,
    note: str,
    photos_: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.note", case)
    note = _require_text(note, _("备注"), 2000)
    event = _apply(case, actor=actor, action=Action.NOTE, note=note, now=now)
    _attach(case, event, photos_)
    return case


@transaction.atomic
def follow_case(*, case: Case, phone: str, now: dt.datetime | None = None) -> bool:
    """A resident with the same problem follows an open case instead of filing a duplicate.
    Returns False when that phone already follows it."""
    now = now or timezone.now()
    phone = clean_phone(phone, required=True)
    case = _lock(case)
    if case.status not in OPEN_STATUSES:
        raise DomainError(_("该工单已办结，如问题仍然存在，请重新反映。"))
    _follower, created = CaseFollower.objects.get_or_create(
        case=case, phone=phone, defaults={"created_at": now}
    )
    return created
