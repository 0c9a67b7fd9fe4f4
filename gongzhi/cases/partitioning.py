"""Monthly range partitioning of the case tables on PostgreSQL (the city profile).

`enable` turns a plain table into one PARTITIONED BY RANGE (created_at): one partition per month
(month boundaries in the project's time zone, Asia/Shanghai), covering the rows already there and
some months ahead, plus a DEFAULT partition so that no row is ever refused. It runs in one
transaction (PostgreSQL DDL is transactional), so a failure changes nothing. Django knows nothing
of this: the model, its migrations and the ORM's inserts keep working on the parent table.

What PostgreSQL requires, and what it costs:
- the primary key and every unique constraint must contain the partition key: `PRIMARY KEY (id)`
  becomes `(id, created_at)`, `UNIQUE (case_id, seq)` becomes `(case_id, seq, created_at)` (the
  services keep `seq` unique per case under the case's row lock);
- a foreign key *to* a partitioned table must reference its whole key, so the constraints that
  point at it (`cases_attachment.event_id`) are dropped; the services write an event and its
  attachments in one transaction, and Django's `on_delete` is carried out by the ORM anyway.

Only `events` (cases_caseevent, append-only, ~7 rows per case) is offered: partitioning
`cases_case` was measured (bench/workloads/partition.py, docs/scale.md) and not adopted.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_tasks import task

from gongzhi.core.errors import DomainError

# Short names the command accepts → tables. Only what the measurements justify.
TABLES = {"events": "cases_caseevent"}
PARTITION_KEY = "created_at"
_MONTH_SUFFIX = re.compile(r"_p(\d{4})(\d{2})$")


@dataclass
class Partition:
    name: str
    bound: str
    rows: int
    bytes: int


@dataclass
class TableStatus:
    table: str
    partitioned: bool
    rows: int
    bytes: int
    partitions: list[Partition] = field(default_factory=list)


@dataclass
class Conversion:
    table: str
    rows: int
    partitions: list[str]
    dropped_foreign_keys: list[str]
    seconds: float = 0.0


def _require_postgresql(using: str) -> None:
    if connections[using].vendor != "postgresql":
        raise DomainError(
            f"按月分区是 PostgreSQL 的功能；当前数据库是 {connections[using].vendor}，未做任何改动。",
            code="not_postgresql",
        )


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_start(year: int, month: int) -> dt.datetime:
    """Midnight of the first day of a month, in the project's time zone."""
    return dt.datetime(year, month, 1, tzinfo=_zone())


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = _next_month(*current)
    return out


def _month_of(moment: dt.datetime) -> tuple[int, int]:
    local = moment.astimezone(_zone())
    return local.year, local.month


def _add_months(month: tuple[int, int], count: int) -> tuple[int, int]:
    index = month[0] * 12 + month[1] - 1 + count
    return index // 12, index % 12 + 1


def partition_name(table: str, year: int, month: int) -> str:
    return f"{table}_p{year:04d}{month:02d}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_partitioned(table: str, *, using: str = "default") -> bool:
    if connections[using].vendor != "postgresql":
        return False
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def _partitions(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        """
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass(%s)
        ORDER BY c.relname
        """,
        [table],
    )
    return list(cursor.fetchall())


def _create_partition(cursor, table: str, year: int, month: int) -> str:
    name = partition_name(table, year, month)
    low = month_start(year, month).isoformat()
    high = month_start(*_next_month(year, month)).isoformat()
    cursor.execute(
        f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} FOR VALUES FROM (%s) TO (%s)", [low, high]
    )
    return name


def _with_partition_key(column_list: str) -> str:
    """`(id)` → `(id, created_at)`; unchanged if the key is already there."""
    inner = column_list.strip()[1:-1]
    columns = [c.strip().strip('"') for c in inner.split(",")]
    if PARTITION_KEY in columns:
        return column_list
    return f"({inner}, {PARTITION_KEY})"


def _constraint_for_partitioned(definition: str) -> str:
    """A PRIMARY KEY / UNIQUE definition with the partition key added to its columns."""
    match = re.match(r"^(PRIMARY KEY|UNIQUE(?: NULLS NOT DISTINCT)?) (\([^)]*\))(.*)$", definition, re.S)
    if not match:
        raise DomainError(f"无法改写约束：{definition}", code="unsupported_constraint")
    return f"{match.group(1)} {_with_partition_key(match.group(2))}{match.group(3)}"


