"""Messages to reporters go through a transactional outbox: written with the case, sent by the
channel after the commit (an SMS gateway here is a real HTTP server on loopback)."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from gongzhi.cases import sweep
from gongzhi.cases.models import Case, OutboundMessage
from gongzhi.cases.tests.helpers import public_report


@pytest.fixture
def gateway():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms(settings, gateway):
    url, received = gateway
    settings.GONGZHI_MESSAGE_BACKEND = "gongzhi.cases.messaging.SmsGatewayBackend"
    settings.GONGZHI_SMS_URL = url
    settings.GONGZHI_SMS_TOKEN = "t0ken"
    return received


def test_the_outbox_message_is_written_with_the_case_in_one_transaction(world):
    case = public_report(world)  # no after-commit step needed
    message = OutboundMessage.objects.get(case=case)
    assert (message.kind, message.status, message.backend) == ("received", "outbox", "outbox")
    assert message.sent_at is not None and case.number in message.body


def test_a_case_rolled_back_leaves_no_message(world, sms):
    before = OutboundMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        public_report(world, title="回滚的工单")
        raise RuntimeError("the request failed after the case was written")
    assert not Case.objects.filter(title="回滚的工单").exists()
    assert OutboundMessage.objects.count() == before
    assert sms == []


def test_the_gateway_is_called_after_the_commit(world, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = public_report(world)
    message = OutboundMessage.objects.get(case=case)
    assert message.status == "queued" and sms == []  # nothing left the building before the commit
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert (message.status, message.backend) == ("sent", "sms") and message.sent_at
    assert sms == [("Bearer t0ken", {"to": "13812345678", "text": message.body})]


def test_a_gateway_that_is_down_marks_the_message_failed(world, settings, django_capture_on_commit_callbacks):
    settings.GONGZHI_MESSAGE_BACKEND = "gongzhi.cases.messaging.SmsGatewayBackend"
    settings.GONGZHI_SMS_URL = "http://127.0.0.1:9/closed"  # the discard port: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        case = public_report(world)
    message = OutboundMessage.objects.get(case=case)
    assert message.status == "failed" and message.error


def test_the_sweep_sends_messages_left_queued(world, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        case = public_report(world)  # the process "dies" before its after-commit delivery
    message = OutboundMessage.objects.get(case=case)
    assert sweep.sweep(now=timezone.now()).messages_retried == 0  # too fresh: delivery may be under way
    later = timezone.now() + dt.timedelta(minutes=3)
    assert sweep.sweep(now=later).messages_retried == 1
    message.refresh_from_db()
    assert message.status == "sent" and len(sms) == 1
    assert sweep.sweep(now=later).messages_retried == 0  # sent once, never again
    assert len(sms) == 1
