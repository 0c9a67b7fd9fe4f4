"""The three rates per area × month over five years (`gongzhi.cases.metrics.dashboard`), for one
subdistrict (a leader's scope) and for a whole district, cold and warm, as the product computes
them (finished cases from the monthly rollup, open ones live) and, for comparison, over raw rows
as before the rollup.

Cold = the first call on a new database connection (the database's own caches and the OS page
cache are not dropped: dropping them needs root and a restart). Warm = median of repeats.
Reference: the same two aggregations (area × month, unit) in DuckDB over the same rows, copied
into an in-memory DuckDB table first (the copy is not timed)."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench.measure import Row, ms, timings
from gongzhi.accounts.models import User
from gongzhi.cases import rollup
from gongzhi.cases.metrics import dashboard
from gongzhi.cases.models import FINISHED_STATUSES, Case
from gongzhi.cases.selectors import cases_for, scope_filter
from gongzhi.territory.models import Area

COLUMNS = [
    "area_id",
    "subdistrict_id",
    "assigned_unit_id",
    "created_at",
    "closed_at",
    "responded_at",
    "response_due",
    "next_due",
    "status",
    "rating",
    "solved",
]

OPEN = "('reported','accepted','assigned','replied','verified','suspended')"


def _export(path: Path, subdistricts: list[int]) -> int:
    """The columns the rates need for the measured district's cases, times in local time (DuckDB
    then needs no time zone data)."""
    tz = timezone.get_default_timezone()

    def local(value):
        return "" if value is None else timezone.localtime(value, tz).replace(tzinfo=None).isoformat(" ")

    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        rows = Case.objects.filter(subdistrict_id__in=subdistricts).values_list(*COLUMNS).order_by()
        for row in rows.iterator(chunk_size=20_000):
            row = list(row)
            for i in (3, 4, 5, 6, 7):
                row[i] = local(row[i])
            row[10] = "" if row[10] is None else int(row[10])
            writer.writerow(row)
            count += 1
    return count


def _duckdb_queries(subdistricts: list[int], now_local: dt.datetime) -> list[str]:
    ids = ",".join(str(i) for i in subdistricts)
    now = now_local.strftime("%Y-%m-%d %H:%M:%S")
    counts = f"""
        count(*) AS total,
        count(*) FILTER (WHERE responded_at IS NOT NULL OR response_due < TIMESTAMP '{now}') AS due_for_response,
        count(*) FILTER (WHERE responded_at IS NOT NULL AND responded_at <= response_due) AS responded_in_time,
        count(*) FILTER (WHERE rating IS NOT NULL AND rating <> '') AS rated,
        count(*) FILTER (WHERE solved = 1 AND rating IS NOT NULL AND rating <> '') AS solved,
        count(*) FILTER (WHERE rating = 'satisfied') AS satisfied,
        count(*) FILTER (WHERE rating = 'basically') AS basically,
        count(*) FILTER (WHERE rating = 'unsatisfied') AS unsatisfied,
        count(*) FILTER (WHERE status IN {OPEN}) AS open,
        count(*) FILTER (WHERE status IN {OPEN} AND next_due < TIMESTAMP '{now}') AS overdue,
        count(*) FILTER (WHERE closed_at IS NOT NULL AND status IN ('closed','rated')) AS closed,
        avg(epoch(closed_at - created_at)) FILTER (WHERE closed_at IS NOT NULL AND status IN ('closed','rated')) AS handling
    """
    return [
        f"SELECT area_id, date_trunc('month', created_at) AS month, {counts} FROM cases "
        f"WHERE subdistrict_id IN ({ids}) GROUP BY 1, 2",
        f"SELECT assigned_unit_id, {counts} FROM cases WHERE subdistrict_id IN ({ids}) GROUP BY 1",
    ]


def _refresh_cost(subs: list[int], repeat: int) -> list[float]:
    """What a finishing action pays for the rollup: `rollup.refresh` of a finished case's bucket
    (an aggregate over the bucket's cases under a row lock), in a transaction rolled back."""
    from django.db import transaction

    cases = list(
        Case.objects.filter(subdistrict_id__in=subs, status__in=FINISHED_STATUSES)
        .select_related("area")
        .order_by("-id")[:repeat]
    )
    out = []
    for case in cases:
        with transaction.atomic():
            began = time.perf_counter()
            rollup.refresh(case)
            out.append(time.perf_counter() - began)
            transaction.set_rollback(True)
    return out


def run(scale, log) -> list[Row]:
    import duckdb

    leader = User.objects.filter(username__startswith="bench", groups__name="leader").order_by("id").first()
    subdistrict = leader.scope
    district = Area.objects.get(pk=subdistrict.path.strip("/").split("/")[0])
    district_subs = list(
        Area.objects.filter(kind="subdistrict", path__startswith=district.path).values_list("id", flat=True)
    )
    # The leader's own view (dashboard_for: the rollup, since a leader sees every case of the
    # subdistrict), and the district as a district-level leader would see it.
    targets = [
        ("subdistrict", lambda: cases_for(leader), subdistrict, [subdistrict.pk]),
        (
            "district",
            lambda: Case.objects.filter(scope_filter(district)),
            district,
            district_subs,
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        began = time.monotonic()
        exported = _export(path, district_subs)
        duck = duckdb.connect()
        duck.execute(f"CREATE TABLE cases AS SELECT * FROM read_csv_auto('{path}', header=true)")
        log(f"  DuckDB: {exported:,} rows copied in {time.monotonic() - began:,.1f} s (not timed)")
    # Rebuilt for the measured district (all of the bench's data below city scale).
    began = time.perf_counter()
    buckets = rollup.rebuild(district_subs)
    rebuild_seconds = time.perf_counter() - began
    finished = Case.objects.filter(subdistrict_id__in=district_subs, status__in=FINISHED_STATUSES).count()
    rows = [
        Row(
            "dashboard rollup: rebuild from the cases",
            f"{finished:,} finished cases in {len(district_subs)} subdistricts",
            ms(rebuild_seconds),
            f"{buckets:,} buckets",
            None,
            "`gongzhi rollup rebuild` (after a bulk load or restore; the services keep it otherwise)",
            values={"subject": [rebuild_seconds]},
        )
    ]
    refresh = _refresh_cost(district_subs, scale.repeat)
    if refresh:
        rows.append(
            Row(
                "dashboard rollup: refresh per finishing action",
                f"{len(refresh)} finished cases",
                f"p50 {ms(statistics.median(refresh))} / p99 {ms(max(refresh))}",
                "",
                None,
                "paid inside close/rate/reject/merge/reopen, in their transaction",
                values={"subject": refresh},
            )
        )
    for label, qs, root, subs in targets:
        count = qs().count()
        months = round(scale.years * 12)
        size = f"{count:,} cases, {months} months"

        def product():
            return dashboard(qs(), root=root, use_rollup=True)  # noqa: B023

        def raw():
            return dashboard(qs(), root=root, use_rollup=False)  # noqa: B023

        connection.close()
        began = time.perf_counter()
        board = product()
        cold = time.perf_counter() - began
        warm = timings(product, repeat=5, warmup=0)
        raw_warm = timings(raw, repeat=3, warmup=0)
        raw_board = raw()
        queries = _duckdb_queries(subs, timezone.localtime().replace(tzinfo=None))

        def reference():
            for sql in queries:  # noqa: B023
                duck.execute(sql).fetchall()

        ref_cold_began = time.perf_counter()
        reference()
        ref_cold = time.perf_counter() - ref_cold_began
        ref = timings(reference, repeat=5, warmup=1)
        warm_p50, ref_p50, raw_p50 = (
            statistics.median(warm),
            statistics.median(ref),
            statistics.median(raw_warm),
        )
        check = duck.execute(
            f"SELECT count(*) FROM cases WHERE subdistrict_id IN ({','.join(map(str, subs))})"
        ).fetchone()[0]
        note = f"rates {board.overall.response_rate:.3f}/{board.overall.resolution_rate or 0:.3f}/{board.overall.satisfaction_rate or 0:.3f}"
        if not board.from_rollup:
            note += "; NOT from the rollup"
        if check != board.overall.total:
            note += f"; DuckDB counted {check:,} ≠ {board.overall.total:,}"
        same = (
            board.overall.total,
            board.overall.closed,
            board.overall.rated,
            board.overall.due_for_response,
        ) == (
            raw_board.overall.total,
            raw_board.overall.closed,
            raw_board.overall.rated,
            raw_board.overall.due_for_response,
        )
        rows.append(
            Row(
                f"dashboard {label}: cold",
                size,
                ms(cold),
                f"DuckDB first {ms(ref_cold)}",
                cold / ref_cold,
                note,
                values={"subject": cold, "reference": ref_cold},
            )
        )
        rows.append(
            Row(
                f"dashboard {label}: warm",
                size,
                ms(warm_p50),
                f"DuckDB {ms(ref_p50)}",
                warm_p50 / ref_p50,
                values={"subject": warm, "reference": ref},
            )
        )
        rows.append(
            Row(
                f"dashboard {label}: warm, before the rollup (raw rows)",
                size,
                ms(raw_p50),
                f"with rollup {ms(warm_p50)}",
                raw_p50 / warm_p50,
                "what changed: finished cases come from the monthly rollup"
                + ("" if same else "; FIGURES DIFFER"),
                values={"subject": raw_warm, "reference": warm},
            )
        )
    duck.close()
    return rows
