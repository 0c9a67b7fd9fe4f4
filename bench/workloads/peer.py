"""The peer comparison (issue 5): gongzhi against django-helpdesk 2.6.1 on the same machine, the
same database engine and in the same run.

django-helpdesk runs in its own virtual environment (bench/var/peer-venv, made here with
`python3.11 -m venv` + pip on first use; never gongzhi's .venv) and its own database (a SQLite
file beside the bench data, or `<name>_peer` beside BENCH_DATABASE_URL), from the tiny project in
bench/peer/. Its side runs in a subprocess that prints JSON timings (bench/peer/run_helpdesk.py).

Rows (ratio = gongzhi's time ÷ helpdesk's time; below 1 gongzhi is faster):
- creation: gongzhi `create_case` in process (timed by the intake workload) against helpdesk's
  staff form code (TicketForm.save) and its API (POST /api/tickets/ through Django's test client,
  in process, no network);
- listing: gongzhi's dispatcher queue, open cases, first page (`queue`) against helpdesk's staff
  ticket list of one queue, open tickets, first page of 25 (the datatables view's
  Query.get_datatables_context, and the view itself through the test client); and both over all
  statuses, where each side fills a page of 25."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import DatabaseError, connection

from bench.measure import Row, p50_p99, rate, summary, timings
from bench.workloads import intake
from bench.workloads.queue import _user
from gongzhi.cases.models import OPEN_STATUSES, Case
from gongzhi.cases.selectors import QueueFilters, cases_for, queue

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "bench" / "var" / "peer-venv"
PYTHON = VENV / "bin" / "python"
PACKAGE = "django-helpdesk[teams]==2.6.1"  # its migrations need pinax-teams
# Tickets seeded for helpdesk per scale (BENCH_PEER_TICKETS overrides).
TICKETS = {"tiny": 2_000, "default": 20_000, "million": 100_000, "city": 1_000_000}


def _venv(log) -> str:
    """Make the peer virtual environment unless it is there. Returns '' or why it failed."""
    check = [str(PYTHON), "-c", "import helpdesk, pinax.teams"]
    if PYTHON.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return ""
    log(f"  安装 {PACKAGE} 到 {VENV.relative_to(ROOT)}（只在第一次运行时）")
    steps = [
        ["python3.11", "-m", "venv", str(VENV)],
        [str(PYTHON), "-m", "pip", "install", "-q", PACKAGE],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            return f"{' '.join(step[:4])} failed: {(done.stderr or done.stdout).strip()[-150:]}"
    return ""


def _database(tickets: int, log) -> tuple[dict, str]:
    """The helpdesk side's database settings (as environment variables), same engine as ours.
    PostgreSQL keeps one `<name>_peer` database (seeding only tops it up: the size row says
    how many tickets it held); SQLite one file per ticket count."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        var = Path(os.environ.get("GONGZHI_VAR_DIR", ROOT / "bench" / "var"))
        return {"PEER_SQLITE_PATH": str(var / f"peer-helpdesk-{tickets}.sqlite3")}, ""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + "_peer"
    done = subprocess.run([str(PYTHON), "-c", "import psycopg"], capture_output=True)
    if done.returncode != 0:
        log("  安装 psycopg[binary] 到 peer-venv")
        done = subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "-q", "psycopg[binary]"], capture_output=True, text=True
        )
        if done.returncode != 0:
            return {}, f"pip install psycopg failed: {done.stderr.strip()[-150:]}"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    except DatabaseError as exc:  # e.g. a role without CREATEDB: create it by hand, then rerun
        return {}, f"database {name} is missing and could not be created: {exc}".strip()
    return {"PEER_DATABASE_URL": urlunparse(parsed._replace(path="/" + name))}, ""


def _helpdesk(scale, log) -> tuple[dict, str]:
    why = _venv(log)
    if why:
        return {}, why
    tickets = int(os.environ.get("BENCH_PEER_TICKETS", TICKETS.get(scale.name.split("-")[0], 20_000)))
    env_db, why = _database(tickets, log)
    if why:
        return {}, why
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTHON"))}
    env.update(env_db, DJANGO_SETTINGS_MODULE="bench.peer.settings")
    done = subprocess.run(
        [
            str(PYTHON),
            "-m",
            "bench.peer.run_helpdesk",
            str(tickets),
            str(min(scale.intake, 200)),
            str(scale.repeat),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    sys.stderr.write(done.stderr[-2000:] if done.returncode else done.stderr)
    if done.returncode != 0:
        return {}, f"helpdesk run failed: {done.stderr.strip()[-150:]}"
    return json.loads(done.stdout), ""


def run(scale, log) -> list[Row]:
    peer, why = _helpdesk(scale, log)
    if why:
        return [Row("peer: django-helpdesk 2.6.1", "", "", skipped=why[:200])]
    rows: list[Row] = []

    # Creation: gongzhi's create_case as the intake workload times it.
    ours = intake.run(scale, lambda line: None)[0].values["subject"]
    for key, how in (("create_form", "TicketForm.save"), ("create_api", "POST /api/tickets/")):
        theirs = summary(peer[key])
        rows.append(
            Row(
                f"peer create: create_case vs helpdesk {how}",
                f"{ours['n']:,} / {theirs['n']:,} creations; helpdesk {peer['tickets']:,} tickets",
                f"{rate(1, ours['mean'])}; p50 {ours['p50'] * 1000:.2f} ms",
                f"helpdesk {rate(1, theirs['mean'])}; p50 {theirs['p50'] * 1000:.2f} ms",
                ours["mean"] / theirs["mean"],
                note="in process" + ("" if key == "create_form" else "; helpdesk through DRF, test client"),
                values={"subject": ours, "reference": theirs},
            )
        )

    # Listing: the dispatcher's open queue, first page, against one helpdesk queue's open tickets.
    user = _user("dispatcher")
    scope = cases_for(user)
    size = (
        f"gongzhi {Case.objects.count():,} cases, scope {scope.count():,} "
        f"({scope.filter(status__in=OPEN_STATUSES).count():,} open); helpdesk {peer['tickets']:,} tickets, "
        f"queue {peer['queue_tickets']:,} ({peer['queue_open']:,} open)"
    )
    open_page = summary(timings(lambda: queue(user, QueueFilters()), repeat=scale.repeat))
    any_page = summary(timings(lambda: queue(user, QueueFilters(status="any")), repeat=scale.repeat))
    pairs = (
        ("list_query", "open, first page vs helpdesk datatables query", open_page),
        ("list_http", "open, first page vs helpdesk GET datatables_ticket_list", open_page),
        ("list_all", "all statuses, first page vs helpdesk datatables query", any_page),
    )
    for key, how, ours in pairs:
        theirs = summary(peer[key])
        rows.append(
            Row(
                f"peer list: {how}",
                size,
                f"p50 {ours['p50'] * 1000:.2f} ms",
                f"helpdesk {p50_p99(peer[key])}",
                ours["p50"] / theirs["p50"],
                note=(
                    "helpdesk incl. view + JSON, test client"
                    if key == "list_http"
                    else f"helpdesk {peer['list_queries']} queries/page of {peer['rows']}"
                    if key == "list_query"
                    else "a full page of 25 on both sides"
                ),
                values={"subject": ours, "reference": theirs},
            )
        )
    log(f"  helpdesk: {peer['tickets']:,} tickets ({peer['engine']}, Django {peer['django']})")
    return rows
