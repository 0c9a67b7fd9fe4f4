"""Which SQL statements an intake sends (issue 19), for the tests and the bench.

`intake_statements()` records every statement the current thread sends on the default database
and marks those that belong to the intake: the ones `cases.services.create_case` sends, and the
ones of the work it leaves for the commit (`_announce`: the `case_reported` listeners, i.e. the
category suggestion). What the view around it sends (authentication, the form's own look-ups,
the session, a rate counter, an Open311 request record) is recorded too, apart. BEGIN and COMMIT
are not statements the driver is asked to run through a cursor, so they are not counted (each
intake is one transaction, its suggestion's INSERT another).

It works by wrapping the real `create_case` and `_announce` for the duration of the block (the
callers look `create_case` up on `gongzhi.cases.services` when they call it); nothing else runs
differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connections

from gongzhi.cases import services as case_services
from gongzhi.cases.services import intake as intake_module


@dataclass
class Recorded:
    every: list[str] = field(default_factory=list)  # every statement, in order
    intake: list[str] = field(default_factory=list)  # those of create_case and its commit work
    depth: int = 0

    @property
    def shapes(self) -> list[str]:
        """The intake's statements as "VERB table" (e.g. "INSERT cases_case"), in order."""
        return [shape(sql) for sql in self.intake]


_TABLE = re.compile(r'^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*?"(\w+)"', re.S | re.I)


def shape(sql: str) -> str:
    """ "SELECT territory_area", "INSERT cases_case", "SAVEPOINT" … for reading and asserting."""
    sql = sql.lstrip().lstrip("(")  # PostgreSQL's UNION parts are parenthesised
    head = sql.split(None, 1)[0].upper()
    if head == "SELECT":
        found = re.search(r'\bFROM\s+"(\w+)"', sql)
        return f"SELECT {found.group(1)}" if found else "SELECT"
    match = _TABLE.match(sql)
    if match:
        return f"{match.group(1).split()[0].upper()} {match.group(2)}"
    return head


@contextmanager
def intake_statements(using: str = "default") -> Iterator[Recorded]:
    recorded = Recorded()
    real_create, real_announce = case_services.create_case, intake_module._announce

    def inside(function):
        def wrapped(*args, **kwargs):
            recorded.depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                recorded.depth -= 1

        return wrapped

    def record(execute, sql, params, many, context):
        recorded.every.append(sql)
        if recorded.depth:
            recorded.intake.append(sql)
        return execute(sql, params, many, context)

    case_services.create_case = inside(real_create)
    intake_module._announce = inside(real_announce)
    try:
        with connections[using].execute_wrapper(record):
            yield recorded
    finally:
        case_services.create_case, intake_module._announce = real_create, real_announce
