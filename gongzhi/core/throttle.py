"""The one rate limit for public (anonymous) requests: a count per client address and bucket an
hour, kept by django-ratelimit in the shared cache RATELIMIT_USE_CACHE (the database or Redis), so
every worker process agrees. The client address is the one gongzhi.core.middleware.
ForwardedClientAddress has already taken from a trusted proxy.

Besides the address, a count can be kept on another key (a case number): `strike` counts one
failure on the key and, once `limit` are reached, locks the key for a while; `locked` asks without
counting. Used by the public tracking page, where wrong guesses are counted per case number."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited

PERIODS = {"m": 60, "h": 3600, "d": 86400}


def _key(key: str | None):
    return "ip" if key is None else (lambda group, request: key)


def throttled(
    request: HttpRequest, bucket: str, limit: int, *, period: str = "h", key: str | None = None
) -> bool:
    """Count one request of `bucket` from this client address (or on `key`); True once it is past
    `limit` a `period` (h, m or d)."""
    return is_ratelimited(
        request, group=f"public:{bucket}", key=_key(key), rate=f"{limit}/{period}", increment=True
    )


def _lock_key(bucket: str, key: str) -> str:
    return "public-lock:" + hashlib.sha256(f"{bucket}\0{key}".encode()).hexdigest()


def locked(bucket: str, key: str) -> bool:
    """Whether `key` is locked in `bucket` (by `strike`); counts nothing."""
    return bool(caches[settings.RATELIMIT_USE_CACHE].get(_lock_key(bucket, key)))


def strike(request: HttpRequest, bucket: str, limit: int, *, key: str, period: str = "h") -> bool:
    """Count one failure on `key`; the `limit`-th within the counting window locks the key for a
    whole `period` from now. True when the key is now locked."""
    usage = get_usage(
        request, group=f"public:strikes:{bucket}", key=_key(key), rate=f"{limit}/{period}", increment=True
    )
    if usage is None:  # rate limits turned off
        return False
    if usage["count"] >= limit or usage["should_limit"]:
        caches[settings.RATELIMIT_USE_CACHE].set(_lock_key(bucket, key), 1, PERIODS[period])
        return True
    return False


def counted(
    request: HttpRequest, bucket: str, limit: int, *, period: str = "m", key: str | None = None
) -> int:
    """Count one request of `bucket` from this client address (or on `key`) and return how many
    there have been this `period`, this one included (0 when rate limits are turned off), for a
    caller that acts differently at the limit and past it."""
    usage = get_usage(
        request, group=f"public:{bucket}", key=_key(key), rate=f"{limit}/{period}", increment=True
    )
    return 0 if usage is None else int(usage["count"])
