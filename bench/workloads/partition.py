"""Monthly partitioning on PostgreSQL (`gongzhi partition`, gongzhi/cases/partitioning.py): the
case reads that matter, on the plain tables (the reference) and after converting, inside one
transaction that is rolled back at the end (PostgreSQL DDL is transactional, so the bench database
is left as it was):
  1. `cases_caseevent` partitioned by month (what `gongzhi partition enable` does);
  2. `cases_case` partitioned by month as well (the same conversion), to decide whether to offer it.
Reads: the dispatcher's queue first page (open; all statuses) through `selectors.queue`, a case by
number (`selectors.case_for`), a timeline (`selectors.timeline`) of a recent and of an old case,
a subdistrict's cases created in one month (count), one month of events by action (count); and,
as a proposal for the selector, the recent case's timeline bounded below by the case's created_at
(events never precede their case, and the bound lets PostgreSQL skip the earlier months).
The note says how many partitions the queries' plans touch (EXPLAIN), of how many. The plain
reference is measured before the conversion and again after the rollback, samples pooled.
SQLite: skipped (partitioning is a PostgreSQL feature)."""

from __future__ import annotations

import re
import time

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from bench.measure import Row, p50_p99, summary, timings
from gongzhi.accounts.models import User
from gongzhi.cases import partitioning
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.cases.selectors import QueueFilters, case_for, cases_for, queue, timeline


def _reads(user: User) -> list[tuple[str, object]]:
    """(label, callable) for each read; the cases are picked once, on the plain tables."""
    mine = cases_for(user)
    recent = mine.order_by("-created_at", "-id").first()
    old = mine.order_by("created_at", "id").first()
    local = partitioning.month_start(*partitioning._month_of(recent.created_at))
    month_begin = partitioning.month_start(*partitioning._add_months(partitioning._month_of(local), -1))
    month_end = local

    def month_count():
        return mine.filter(created_at__gte=month_begin, created_at__lt=month_end).count()

    def month_events():
        return list(
            CaseEvent.objects.filter(created_at__gte=month_begin, created_at__lt=month_end)
            .values("action")
            .annotate(n=Count("id"))
        )

    return [
        ("queue dispatcher: open, first page", lambda: queue(user, QueueFilters())),
        ("queue dispatcher: all statuses, first page", lambda: queue(user, QueueFilters(status="any"))),
        ("case by number", lambda: case_for(user, recent.number)),
        ("timeline of a recent case", lambda: list(timeline(recent))),
        (f"timeline of an old case ({old.created_at:%Y-%m})", lambda: list(timeline(old))),
        (
            "timeline of a recent case, created_at ≥ the case's — proposal",
            lambda: list(timeline(recent).filter(created_at__gte=recent.created_at)),
        ),
        (f"subdistrict: cases created in {month_begin:%Y-%m} (count)", month_count),
        (f"all events of {month_begin:%Y-%m} by action", month_events),
    ]


def _partitions_touched(fn) -> str:
    """'k/n partitions': the partitions of each partitioned table that the plans (EXPLAIN) of the
    queries `fn` sends touch, all queries together, of how many there are."""
    with CaptureQueriesContext(connection) as captured:
        fn()
    plan = ""
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan += "\n".join(row[0] for row in cursor.fetchall())
    parts = []
    for table in ("cases_case", "cases_caseevent"):
        if not partitioning.is_partitioned(table):
            continue
        touched = set(re.findall(rf"\b({table}_(?:p\d{{6}}|default))\b", plan))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass(%s)", [table])
            total = cursor.fetchone()[0]
        parts.append(f"{table.removeprefix('cases_')}: {len(touched)}/{total} partitions")
    return "; ".join(parts)


def _measure(reads, repeat: int) -> dict[str, dict]:
    out = {}
    for label, fn in reads:
        samples = timings(fn, repeat=repeat)
        out[label] = {"samples": samples, "summary": summary(samples), "note": _partitions_touched(fn)}
    return out


def run(scale, log) -> list[Row]:
    if connection.vendor != "postgresql":
        return [Row("partition", "", "", skipped="PostgreSQL only: partitioning is a PostgreSQL feature")]
    connection.ensure_connection()
    user = User.objects.filter(username__startswith="bench", groups__name="dispatcher").order_by("id").first()
    cases, events = Case.objects.count(), CaseEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("ANALYZE cases_caseevent")
    reads = _reads(user)
    log("  plain tables")
    plain = _measure(reads, scale.repeat)
    rows: list[Row] = []
    with transaction.atomic():
        log("  converting cases_caseevent")
        began = time.monotonic()
        conversion = partitioning.convert("cases_caseevent")
        months = len(conversion.partitions) - 1
        size = f"{cases:,} cases, {events:,} events, {months} months"
        rows.append(
            Row(
                "partition enable events: conversion",
                size,
                f"{time.monotonic() - began:,.1f} s",
                note=f"{conversion.rows:,} rows copied, indexes rebuilt, in one transaction",
            )
        )
        events_only = _measure(reads, scale.repeat)
        log("  converting cases_case")
        began = time.monotonic()
        conversion = partitioning.convert("cases_case")
        rows.append(
            Row(
                "partition cases too: conversion",
                size,
                f"{time.monotonic() - began:,.1f} s",
                note=f"{conversion.rows:,} rows; foreign keys dropped: {len(conversion.dropped_foreign_keys)}",
            )
        )
        both = _measure(reads, scale.repeat)
        transaction.set_rollback(True)
    log("  plain tables again (the reference pools both plain runs: the machine's load drifts)")
    again = _measure(reads, scale.repeat)
    for label in plain:
        plain[label]["samples"] = plain[label]["samples"] + again[label]["samples"]
        plain[label]["summary"] = summary(plain[label]["samples"])
    for variant, measured in (("events partitioned", events_only), ("cases + events partitioned", both)):
        for label, _fn in reads:
            s, r = measured[label]["summary"], plain[label]["summary"]
            rows.append(
                Row(
                    f"{label} — {variant}",
                    size,
                    p50_p99(measured[label]["samples"]),
                    f"plain {p50_p99(plain[label]['samples'])}",
                    s["p50"] / r["p50"] if r["p50"] else None,
                    note=measured[label]["note"],
                    values={"subject": s, "reference": r},
                )
            )
    return rows
