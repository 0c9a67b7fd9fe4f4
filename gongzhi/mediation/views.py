"""Mediation pages: the dispute ledger and a dispute."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed
from gongzhi.mediation import selectors
from gongzhi.registry.web import staff_page


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    if request.user.scope_id is None or not permissions.has(request.user, "dispute.view", request.user.scope):
        raise NotAllowed()
    return render(request, "mediation/index.html", {"disputes": selectors.listing_for(request.user)[:50]})


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = selectors.dispute_for(request.user, pk)
    return render(request, "mediation/detail.html", {"dispute": dispute})
