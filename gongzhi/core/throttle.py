"""The one rate limit for public (anonymous) requests: a count per client address and bucket an
hour, kept by django-ratelimit in the shared cache RATELIMIT_USE_CACHE (the database or Redis), so
every worker process agrees. The client address is the one gongzhi.core.middleware.
ForwardedClientAddress has already taken from a trusted proxy."""

from __future__ import annotations

from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited


def throttled(request: HttpRequest, bucket: str, limit: int, *, period: str = "h") -> bool:
    """Count one request of `bucket` from this client address; True once it is past `limit` a
    `period` (h, m or d)."""
    return is_ratelimited(
        request, group=f"public:{bucket}", key="ip", rate=f"{limit}/{period}", increment=True
    )
