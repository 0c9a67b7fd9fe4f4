"""The generator's bulk helpers; the writing itself is gongzhi.core.bulk (shared with the importer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models

from gongzhi.core.bulk import write_rows

UTC = dt.UTC


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def bulk_write(model: type[models.Model], columns: Sequence[str], rows: Iterable[list]) -> int:
    """Append rows (lists of values in `columns` order, db columns): the platform's one bulk
    writer (core.bulk), shared with the registry importer."""
    return write_rows(model, columns, rows)


def reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
