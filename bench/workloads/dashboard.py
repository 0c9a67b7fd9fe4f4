"""The three rates per area × month over five years (`gongzhi.cases.metrics.dashboard`), for one
subdistrict (a leader's scope) and for a whole district, cold and warm.

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
from gongzhi.cases.metrics import dashboard
from gongzhi.cases.models import Case
from gongzhi.cases.selectors import cases_for
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


def _export(path: Path) -> int:
    """The columns the rates need, times in local time (DuckDB then needs no time zone data)."""
    tz = timezone.get_default_timezone()

    def local(value):
        return "" if value is None else timezone.localtime(value, tz).replace(tzinfo=None).isoformat(" ")

    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in Case.objects.values_list(*COLUMNS).order_by().iterator(chunk_size=20_000):
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


ROLLUP_SUMS = """
    COUNT(*) AS total,
    SUM(CASE WHEN responded_at IS NOT NULL THEN 1 ELSE 0 END) AS responded,
    SUM(CASE WHEN responded_at IS NOT NULL AND responded_at <= response_due THEN 1 ELSE 0 END) AS in_time,
    SUM(CASE WHEN rating <> '' THEN 1 ELSE 0 END) AS rated,
    SUM(CASE WHEN solved AND rating <> '' THEN 1 ELSE 0 END) AS solved,
    SUM(CASE WHEN rating = 'satisfied' THEN 1 ELSE 0 END) AS satisfied,
    SUM(CASE WHEN rating = 'basically' THEN 1 ELSE 0 END) AS basically,
    SUM(CASE WHEN rating = 'unsatisfied' THEN 1 ELSE 0 END) AS unsatisfied,
    SUM(CASE WHEN c.closed_at IS NOT NULL AND c.status IN ('closed', 'rated') THEN 1 ELSE 0 END) AS closed,
    SUM(CASE WHEN c.closed_at IS NOT NULL AND c.status IN ('closed', 'rated') THEN {seconds} ELSE 0 END) AS handling
