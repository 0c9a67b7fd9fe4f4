"""Appending many rows fast: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models

UTC = dt.UTC


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


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
            out.append((i, lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))))
        elif kind == "DateField" and vendor == "sqlite":
            out.append((i, lambda v: None if v is None else v.isoformat()))
    return out


def bulk_write(model: type[models.Model], columns: Sequence[str], rows: Iterable[list]) -> int:
    """Append rows (lists of values in `columns` order, db columns) to the model's table: COPY on
    PostgreSQL, one executemany on SQLite. Rows are converted in place. The caller holds the
    transaction."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    converters = _converters(model, columns, connection.vendor)

    def converted():
        for row in rows:
            row = list(row) if not isinstance(row, list) else row
            for i, convert in converters:
                row[i] = convert(row[i])
            yield row

    count = 0
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy,
        ):
            for row in converted():
                copy.write_row(row)
                count += 1
        return count
    marks = ", ".join(["?"] * len(columns))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # Table and column names come from the model, quoted; values are parameters.
        raw.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", converted())  # noqa: S608
        return raw.rowcount


def reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
