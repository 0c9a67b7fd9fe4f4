"""The cases panel of a registry resident's page (loaded into it by htmx: the registry sits
below the case loop and does not read cases itself)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gongzhi.cases import selectors
from gongzhi.registry import selectors as registry_selectors


@login_required
@require_GET
def about_resident(request: HttpRequest, pk: int) -> HttpResponse:
    resident = registry_selectors.residents_for(request.user).select_related("dwelling").filter(pk=pk).first()
    if resident is None:
        raise Http404
    cases = selectors.cases_about_resident(request.user, resident)
    return render(request, "cases/_about_resident.html", {"cases": cases})