"""
ROLLUP_COLUMNS = (
    "total, responded, in_time, rated, solved, satisfied, basically, unsatisfied, closed, handling"
)


def _build_rollup() -> tuple[float, int]:
    """The proposal: counts per subdistrict × neighbourhood × unit × month — the part of the rates
    that does not depend on "now" (the dashboard's rows are areas one level below the root, so
    nothing finer than a neighbourhood is needed). In production the services would add to it in
    the event's transaction, or a task would refresh the current month every minute; here it is
    built in one statement."""
    if connection.vendor == "postgresql":
        month = "to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        seconds = "EXTRACT(EPOCH FROM closed_at - c.created_at)"
    else:
        month = "strftime('%Y-%m', c.created_at, '+8 hours')"
        seconds = "(julianday(closed_at) - julianday(c.created_at)) * 86400"
    # Generated buildings hang under neighbourhoods; a real tree would take the path's 4th id.
    neighbourhood = "CASE WHEN a.kind IN ('building', 'estate') THEN a.parent_id ELSE a.id END"
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_rollup")
        cursor.execute(
            f"CREATE TABLE bench_rollup AS SELECT c.subdistrict_id, {neighbourhood} AS area_id, "
            f"c.assigned_unit_id, {month} AS month, {ROLLUP_SUMS.format(seconds=seconds)} "
            "FROM cases_case c JOIN territory_area a ON a.id = c.area_id GROUP BY 1, 2, 3, 4"
        )
        cursor.execute("CREATE INDEX bench_rollup_sub_month ON bench_rollup (subdistrict_id, month)")
        cursor.execute("ANALYZE bench_rollup")
        cursor.execute("SELECT COUNT(*) FROM bench_rollup")
        rows = cursor.fetchone()[0]
    return time.perf_counter() - began, rows


def _from_rollup(subdistricts: list[int]) -> int:
    """The dashboard's two groupings from the rollup, plus the live part (open, overdue, not yet
    responded) from the open cases only. Returns the case total, to check against the raw one."""
    ids = ",".join(str(i) for i in subdistricts)
    sums = ", ".join(f"SUM({c})" for c in ROLLUP_COLUMNS.split(", "))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT area_id, month, {sums} FROM bench_rollup WHERE subdistrict_id IN ({ids}) GROUP BY 1, 2"
        )
        total = sum(row[2] for row in cursor.fetchall())
        cursor.execute(
            f"SELECT assigned_unit_id, {sums} FROM bench_rollup WHERE subdistrict_id IN ({ids}) GROUP BY 1"
        )
        cursor.fetchall()
        # The open cases are few (≈1 %): fetch them by the (subdistrict, status, next_due) index
        # and count in Python (a GROUP BY area_id here tempts SQLite into a full scan).
        cursor.execute(
            "SELECT area_id, next_due, responded_at, response_due FROM cases_case "
            f"WHERE subdistrict_id IN ({ids}) AND status IN {OPEN}"
        )
        # SQLite hands back naive UTC datetimes, PostgreSQL aware ones.
        moment = now if connection.vendor == "postgresql" else now.astimezone(dt.UTC).replace(tzinfo=None)
        live: dict[int, list[int]] = {}
        for area_id, next_due, responded_at, response_due in cursor.fetchall():
            counts = live.setdefault(area_id, [0, 0, 0])
            counts[0] += 1
            counts[1] += next_due < moment
            counts[2] += responded_at is None and response_due is not None and response_due < moment
    return total


def run(scale, log) -> list[Row]:
    import duckdb

    leader = User.objects.filter(username__startswith="bench", groups__name="leader").order_by("id").first()
    subdistrict = leader.scope
    district = Area.objects.get(pk=subdistrict.path.strip("/").split("/")[0])
    district_subs = list(
        Area.objects.filter(kind="subdistrict", path__startswith=district.path).values_list("id", flat=True)
    )
    targets = [
        ("subdistrict", lambda: cases_for(leader), subdistrict, [subdistrict.pk]),
        (
            "district",
            lambda: Case.objects.filter(area__path__startswith=district.path),
            district,
            district_subs,
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        began = time.monotonic()
        exported = _export(path)
        duck = duckdb.connect()
        duck.execute(f"CREATE TABLE cases AS SELECT * FROM read_csv_auto('{path}', header=true)")
        log(f"  DuckDB: {exported:,} rows copied in {time.monotonic() - began:,.1f} s (not timed)")
    rollup_build, rollup_rows = _build_rollup()
    rows = []
    for label, qs, root, subs in targets:
        count = qs().count()
        months = round(scale.years * 12)
        size = f"{count:,} cases, {months} months"
        connection.close()
        began = time.perf_counter()
        board = dashboard(qs(), root=root)
        cold = time.perf_counter() - began
        warm = timings(lambda: dashboard(qs(), root=root), repeat=3, warmup=0)  # noqa: B023
        queries = _duckdb_queries(subs, timezone.localtime().replace(tzinfo=None))

        def reference():
            for sql in queries:  # noqa: B023
                duck.execute(sql).fetchall()

        ref_cold_began = time.perf_counter()
        reference()
        ref_cold = time.perf_counter() - ref_cold_began
        ref = timings(reference, repeat=5, warmup=1)
        warm_p50, ref_p50 = statistics.median(warm), statistics.median(ref)
        check = duck.execute(
            f"SELECT count(*) FROM cases WHERE subdistrict_id IN ({','.join(map(str, subs))})"
        ).fetchone()[0]
        note = f"rates {board.overall.response_rate:.3f}/{board.overall.resolution_rate or 0:.3f}/{board.overall.satisfaction_rate or 0:.3f}"
        if check != board.overall.total:
            note += f"; DuckDB counted {check:,} ≠ {board.overall.total:,}"
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
        rollup = timings(lambda: _from_rollup(subs), repeat=5, warmup=1)  # noqa: B023
        rollup_total = _from_rollup(subs)
        rollup_p50 = statistics.median(rollup)
        check_note = (
            ""
            if rollup_total == board.overall.total
            else f"; total {rollup_total:,} ≠ {board.overall.total:,}"
        )
        rows.append(
            Row(
                f"dashboard {label}: from a monthly rollup — proposal",
                size,
                ms(rollup_p50),
                f"today warm {ms(warm_p50)}",
                rollup_p50 / warm_p50,
                note=f"rollup of {rollup_rows:,} rows built in {ms(rollup_build)}{check_note}",
                values={"subject": rollup, "reference": warm, "duckdb": ref},
            )
        )
    duck.close()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_rollup")
    return rows
