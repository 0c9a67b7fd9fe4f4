"""Refuses every staff page and session API call until the second factor is verified."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts import otp

# Reachable with a password-only session: signing in and out, the second-factor pages, static
# files, the health probe and the language switch. Everything else needs a verified session.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/otp/",
    "/static/",
    "/healthz",
    "/i18n/",
)


class RequireSecondFactor:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            user.otp_verified_at = request.session.get(otp.SESSION_VERIFIED_AT)
            if otp.enforced() and not user.is_verified() and not request.path.startswith(EXEMPT_PREFIXES):
                return self.refuse(request, user)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, user) -> HttpResponse:
        if request.path.startswith(("/api/", "/open311/v2/")):
            return JsonResponse(
                {"code": "otp_required", "message": _("请先完成动态验证码验证。"), "details": {}}, status=401
            )
        name = "accounts:otp_verify" if otp.has_device(user) else "accounts:otp_setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
