"""Work queue pages through `gongzhi.cases.selectors.queue`: first page and a deep page (keyset
cursor) for a dispatcher (a whole subdistrict) and a grid worker (one grid), with filters.

Reference: the same SQL statement run directly on the database cursor (the database's share of
the time; the ratio is what the ORM and Python add). A second row compares a deep page by
OFFSET with the keyset page at the same depth."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.measure import Row, ms, p50_p99, summary, timings
from gongzhi.accounts.models import User
from gongzhi.cases.models import OPEN_STATUSES, Case, Category
from gongzhi.cases.selectors import QueueFilters, cases_for, queue


def _user(kind: str) -> User:
    if kind == "dispatcher":
        return (
            User.objects.filter(username__startswith="bench", groups__name="dispatcher")
            .order_by("id")
            .first()
        )
    return User.objects.filter(username__startswith="bench", groups__name="gridworker").order_by("id").first()


def _cursor_at(user: User, filters: QueueFilters, depth: int) -> tuple[str, int]:
    """Walk pages of 500 to about `depth` rows in; returns the cursor and the depth reached."""
    after, reached = "", 0
    while reached < depth:
        rows, cursor = queue(user, filters, after=after, limit=min(500, depth - reached))
        if not cursor:
            break
        after, reached = cursor, reached + len(rows)
    return after, reached


def _raw(sql: str):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return run


def _measure(label: str, size: str, user: User, filters: QueueFilters, after: str, repeat: int) -> Row:
    call = lambda: queue(user, filters, after=after)  # noqa: E731
    call()
    with CaptureQueriesContext(connection) as captured:
        call()
    subject = timings(call, repeat=repeat)
    main_sql = captured.captured_queries[-1]["sql"]
    reference = timings(_raw(main_sql), repeat=repeat)
    s, r = summary(subject), summary(reference)
    return Row(
        label,
        size,
        p50_p99(subject),
        f"raw SQL {p50_p99(reference)}",
        s["p50"] / r["p50"] if r["p50"] else None,
        note=f"{len(captured.captured_queries)} query/page",
        values={"subject": s, "reference": r},
    )


def run(scale, log) -> list[Row]:
    connection.ensure_connection()
    rows: list[Row] = []
    top = Category.objects.filter(parent__isnull=True).order_by("sort", "code").first()
    for kind in ("dispatcher", "gridworker"):
        user = _user(kind)
        scope_total = cases_for(user).count()
        open_count = cases_for(user).filter(status__in=OPEN_STATUSES).count()
        size = f"{Case.objects.count():,} cases; scope {scope_total:,} ({open_count:,} open)"
        rows.append(_measure(f"queue {kind}: open, first page", size, user, QueueFilters(), "", scale.repeat))
        filters = QueueFilters(status="any", category=top.pk if top else None)
        rows.append(
            _measure(f"queue {kind}: all + category, first page", size, user, filters, "", scale.repeat)
        )
        deep = QueueFilters(status="any")
        depth = min(10_000, scope_total // 2)
        after, reached = _cursor_at(user, deep, depth)
        rows.append(
            _measure(f"queue {kind}: all, page at row {reached:,}", size, user, deep, after, scale.repeat)
        )
        keyset = summary(timings(lambda: queue(user, deep, after=after), repeat=scale.repeat))  # noqa: B023
        qs = cases_for(user).select_related("area", "category", "assigned_unit").order_by("next_due", "pk")
        offset = summary(timings(lambda: list(qs[reached : reached + 26]), repeat=scale.repeat))  # noqa: B023
        rows.append(
            Row(
                f"queue {kind}: same page by OFFSET",
                size,
                f"p50 {ms(offset['p50'])}",
                f"keyset p50 {ms(keyset['p50'])}",
                offset["p50"] / keyset["p50"],
                note="why the queue uses a keyset cursor",
                values={"subject": offset, "reference": keyset},
            )
        )
        log(f"  {kind}: scope {scope_total:,}")
    return rows
