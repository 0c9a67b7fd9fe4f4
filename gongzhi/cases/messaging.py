"""Messages to reporters through a pluggable channel, like Django's e-mail backends.

`GONGZHI_MESSAGE_BACKEND` names the class: the outbox (the demo: messages are kept and shown
on the outbox page) or the SMS gateway (production: an HTTP POST to GONGZHI_SMS_URL).

A transactional outbox: `queue` writes the message in the transaction that changed the case, so
a case is never saved without its message nor a message without its case, and a case action
costs one commit. A channel that stays inside the database (the outbox) is applied right there;
one that talks to the outside world (the SMS gateway) is called after the commit — never
inside a transaction — and a message still "queued" a few minutes later (the process died
between the commit and the call) is sent by the sweep (`deliver_queued`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from gongzhi.cases.models import Case, OutboundMessage

logger = logging.getLogger(__name__)

REDACTED_CODE_BODY = "【共治】验证码已发送（内容不保留）。"

# How long a message may stay queued before the sweep sends it (after-commit delivery failed).
RETRY_AFTER = dt.timedelta(minutes=2)


class OutboxBackend:
    """Keeps messages in the outbox for people to read; sends nothing."""

    name = "outbox"
    local = True  # nothing leaves the database: applied inside the writer's transaction

    def send(self, message: OutboundMessage) -> None:
        message.status = "outbox"
        message.sent_at = timezone.now()


class SmsGatewayBackend:
    """Posts {"to", "text"} as JSON to an SMS gateway with a bearer token."""

    name = "sms"
    local = False
    timeout = 10

    def send(self, message: OutboundMessage) -> None:
        body = json.dumps({"to": message.to, "text": message.body}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
            settings.GONGZHI_SMS_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.GONGZHI_SMS_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                ok = 200 <= response.status < 300
        except OSError as exc:
            message.status, message.error = "failed", str(exc)[:300]
            return
        message.status = "sent" if ok else "failed"
        message.sent_at = timezone.now()


def backend():
    return import_string(settings.GONGZHI_MESSAGE_BACKEND)()


def queue(
    *, case: Case | None, kind: str, to: str, body: str, at: dt.datetime, subdistrict_id: int | None = None
) -> OutboundMessage:
    """Write a message to a reporter in the caller's transaction and see that it is sent.
    A message of no case (a one-time code) names its subdistrict."""
    channel = backend()
    message = OutboundMessage(
        case=case,
        kind=kind,
        to=to,
        body=body,
        backend=channel.name,
        created_at=at,
        subdistrict_id=subdistrict_id if case is None else case.subdistrict_id,
    )
    if getattr(channel, "local", False):
        channel.send(message)
        message.save()
        return message
    message.save()
    transaction.on_commit(lambda: deliver(message.pk))
    return message


def deliver(message_id: int) -> None:
    """Hand a queued message to the channel (after the commit that wrote it); idempotent."""
    message = OutboundMessage.objects.filter(pk=message_id, status="queued").first()
    if message is None:
        return
    channel = backend()
    channel.send(message)
    message.backend = channel.name
    # Only a message still queued is updated, so a concurrent retry cannot overwrite the result.
    sent = {
        "status": message.status,
        "error": message.error,
        "sent_at": message.sent_at,
        "backend": channel.name,
    }
    if message.kind == OutboundMessage.Kind.CODE:
        # Once a code has left for the phone, nobody reading the outbox may learn it.
        sent["body"] = REDACTED_CODE_BODY
    OutboundMessage.objects.filter(pk=message.pk, status="queued").update(**sent)


def deliver_queued(*, now: dt.datetime | None = None) -> int:
    """Send the messages left queued for longer than RETRY_AFTER; returns how many were tried."""
    cutoff = (now or timezone.now()) - RETRY_AFTER
    ids = list(
        OutboundMessage.objects.filter(status="queued", created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        try:
            deliver(pk)
        except Exception:  # one bad message never stops the others
            logger.exception("delivering message %s failed", pk)
    return len(ids)
