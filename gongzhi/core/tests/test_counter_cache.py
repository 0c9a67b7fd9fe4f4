"""The rate-limit counter store (settings.CACHES["ratelimit"] without Redis, gongzhi.core
counter_cache, control A21): add is insert-if-absent-or-expired and incr one UPDATE in the
database, so workers counting one key at once never lose a count."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection

from gongzhi.core.models import RateCounter

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def cache(settings):
    if settings.CACHES["ratelimit"]["BACKEND"] != "gongzhi.core.counter_cache.CounterCache":
        pytest.skip("the rate-limit cache is Redis here")
    store = caches["ratelimit"]
    store.clear()
    return store


@pytest.mark.django_db(transaction=True)
def test_eight_workers_counting_one_key_lose_nothing(cache):
    """As django-ratelimit counts: add(key, 1) and, when the key was there, incr(key)."""
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(25):
                if not cache.add("rl:track:203.0.113.5", 1, 3600):
                    cache.incr("rl:track:203.0.113.5")
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert cache.get("rl:track:203.0.113.5") == 200


@pytest.mark.django_db
def test_add_incr_get_delete_and_expiry(cache):
    with time_machine.travel(START, tick=False) as clock:
        with pytest.raises(ValueError):
            cache.incr("missing")
        assert cache.add("k", 1, 60) is True
        assert cache.add("k", 5, 60) is False
        assert cache.incr("k") == 2 and cache.incr("k", 3) == 5 and cache.decr("k") == 4
        assert cache.get("k") == 4 and cache.has_key("k")
        cache.set("other", 7, 10)
        assert cache.get("other") == 7
        clock.shift(61)
        assert cache.get("k") is None and cache.get("k", 0) == 0 and not cache.has_key("k")
        with pytest.raises(ValueError):
            cache.incr("k")  # an expired counter is not counted on
        assert cache.add("k", 1, 60) is True  # expired: added afresh, and every expired row purged
        assert cache.get("k") == 1
        assert set(RateCounter.objects.values_list("key", flat=True)) == {cache.make_key("k")}
        assert cache.delete("k") is True and cache.delete("k") is False
        cache.set("forever", 1, None)
        clock.shift(dt.timedelta(days=3650))
        assert cache.get("forever") == 1
        cache.clear()
        assert not RateCounter.objects.exists()
