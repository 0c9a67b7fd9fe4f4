"""Send the heavy reads of dashboards and exports to a streaming replica (the city profile).

With DATABASE_REPLICA_URL set, settings add a "replica" database and this router. Code that
reads for a dashboard or an export says so:

    with replica_reads():
        board = metrics.dashboard(qs, root=area)

or decorates the view with `@use_replica`. Inside, every read goes to "replica"; writes always
go to "default", and so do all reads outside such a block (a page right after a write must see
it; a replica lags by up to a few seconds). Without a "replica" database everything stays on
"default", so the same code runs on a laptop.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator

from django.conf import settings

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("gongzhi_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads() -> Iterator[str]:
    """Route reads inside the block to the replica; yields the alias they go to."""
    token = _use_replica.set(True)
    try:
        yield REPLICA if replica_configured() else "default"
    finally:
        _use_replica.reset(token)


def use_replica(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if _use_replica.get() and replica_configured():
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == "default"  # the replica gets its schema by replication
