"""The deadline sweep's work on one case."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Notice
from gongzhi.cases import notify
from gongzhi.cases.models import (
    Action,
    Case,
    Status,
    Tier,
)
from gongzhi.cases.services._base import (
    SYSTEM_ACTOR_LABEL,
    _event,
    _lock,
)
from gongzhi.cases.services.handling import escalate_case


@transaction.atomic
def mark_overdue(*, case: Case, now: dt.datetime, auto_escalate: bool) -> str | None:
    """The sweep's work on one case: flag it overdue once, tell people, and escalate a handling
    case whose reply deadline passed (one tier per missed deadline). Idempotent."""
    case = _lock(case)
    if not case.is_open or case.next_due >= now or case.overdue:
        return None
    if auto_escalate and case.status == Status.ASSIGNED and case.tier and case.tier < Tier.SUBDISTRICT:
        escalate_case(
            case=case,
            actor=None,
            reason=_("反馈期限 %(due)s 已过，系统自动升级。")
            % {"due": f"{timezone.localtime(case.reply_due):%Y-%m-%d %H:%M}"},
            automatic=True,
            now=now,
        )
        return "escalated"
    case.overdue = True
    case.version += 1
    case.save(update_fields=["overdue", "version", "updated_at"])
    _event(
        case,
        action=Action.OVERDUE,
        actor=None,
        actor_label=SYSTEM_ACTOR_LABEL,
        from_status=case.status,
        data={"due": case.next_due.isoformat()},
        now=now,
    )
    users = [*notify.unit_members(case), *notify.dispatchers_for(case)]
    key = f"overdue:{case.pk}:{case.next_due:%Y%m%d%H%M}"
    transaction.on_commit(
        lambda: notify.notice(
            users,
            case=case,
            kind=Notice.Kind.OVERDUE,
            title=_("工单 %(n)s 已超时") % {"n": case.number},
            dedupe_key=key,
            at=now,
        )
    )
    return "overdue"


def notify_due_soon(*, case: Case, now: dt.datetime) -> int:
    users = (
        [*notify.unit_members(case)] if case.status == Status.ASSIGNED else [*notify.dispatchers_for(case)]
    )
    key = f"due_soon:{case.pk}:{case.next_due:%Y%m%d%H%M}"
    return notify.notice(
        users,
        case=case,
        kind=Notice.Kind.DUE_SOON,
        title=_("工单 %(n)s 即将超时") % {"n": case.number},
        dedupe_key=key,
        at=now,
    )
