"""The helpdesk side of the peer comparison; run with the peer venv's interpreter from the repo
root: `bench/var/peer-venv/bin/python -m bench.peer.run_helpdesk TICKETS CREATES REPEAT`.

Seeds TICKETS tickets (bulk_create, one follow-up each, spread over four queues and five years,
one in ten open) unless they are there, then times, as django-helpdesk 2.6.1 does them:
- ticket creation through its staff form's code (TicketForm.save: ticket, follow-up, e-mails)
  and through POST /api/tickets/ (DRF, HELPDESK_ACTIVATE_API_ENDPOINT=True) in process;
- the staff ticket list of one queue, open tickets, first page of 25: Query.get_datatables_context
  (what datatables_ticket_list runs) and GET /datatables_ticket_list/<query>?length=25; and the
  same query over all statuses (a full page of 25 on both sides).
Prints one JSON object on stdout; progress on stderr."""

import datetime as dt
import json
import os
import random
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.forms import TicketForm  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402
from helpdesk.query import get_query_class, query_to_base64  # noqa: E402
from helpdesk.user import HelpdeskUser  # noqa: E402

Query = get_query_class()
SEED_BUDGET = float(os.environ.get("PEER_SEED_BUDGET", "600"))


def log(line):
    print(line, file=sys.stderr, flush=True)


def world():
    User = get_user_model()
    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create_superuser("bench", "bench@example.com", "bench-password-123")
    queues = []
    for i in range(4):
        queue, _ = Queue.objects.get_or_create(
            slug=f"q{i}", defaults={"title": f"街道 {i}", "email_address": f"q{i}@example.com"}
        )
        queues.append(queue)
    return user, queues


def seed(user, queues, target):
    have = Ticket.objects.count()
    if have >= target:
        return have, 0.0
    rng = random.Random(2026)
    now = timezone.now()
    began = time.monotonic()
    span = 5 * 365 * 86400
    while have < target and time.monotonic() - began < SEED_BUDGET:
        batch = min(5000, target - have)
        tickets = []
        for _ in range(batch):
            created = now - dt.timedelta(seconds=rng.randrange(span))
            tickets.append(
                Ticket(
                    title="小区门口垃圾满溢",
                    queue=queues[rng.randrange(4)],
                    created=created,
                    modified=created,
                    submitter_email="resident@example.com",
                    status=Ticket.OPEN_STATUS if rng.random() < 0.1 else Ticket.CLOSED_STATUS,
                    description="垃圾桶已满两天无人清运。",
                    priority=3,
                    secret_key=uuid.uuid4().hex[:32],
                )
            )
        with transaction.atomic():
            made = Ticket.objects.bulk_create(tickets)
            FollowUp.objects.bulk_create(
                FollowUp(ticket=t, date=t.created, title="Ticket Opened", comment=t.description, public=True)
                for t in made
            )
        have += batch
    return have, time.monotonic() - began


def timed(fn, n):
    out = []
    for i in range(n):
        began = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - began)
    return out


def main():
    tickets, creates, repeat = (int(x) for x in sys.argv[1:4])
    call_command("migrate", verbosity=0, interactive=False)
    user, queues = world()
    have, seed_seconds = seed(user, queues, tickets)
    log(f"  helpdesk: {have:,} tickets ({seed_seconds:,.0f} s seeding)")
    before = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client = Client()
    client.force_login(user)
    choices = [(q.id, q.title) for q in queues]

    def by_form(i):
        data = {
            "queue": queues[i % 4].id,
            "title": "小区门口垃圾满溢",
            "body": f"性能测试 {i}：垃圾桶已满两天无人清运。",
            "submitter_email": "resident@example.com",
            "priority": 3,
        }
        form = TicketForm(data=data, queue_choices=choices)
        if not form.is_valid():
            raise SystemExit(f"TicketForm: {form.errors.as_json()}")
        form.save(user=user)

    def by_api(i):
        response = client.post(
            "/api/tickets/",
            {
                "queue": queues[i % 4].id,
                "title": "小区门口垃圾满溢",
                "description": f"性能测试 {i}：垃圾桶已满两天无人清运。",
                "submitter_email": "resident@example.com",
                "priority": 3,
            },
            content_type="application/json",
        )
        if response.status_code != 201:
            raise SystemExit(f"POST /api/tickets/: {response.status_code} {response.content[:300]!r}")

    try:
        by_form(0)
        by_api(0)
        form_times = timed(by_form, creates)
        api_times = timed(by_api, creates)
    finally:
        Ticket.objects.filter(pk__gt=before).delete()

    params = {
        "filtering": {
            "status__in": [Ticket.OPEN_STATUS, Ticket.REOPENED_STATUS],
            "queue__id__in": [queues[0].id],
        },
        "sorting": "created",
        "search_string": "",
        "sortreverse": False,
    }
    huser = HelpdeskUser(user)
    b64 = query_to_base64(params)
    if isinstance(b64, bytes):
        b64 = b64.decode()

    def by_query(_i):
        Query(huser, query_params=params).get_datatables_context(length=["25"])

    def by_http(_i):
        response = client.get(f"/datatables_ticket_list/{b64}", {"length": "25"})
        if response.status_code != 200:
            raise SystemExit(f"GET datatables_ticket_list: {response.status_code} {response.content[:300]!r}")

    by_query(0)
    with CaptureQueriesContext(connection) as captured:
        context = Query(huser, query_params=params).get_datatables_context(length=["25"])
    list_queries = len(captured.captured_queries)
    by_http(0)
    query_times = timed(by_query, repeat)
    http_times = timed(by_http, repeat)
    every = {**params, "filtering": {"queue__id__in": [queues[0].id]}}

    def all_statuses(_i):
        Query(huser, query_params=every).get_datatables_context(length=["25"])

    all_statuses(0)
    all_times = timed(all_statuses, repeat)
    json.dump(
        {
            "tickets": have,
            "seed_seconds": seed_seconds,
            "queue_tickets": Ticket.objects.filter(queue=queues[0]).count(),
            "queue_open": context["recordsTotal"],
            "rows": len(context["data"]),
            "list_queries": list_queries,
            "create_form": form_times,
            "create_api": api_times,
            "list_query": query_times,
            "list_http": http_times,
            "list_all": all_times,
            "django": django.get_version(),
            "engine": connection.vendor,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
