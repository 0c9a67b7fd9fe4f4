"""Who hears about a case change: staff by in-app notices, the reporter by a message.

Notices are written after commit by the services; messages to reporters inside the case's own
transaction (messaging.queue, a transactional outbox). Nothing here changes a case.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import notices
from gongzhi.accounts.models import User
from gongzhi.cases import messaging
from gongzhi.cases.models import Case, OutboundMessage


def _case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.number])


def unit_members(case: Case) -> list[User]:
    if not case.assigned_unit_id:
        return []
    return list(User.objects.filter(unit_id=case.assigned_unit_id, is_active=True))


def dispatchers_for(case: Case) -> list[User]:
    """Dispatchers whose scope holds the case."""
    ancestors = [p for p in case.area.path.strip("/").split("/") if p]
    return list(
        User.objects.filter(
            is_active=True, groups__name="dispatcher", scope_id__in=[int(a) for a in ancestors]
        ).distinct()
    )


def leaders_for(case: Case) -> list[User]:
    ancestors = [int(p) for p in case.area.path.strip("/").split("/") if p]
    return list(User.objects.filter(is_active=True, groups__name="leader", scope_id__in=ancestors).distinct())


def notice(users: list[User], *, case: Case, kind: str, title: str, dedupe_key: str = "", at=None) -> int:
    return notices.notify(users, kind=kind, title=title, url=_case_url(case), dedupe_key=dedupe_key, at=at)


REPORTER_TEXTS = {
    OutboundMessage.Kind.RECEIVED: _(
        "【共治】您反映的问题已收到，编号 %(number)s。可凭编号和手机号后四位查询办理进度。"
    ),
    OutboundMessage.Kind.REPLIED: _("【共治】您反映的问题（编号 %(number)s）已有办理结果：%(reply)s"),
    OutboundMessage.Kind.CLOSED: _("【共治】您反映的问题（编号 %(number)s）已办结，请对办理结果进行评价。"),
    OutboundMessage.Kind.MERGED: _(
        "【共治】您反映的问题（编号 %(number)s）与工单 %(master)s 是同一问题，已合并办理，进度请查询 %(master)s。"
    ),
    OutboundMessage.Kind.REJECTED: _("【共治】您反映的问题（编号 %(number)s）不予受理：%(reason)s"),
    # The reason stays inside (it may name staff or other residents); the reporter learns that
    # the earlier result no longer stands.
    OutboundMessage.Kind.REOPENED: _(
        "【共治】您反映的问题（编号 %(number)s）已重新打开，将继续办理，新的办理结果将另行告知。"
    ),
}


FOLLOWER_KINDS = {
    OutboundMessage.Kind.REPLIED,
    OutboundMessage.Kind.CLOSED,
    OutboundMessage.Kind.MERGED,
    OutboundMessage.Kind.REOPENED,
}


def tell_reporter(case: Case, kind: str, *, at=None, **extra: str) -> OutboundMessage | None:
    """Queue a message to the reporter (if a phone was given) and to those following the case,
    in the current transaction; the channel gets them when it commits."""
    if kind in FOLLOWER_KINDS:
        for phone in case.followers.exclude(phone=case.reporter_phone).values_list("phone", flat=True):
            _send(case, kind, phone, at=at, **extra)
    if not case.reporter_phone:
        return None
    return _send(case, kind, case.reporter_phone, at=at, **extra)


def _send(case: Case, kind: str, to: str, *, at=None, **extra: str) -> OutboundMessage:
    params = {"number": case.number, "reply": case.reply_text[:200], "master": "", "reason": ""}
    params.update(extra)
    return messaging.queue(
        case=case, kind=kind, to=to, body=str(REPORTER_TEXTS[kind]) % params, at=at or timezone.now()
    )
