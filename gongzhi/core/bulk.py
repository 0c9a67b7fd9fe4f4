"""Appending many rows fast, for every bulk writer (the registry importer, the data generator):
COPY on PostgreSQL (psycopg 3), one streaming executemany on SQLite, multi-row INSERTs elsewhere.

`write_rows` takes rows of column values; `insert_objects` takes unsaved model instances and
prepares their values through the fields themselves (as bulk_create does), reading primary keys
back through a unique `uid` when asked. The caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connections, models, router
from django.utils import timezone

CHUNK = 900  # SQLite binds at most 999 variables in older builds


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _converters(model: type[models.Model], columns: Sequence[str], vendor: str) -> list[tuple[int, Callable]]:
    """(position, function) for the columns whose Python values the driver cannot take as they are."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    out = []
    for i, column in enumerate(columns):
        kind = by_column[column].get_internal_type()
        if kind == "JSONField":
            out.append(
                (i, lambda v: "{}" if v == {} else None if v is None else json.dumps(v, ensure_ascii=False))
            )
        elif kind == "DateTimeField" and vendor == "sqlite":  # Django keeps naive UTC text there
            out.append((i, lambda v: None if v is None else str(v.astimezone(dt.UTC).replace(tzinfo=None))))
        elif kind == "DateField" and vendor == "sqlite":
            out.append((i, lambda v: None if v is None else v.isoformat()))
    return out


def write_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[list], *, prepared: bool = False
) -> int:
    """Append `rows` (lists of values in `columns` order, db column names) to the model's table.
    Unless `prepared`, JSON, dates and datetimes are converted for the driver (in place)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    cols = ", ".join(quote(c) for c in columns)
    converters = [] if prepared else _converters(model, columns, connection.vendor)

    def converted():
        for row in rows:
            row = row if isinstance(row, list) else list(row)
            for i, convert in converters:
                row[i] = convert(row[i])
            yield row

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in converted():
                    copy.write_row(row)
                    count += 1
            return count
        if connection.vendor == "sqlite":
            # sqlite3's executemany loops in C over a generator: the fastest way in.
            marks = ", ".join(["?"] * len(columns))
            raw = cursor.cursor
            # Table and column names come from the model, quoted; values are parameters.
            raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", converted())  # noqa: S608
            return raw.rowcount
        # Elsewhere each statement is a round trip: send many rows per statement.
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        per_statement = max(1, min(1000, 60000 // max(1, len(columns))))
        batch = list(converted())
        for chunk in chunks(batch, per_statement):
            cursor.execute(
                f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([one] * len(chunk)),  # noqa: S608
                [v for row in chunk for v in row],
            )
        return len(batch)


def insert_objects(model: type[models.Model], objs: list, *, fetch_pks: bool = False) -> None:
    """INSERT unsaved instances: several times faster than bulk_create for wide rows (it matters
    at 100,000 rows). Values are prepared by the fields; auto_now fields get the same moment."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    auto = [bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in fields]
    now = timezone.now()

    def rows():
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            row = []
            for f, is_auto in zip(fields, auto, strict=True):
                if is_auto:
                    setattr(obj, f.attname, now)
                row.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
            yield row

    write_rows(model, [f.column for f in fields], rows(), prepared=True)
    if fetch_pks:
        by_uid = {obj.uid: obj for obj in objs}
        for chunk in chunks(list(by_uid)):
            for pk, uid in model.objects.filter(uid__in=chunk).values_list("pk", "uid"):
                by_uid[uid].pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
