"""The trail of administrative changes: `record()` is called by the action itself, inside its
transaction, so a change and its audit row are committed together or not at all.

While a request runs (the staff gate binds it, `bind_request`), every row also carries the
client's address, its user agent and the request id (A9), whichever code writes it."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest

from gongzhi.accounts.models import AuditEvent, User
from gongzhi.territory.models import Area, AreaKind

_request: ContextVar[HttpRequest | None] = ContextVar("gongzhi_audit_request", default=None)
REQUEST_ID_META = "GONGZHI_REQUEST_ID"
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id(request: HttpRequest) -> str:
    """The request's id, made once: the X-Request-ID the trusted proxy set (nginx
    `$request_id`), believed only when the request came through one (ForwardedClientAddress
    marks those) and well formed; otherwise a new random one."""
    existing = request.META.get(REQUEST_ID_META)
    if existing:
        return existing
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    from_proxy = bool(request.META.get("GONGZHI_PROXY_ADDR"))
    value = given if from_proxy and _SAFE_ID.match(given) else uuid.uuid4().hex
    request.META[REQUEST_ID_META] = value
    return value


@contextlib.contextmanager
def bind_request(request: HttpRequest) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def _origin(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    from gongzhi.core.middleware import client_ip

    return {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        "request_id": request_id(request),
    }


def record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    subdistrict: Area | None = None,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    if subdistrict is None and target is not None:
        subdistrict = getattr(target, "subdistrict", None)
        if subdistrict is None and isinstance(target, Area):
            subdistrict = target if target.kind == "subdistrict" else target.subdistrict
    if actor_label is None:
        actor_label = actor.get_username() if actor is not None else "system"
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label[:150],
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:200] if target is not None else "",
        subdistrict=subdistrict,
        data=data or {},
        **_origin(request if request is not None else _request.get()),
    )


def platform_subdistrict() -> Area | None:
    """Where an event that names no account of a subdistrict is filed (a failed login for an
    unknown username, a 403 to an anonymous client): the subdistrict of a deployment that has
    one, so its audit administrator reads it. With several there is no telling which the event
    concerns: it is filed under none and read at the district (selectors.audit_events_for)."""
    subdistricts = list(Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("pk")[:2])
    return subdistricts[0] if len(subdistricts) == 1 else None


def anonymous_events_per_minute() -> int:
    """How many rows one address that is not signed in may write to the trail a minute (403s,
    failed logins, lockouts); past it one `<action>:capped` row says so and the rest of that
    minute writes nothing, so an anonymous flood cannot fill the audit table (the chain makes
    rows permanent). Axes still counts every failure and locks the address after 20, so what
    goes unwritten is not let in."""
    return int(getattr(settings, "GONGZHI_AUDIT_ANONYMOUS_EVENTS_PER_MINUTE", 30))


def record_anonymous(
    *,
    request: HttpRequest | None,
    action: str,
    data: dict[str, Any],
    target: Model | None = None,
    subdistrict: Area | None = None,
    actor_label: str = "anonymous",
) -> AuditEvent | None:
    """`record()` for an event of no signed-in user, counted per address and minute on the
    shared rate-limit cache: the row, the one capped row, or (past that) nothing."""
    from gongzhi.core import throttle

    limit = anonymous_events_per_minute()
    count = 0 if request is None else throttle.counted(request, "audit:anonymous", limit, period="m")
    if count > limit + 1:
        return None
    if count > limit:
        action, data = f"{action}:capped", {**data, "limit": limit}
    return record(
        actor=None,
        actor_label=actor_label,
        action=action,
        target=target,
        subdistrict=subdistrict or platform_subdistrict(),
        data=data,
        request=request,
    )


def record_signal(sender, *, actor, action: str, target=None, data=None, **kwargs) -> None:
    """Receiver of core.events.administrative_change (changes made below accounts)."""
    record(actor=actor, action=action, target=target, data=data)
