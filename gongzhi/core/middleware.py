"""Request hygiene for the machine interfaces (/api/ and Open311), before any view or CSRF
check reads the body:

- a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) is a 413 in the interface's
  own error shape (the REST API's {"code", "message", "details"}, Open311's error list), not a
  500 or an HTML page;
- text holding NUL characters is a 400 on every database (PostgreSQL cannot store it, SQLite
  silently did), as docs/api.md promises.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

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