def _unique_index_for_partitioned(definition: str) -> str:
    """A CREATE UNIQUE INDEX statement with the partition key added to its key columns."""
    match = re.match(
        r"^(CREATE UNIQUE INDEX \S+ ON \S+ USING \w+ )(\((?:[^()]|\([^()]*\))*\))(.*)$", definition
    )
    if not match:
        raise DomainError(f"无法改写唯一索引：{definition}", code="unsupported_index")
    return f"{match.group(1)}{_with_partition_key(match.group(2))}{match.group(3)}"


def convert(
    table: str, *, months_ahead: int = 3, using: str = "default", now: dt.datetime | None = None
) -> Conversion:
    """Turn `table` into a table partitioned by month on created_at. The caller holds the
    transaction (`enable` does); every statement here is transactional DDL or DML."""
    began = time.monotonic()
    now = now or timezone.now()
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
        if not row:
            raise DomainError(f"表 {table} 不存在。", code="no_table")
        if row[0] == "p":
            raise DomainError(f"表 {table} 已经按月分区。", code="already_partitioned")
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: rows written earlier in this
        # transaction leave pending checks, and ALTER TABLE refuses a table with pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {_q(table)} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            """
            SELECT conname, contype, pg_get_constraintdef(oid), conrelid = confrelid
            FROM pg_constraint WHERE conrelid = to_regclass(%s) ORDER BY contype, conname
            """,
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT pg_get_indexdef(i.indexrelid), i.indisunique
            FROM pg_index i
            WHERE i.indrelid = to_regclass(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                              AND k.conrelid = i.indrelid)
            ORDER BY 1
            """,
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname FROM pg_constraint
            WHERE confrelid = to_regclass(%s) AND contype = 'f' AND conparentid = 0 ORDER BY 1, 2
            """,
            [table],
        )
        incoming = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        next_id = 1
        if sequence:
            cursor.execute(f"SELECT last_value + is_called::int FROM {sequence}")  # noqa: S608
            next_id = cursor.fetchone()[0]
        cursor.execute(f"SELECT min({PARTITION_KEY}), max({PARTITION_KEY}) FROM {_q(table)}")  # noqa: S608
        oldest, newest = cursor.fetchone()

        dropped = []
        for referencing, name in incoming:
            cursor.execute(f"ALTER TABLE {referencing} DROP CONSTRAINT {_q(name)}")
            dropped.append(f"{referencing}.{name}")
        plain = f"{table}__plain"
        cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(plain)}")
        cursor.execute(
            f"CREATE TABLE {_q(table)} (LIKE {_q(plain)} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({PARTITION_KEY})"
        )
        first = _month_of(oldest) if oldest else _month_of(now)
        last = max(_month_of(newest) if newest else first, _add_months(_month_of(now), months_ahead))
        names = [_create_partition(cursor, table, y, m) for y, m in _months(first, last)]
        cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
        names.append(table + "_default")
        cursor.execute(f"INSERT INTO {_q(table)} OVERRIDING SYSTEM VALUE SELECT * FROM {_q(plain)}")  # noqa: S608
        copied = cursor.rowcount
        cursor.execute(f"DROP TABLE {_q(plain)}")  # no CASCADE: anything else depending on it fails

        for name, kind, definition, self_reference in constraints:
            if kind == "f" and self_reference:
                continue  # dropped above with the other foreign keys pointing at the table
            if kind in ("p", "u"):
                definition = _constraint_for_partitioned(definition)
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
        for definition, unique in indexes:
            if unique:
                definition = _unique_index_for_partitioned(definition)
            cursor.execute(definition)
        if sequence:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            new_sequence = cursor.fetchone()[0]
            # Where the old sequence stood (ids of deleted rows are not handed out again).
            cursor.execute(
                f"SELECT setval(%s, greatest(%s, coalesce((SELECT max(id) FROM {_q(table)}), 0) + 1), false)",  # noqa: S608
                [new_sequence, next_id],
            )
            if new_sequence != sequence:
                short = sequence.split(".")[-1]
                cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {short}")
        cursor.execute(f"ANALYZE {_q(table)}")
    return Conversion(table, copied, names, dropped, time.monotonic() - began)


def enable(
    tables: list[str], *, months_ahead: int = 3, using: str = "default", now: dt.datetime | None = None
) -> list[Conversion]:
    """Partition the named tables (keys of TABLES) in one transaction: all or nothing."""
    _require_postgresql(using)
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise DomainError(
            "未知的表：{names}（可选：{known}）。".format(names="、".join(unknown), known="、".join(TABLES)),
            code="unknown_table",
        )
    with transaction.atomic(using=using):
        return [convert(TABLES[t], months_ahead=months_ahead, using=using, now=now) for t in tables]


def partitioned_tables(*, using: str = "default") -> list[str]:
    return [t for t in TABLES.values() if is_partitioned(t, using=using)]


def _rows_between(cursor, table: str, low: dt.datetime, high: dt.datetime) -> int:
    cursor.execute(
        f"SELECT count(*) FROM {_q(table)} WHERE {PARTITION_KEY} >= %s AND {PARTITION_KEY} < %s",  # noqa: S608
        [low, high],
    )
    return cursor.fetchone()[0]


def ensure(*, months_ahead: int = 3, using: str = "default", now: dt.datetime | None = None) -> list[str]:
    """Create the monthly partitions from this month to `months_ahead` months ahead on every
    partitioned case table. Idempotent. Rows that already landed in the DEFAULT partition for such
    a month are moved into the new partition (PostgreSQL refuses the partition otherwise)."""
    _require_postgresql(using)
    now = now or timezone.now()
    created = []
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for table in partitioned_tables(using=using):
            existing = {name for name, _bound in _partitions(cursor, table)}
            default = table + "_default"
            for year, month in _months(_month_of(now), _add_months(_month_of(now), months_ahead)):
                if partition_name(table, year, month) in existing:
                    continue
                low, high = month_start(year, month), month_start(*_next_month(year, month))
                stranded = default in existing and _rows_between(cursor, default, low, high)
                if stranded:
                    cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(default)}")
                created.append(_create_partition(cursor, table, year, month))
                if stranded:
                    window = f"{PARTITION_KEY} >= %s AND {PARTITION_KEY} < %s"
                    cursor.execute(
                        f"INSERT INTO {_q(table)} OVERRIDING SYSTEM VALUE "  # noqa: S608
                        f"SELECT * FROM {_q(default)} WHERE {window}",
                        [low, high],
                    )
                    cursor.execute(f"DELETE FROM {_q(default)} WHERE {window}", [low, high])  # noqa: S608
                    cursor.execute(f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(default)} DEFAULT")
    return created


def detach(*, before: tuple[int, int], using: str = "default") -> list[tuple[str, int]]:
    """Detach (never drop) the monthly partitions of months before `before` (year, month). They
    stay in the database as ordinary tables, to archive with pg_dump -t and drop by hand."""
    _require_postgresql(using)
    detached = []
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for table in partitioned_tables(using=using):
            for name, _bound in _partitions(cursor, table):
                match = _MONTH_SUFFIX.search(name)
                if not match or (int(match.group(1)), int(match.group(2))) >= before:
                    continue
                cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # noqa: S608
                rows = cursor.fetchone()[0]
                cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}")
                detached.append((name, rows))
    return detached


def status(*, using: str = "default") -> list[TableStatus]:
    """Each case table: partitioned or not, its partitions with bounds, estimated rows and size
    (the DEFAULT partition's rows are counted exactly: any row there means a missing month)."""
    _require_postgresql(using)
    out = []
    with connections[using].cursor() as cursor:
        for table in ["cases_case", *TABLES.values()]:
            partitioned = is_partitioned(table, using=using)
            parts = []
            if partitioned:
                for name, bound in _partitions(cursor, table):
                    if name.endswith("_default"):
                        cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # noqa: S608
                        rows = cursor.fetchone()[0]
                    else:
                        cursor.execute(
                            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                            [name],
                        )
                        rows = cursor.fetchone()[0]
                    cursor.execute("SELECT pg_total_relation_size(to_regclass(%s))", [name])
                    parts.append(Partition(name, bound, rows, cursor.fetchone()[0]))
                rows, size = sum(p.rows for p in parts), sum(p.bytes for p in parts)
            else:
                cursor.execute(
                    "SELECT greatest(reltuples, 0)::bigint, pg_total_relation_size(oid) FROM pg_class "
                    "WHERE oid = to_regclass(%s)",
                    [table],
                )
                rows, size = cursor.fetchone() or (0, 0)
            out.append(TableStatus(table, partitioned, rows, size, parts))
    return out


@task()
def ensure_partitions(months_ahead: int = 3) -> dict:
    """The periodic job: next months' partitions (no-op where nothing is partitioned or on SQLite)."""
    if connections["default"].vendor != "postgresql":
        return {"created": [], "skipped": "not PostgreSQL"}
    return {"created": ensure(months_ahead=months_ahead)}
