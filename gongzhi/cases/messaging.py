"""Messages to reporters through a pluggable channel, like Django's e-mail backends.

`GONGZHI_MESSAGE_BACKEND` names the class: the outbox (the demo: messages are kept and shown
on the outbox page) or the SMS gateway (production: an HTTP POST to GONGZHI_SMS_URL).
"""

from __future__ import annotations

import json
import urllib.request

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from gongzhi.cases.models import OutboundMessage


class OutboxBackend:
    """Keeps messages in the outbox for people to read; sends nothing."""

    name = "outbox"

    def send(self, message: OutboundMessage) -> None:
        message.status = "outbox"
        message.sent_at = timezone.now()


class SmsGatewayBackend:
    """Posts {"to", "text"} as JSON to an SMS gateway with a bearer token."""

    name = "sms"
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


def deliver(message_id: int) -> None:
    message = OutboundMessage.objects.get(pk=message_id)
    channel = backend()
    channel.send(message)
    message.backend = channel.name
    message.save(update_fields=["status", "error", "sent_at", "backend"])
