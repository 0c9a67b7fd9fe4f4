"""Request hygiene for the machine interfaces (/api/ and Open311), before any view or CSRF
check reads the body:

- a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) is a 413 in the interface's
  own error shape (the REST API's {"code", "message", "details"}, Open311's error list), not a
  500 or an HTML page;
- text holding NUL characters is a 400 on every database (PostgreSQL cannot store it, SQLite
  silently did), as docs/api.md promises.

And, for every request, the client's address (`ForwardedClientAddress`): behind the documented
nginx every request comes from 127.0.0.1, so `X-Forwarded-For` is believed, hop by hop from the
right, only while the hop it came from is one of `GONGZHI_TRUSTED_PROXIES`; the first address
not a trusted proxy becomes `REMOTE_ADDR`, which django-axes, django-ratelimit and the access
log read. From anyone else the header is ignored (a client cannot choose its own address).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/v2/"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _api_error(status: int, code: str, message: str) -> HttpResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def _open311_error(path: str, status: int, message: str) -> HttpResponse:
    if path.endswith(".xml"):
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<errors><error>'
            f"<code>{status}</code><description>{escape(message)}</description></error></errors>"
        )
        return HttpResponse(body.encode(), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse([{"code": status, "description": message}], status=status, safe=False)


class MachineRequestGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX) and any("\x00" in v for vs in request.GET.lists() for v in vs[1]):
            return _api_error(400, "invalid_characters", _("请求中含有不允许的控制字符（NUL）。"))
        if request.method in ("POST", "PUT", "PATCH") and path.startswith((API_PREFIX, OPEN311_PREFIX)):
            refused = self._check(request, open311=path.startswith(OPEN311_PREFIX))
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest, *, open311: bool) -> HttpResponse | None:
        def error(status: int, code: str, message: str) -> HttpResponse:
            if open311:
                return _open311_error(request.path_info, status, message)
            return _api_error(status, code, message)

        try:
            if request.content_type == "multipart/form-data":
                request.POST  # noqa: B018  (parse now: limits raise here, not in the view)
                return None
            body = request.body
        except (RequestDataTooBig, TooManyFieldsSent):
            return error(413, "too_large", _("请求内容过大。"))
        if not open311 and request.content_type == "application/json" and body:
            try:
                data = json.loads(body)
            except ValueError:
                return None  # the API answers malformed JSON itself
            if _has_nul(data):
                return error(400, "invalid_characters", _("请求中含有不允许的控制字符（NUL）。"))
        return None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _networks(config: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in config if entry.strip())


def trusted_proxies() -> tuple[Network, ...]:
    """`GONGZHI_TRUSTED_PROXIES`: addresses or networks ("127.0.0.1", "10.0.0.0/8"); none by default."""
    config = getattr(settings, "GONGZHI_TRUSTED_PROXIES", ()) or ()
    if isinstance(config, str):
        config = config.split(",")
    return _networks(tuple(config))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks) -> bool:
    return address is not None and any(address in net for net in networks)


def client_address(remote_addr: str, forwarded_for: str) -> str:
    """The client's address given the peer's address and the X-Forwarded-For it sent."""
    networks = trusted_proxies()
    if not networks or not _is_trusted(_address(remote_addr), networks):
        return remote_addr
    client = remote_addr
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:  # garbage in the header: stop at the last address we could trust
            break
        client = str(address)
        if not _is_trusted(address, networks):
            break
    return client


class ForwardedClientAddress:
    """Sets REMOTE_ADDR to the client's address when the request came through a trusted proxy
    (the proxy's own address is kept in GONGZHI_PROXY_ADDR). Must run before django-axes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        remote = request.META.get("REMOTE_ADDR", "")
        client = client_address(remote, request.META.get("HTTP_X_FORWARDED_FOR", ""))
        if client != remote:
            request.META["GONGZHI_PROXY_ADDR"] = remote
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the address ForwardedClientAddress settled on."""
    return request.META.get("REMOTE_ADDR") or None


def login_failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """django-axes' AXES_FAILURE_LIMIT, with AXES_LOCKOUT_PARAMETERS [[username, ip], ip]: axes
    compares the failures from this address (all accounts together) with what this returns.
    `GONGZHI_LOGIN_FAILURE_LIMIT` (5) failures on one account from one address lock that pair;
    `GONGZHI_LOGIN_FAILURES_PER_ADDRESS` (20) failures on any accounts lock the address (password
    spraying), so colleagues behind one office address do not lock each other out with typos."""
    from axes.attempts import get_cool_off_threshold
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt
    from django.db.models import Sum

    per_account = int(getattr(settings, "GONGZHI_LOGIN_FAILURE_LIMIT", 5))
    per_address = int(getattr(settings, "GONGZHI_LOGIN_FAILURES_PER_ADDRESS", 20))
    attempts = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None) or client_ip(request),
    )
    if getattr(settings, "AXES_COOLOFF_TIME", None):
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    on_account = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    return per_account if on_account >= per_account else max(per_address, per_account)
