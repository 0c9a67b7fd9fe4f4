"""Small helpers shared by the registry and visits pages."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core.errors import DomainError


def staff_page(view):
    """Login required; a DomainError raised by a service or selector becomes a 4xx page with its
    Chinese message instead of a 500."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "registry/error.html", {"message": exc.message}, status=exc.status)
        response.setdefault("Cache-Control", "no-store")  # pages carry personal data
        return response

    return wrapper


def page_of(request: HttpRequest, qs, per_page: int = 30):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
