"""Idempotency-Key for creating API requests: the same key from the same user gets the first
answer again (no second case); the same key with a different body is a conflict."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import IdempotencyRecord, User
from gongzhi.core.errors import Conflict, DomainError


def run_once(
    *, user: User, key: str | None, scope: str, body: bytes, create: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run `create` (returning status and JSON body) once per (user, scope, key).
    Returns (status, body, replayed)."""
    key = (key or "").strip()
    if not key:
        status, data = create()
        return status, data, False
    if len(key) > 100:
        raise DomainError(_("Idempotency-Key 不能超过 100 个字符。"), code="idempotency_key")
    fingerprint = hashlib.sha256(body).hexdigest()

    def replay(record: IdempotencyRecord) -> tuple[int, dict, bool]:
        if record.fingerprint != fingerprint:
            raise Conflict(_("这个 Idempotency-Key 已用于另一个请求内容。"), code="idempotency_key_reused")
        return record.status, record.body, True

    existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            status, data = create()
            IdempotencyRecord.objects.create(
                user=user, scope=scope, key=key, fingerprint=fingerprint, status=status, body=data
            )
    except IntegrityError:
        # A concurrent request with the same key won the race; its case stands, ours rolled back.
        existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if existing is None:
            raise
        return replay(existing)
    return status, data, False
