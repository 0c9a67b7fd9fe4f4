"""A cache backend for counters, over core.RateCounter: what django-ratelimit needs on the
database profile (settings.CACHES["ratelimit"] when GONGZHI_REDIS_URL is not set).

Django's DatabaseCache increments by reading the value and writing it back, so two workers
counting one client at once lose counts. Here `add` is insert-if-absent-or-expired (one
transaction; the unique key decides between two adding at once) and `incr` is one
`UPDATE … SET value = value + delta WHERE key = … AND expires_at > now`, which the database
serialises per row. Values are integers only (this is a counter store, not a general cache).
Expired rows are purged whenever a key is added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import DatabaseError, IntegrityError, router, transaction
from django.db.models import F
from django.utils import timezone

FOREVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class CounterCache(BaseCache):
    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)

    @staticmethod
    def _model():
        from gongzhi.core.models import RateCounter

        return RateCounter

    def _db(self) -> str:
        return router.db_for_write(self._model())  # the primary, even inside replica_reads()

    def _rows(self):
        return self._model().objects.using(self._db())

    def _expiry(self, timeout: Any, now: dt.datetime) -> dt.datetime:
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if timeout is None:
            return FOREVER
        return now + dt.timedelta(seconds=timeout)

    @staticmethod
    def _integer(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("CounterCache holds integers only")
        return value

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        value = self._integer(value)
        now = timezone.now()
        rows = self._rows()
        self._purge(now)
        with transaction.atomic(using=self._db()):
            rows.filter(key=key, expires_at__lte=now).delete()
            try:
                with transaction.atomic(using=self._db()):
                    rows.create(key=key, value=value, expires_at=self._expiry(timeout, now))
            except IntegrityError:
                return False  # another worker holds a live counter under this key
        return True

    def _purge(self, now: dt.datetime) -> None:
        """Drop every expired counter. Best effort, in a savepoint of its own: two workers purging
        at once may deadlock on PostgreSQL, and the loser simply leaves the rows to the next add."""
        try:
            with transaction.atomic(using=self._db()):
                self._rows().filter(expires_at__lte=now).delete()
        except DatabaseError:
            pass

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        value = (
            self._rows()
            .filter(key=key, expires_at__gt=timezone.now())
            .values_list("value", flat=True)
            .first()
        )
        return default if value is None else value

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        value = self._integer(value)
        now = timezone.now()
        self._rows().update_or_create(
            key=key, defaults={"value": value, "expires_at": self._expiry(timeout, now)}
        )

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        now = timezone.now()
        return bool(
            self._rows().filter(key=key, expires_at__gt=now).update(expires_at=self._expiry(timeout, now))
        )

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=self._db()):
            # The UPDATE locks the row to the end of the transaction, so the read below sees
            # this increment and no later one.
            rows = self._rows().filter(key=key, expires_at__gt=timezone.now())
            if not rows.update(value=F("value") + delta):
                raise ValueError(f"Key '{key}' not found")
            return rows.values_list("value", flat=True).get()

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        deleted, _ = self._rows().filter(key=key).delete()
        return bool(deleted)

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._rows().filter(key=key, expires_at__gt=timezone.now()).exists()

    def clear(self) -> None:
        self._rows().all().delete()
