"""In-app notices to staff, for any app: a kind, a title and the page to open.

Kinds are namespaced strings (`"care.alert"`, `"participation.task_overdue"`); an app registers
the label of each of its kinds (`register_kind`) so the notices page shows it. A `dedupe_key`
makes a sweep idempotent: the same key for the same user is written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.accounts.models import Notice, User
from gongzhi.core.errors import NotFound

_labels: dict[str, str] = {}


def register_kind(code: str, label) -> None:
    _labels[code] = label


def label_for(kind: str) -> str:
    if kind in _labels:
        return str(_labels[kind])
    try:
        return str(Notice.Kind(kind).label)
    except ValueError:
        return str(_labels.get("info", Notice.Kind.INFO.label))


def notify(
    users: Iterable[User],
    *,
    kind: str,
    title: str,
    url: str = "",
    dedupe_key: str = "",
    at: dt.datetime | None = None,
) -> int:
    """Write one notice per user; returns how many were new (a dedupe_key already used is skipped)."""
    made = 0
    at = at or timezone.now()
    for user in users:
        if dedupe_key:
            try:
                with transaction.atomic():
                    Notice.objects.create(
                        user=user, kind=kind, title=title[:200], url=url, dedupe_key=dedupe_key, created_at=at
                    )
            except IntegrityError:
                continue  # already told
        else:
            Notice.objects.create(user=user, kind=kind, title=title[:200], url=url, created_at=at)
        made += 1
    return made


def notices_for(user: User):
    """The user's own notices, newest first (nobody reads another's)."""
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def mark_read(*, user: User, pk: int, at: dt.datetime | None = None) -> Notice:
    """Mark one of the user's notices read (idempotent); NotFound for anyone else's."""
    notice = notices_for(user).filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    if notice.read_at is None:
        notice.read_at = at or timezone.now()
        notice.save(update_fields=["read_at"])
    return notice
