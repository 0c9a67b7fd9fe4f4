"""The staff page for Open311 client keys (administrators only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.open311 import selectors, services
from gongzhi.open311.models import ApiToken


@login_required
def keys(request: HttpRequest) -> HttpResponse:
    if not permissions.has(request.user, "apikey.manage"):
        return render(request, "open311/keys.html", {"forbidden": True}, status=403)
    choices = selectors.key_subdistricts_for(request.user)
    context: dict = {"subdistricts": choices, "keys": selectors.keys_for(request.user)}
    if request.method == "POST":
        try:
            # Only the subdistricts in the administrator's scope can be chosen.
            subdistrict = choices.filter(pk=request.POST.get("subdistrict") or 0).first()
            if subdistrict is None:
                raise DomainError(_("请选择街道。"))
            rate = request.POST.get("rate_limit", "60").strip()
            key, secret = services.issue_key(
                name=request.POST.get("name", ""),
                subdistrict=subdistrict,
                actor=request.user,
                rate_limit=int(rate) if rate.isdigit() and int(rate) > 0 else 60,
            )
            context.update(new_key=key, secret=secret)
        except DomainError as error:
            context["error"] = error.message
            return render(request, "open311/keys.html", context, status=400)
    return render(request, "open311/keys.html", context)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.has(request.user, "apikey.manage"):
        return render(request, "open311/keys.html", {"forbidden": True}, status=403)
    # A key outside the administrator's scope does not exist for it.
    services.revoke_key(key=get_object_or_404(selectors.keys_for(request.user), pk=pk), actor=request.user)
    return redirect("open311:keys")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """A staff member's own REST API tokens: issue (shown once) and revoke."""
    context: dict = {}
    if request.method == "POST":
        try:
            token, secret = services.issue_token(user=request.user, name=request.POST.get("name", ""))
            context.update(new_token=token, secret=secret)
        except DomainError as error:
            context["error"] = error.message
    context["tokens"] = ApiToken.objects.filter(user=request.user)
    return render(request, "open311/tokens.html", context, status=400 if "error" in context else 200)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    services.revoke_token(token=get_object_or_404(ApiToken, pk=pk, user=request.user))
    return redirect("open311:tokens")
