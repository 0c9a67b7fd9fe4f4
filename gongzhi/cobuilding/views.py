"""Staff pages of co-building."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.cobuilding import selectors
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not permissions.has(request.user, "cobuilding.view", request.user.scope):
        raise NotAllowed()
    return render(request, "cobuilding/index.html", {})


@login_required
def place(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "cobuilding/place.html", {"place": selectors.place_for(request.user, pk)})
