"""The staff gate, on every request after authentication (it is the one middleware of this app
in MIDDLEWARE, so each rule below is live wherever the second factor is):

1. the administrators' pages answer only from `GONGZHI_ADMIN_ALLOWED_NETS` (A8, `policy`);
2. a session older than the absolute limit (12 hours after the password, A3) is ended;
3. staff pages and session API calls need the verified second factor (A4, `otp`);
4. a password past its age (A1) must be changed before any other staff page opens;
5. every 403 answered is an audit event (A9), and every audit event written while the request
   runs carries its address, user agent and request id (`audit.bind_request`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.accounts import audit, otp, policy, signals

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
# Reachable with an expired password: the change page itself, and the way out.
PASSWORD_EXEMPT_PREFIXES = (*EXEMPT_PREFIXES, "/accounts/password/")
MACHINE_PREFIXES = ("/api/", "/open311/v2/")


def _refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse | None:
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"code": code, "message": message, "details": {}}, status=status)
    return None


class RequireSecondFactor:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.bind_request(request):
            response = self.gate(request)
            if response is None:
                response = self.get_response(request)
            if response.status_code == 403:
                self.record_refusal(request)
        response.headers.setdefault(audit.REQUEST_ID_HEADER, audit.request_id(request))
        return response

    def record_refusal(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        data = {"path": request.path[:200], "method": request.method}
        if actor is not None:
            audit.record(
                actor=actor, action="access.denied", subdistrict=signals._subdistrict(actor), data=data
            )
            return
        # Anonymous refusals are capped per address and minute (signed-in ones are not: the
        # account is known, and axes and the second factor stand before it).
        audit.record_anonymous(request=request, action="access.denied", data=data)

    def gate(self, request: HttpRequest) -> HttpResponse | None:
        if policy.is_admin_path(request.path) and not policy.address_allowed_for_admin(request):
            return HttpResponseForbidden(_("管理页面只能从指定的网络地址访问。"))
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if policy.session_too_old(request):
            return self.session_ended(request)
        user.otp_verified_at = request.session.get(otp.SESSION_VERIFIED_AT)
        if otp.enforced() and not user.is_verified() and not request.path.startswith(EXEMPT_PREFIXES):
            return self.refuse(request, user)
        if policy.password_expired(user) and not request.path.startswith(PASSWORD_EXEMPT_PREFIXES):
            return self.password_change(request)
        return None

    def session_ended(self, request: HttpRequest) -> HttpResponse:
        hours = policy.absolute_seconds() / 3600
        message = _("登录已满 %(h)g 小时，请重新登录。") % {"h": hours}
        logout(request)
        refused = _refusal(request, 401, "session_expired", message)
        if refused is not None:
            return refused
        messages.warning(request, message)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")

    def refuse(self, request: HttpRequest, user) -> HttpResponse:
        refused = _refusal(request, 401, "otp_required", _("请先完成动态验证码验证。"))
        if refused is not None:
            return refused
        name = "accounts:otp_verify" if otp.has_device(user) else "accounts:otp_setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")

    def password_change(self, request: HttpRequest) -> HttpResponse:
        message = _("密码已使用超过 %(n)d 天，请先修改密码。") % {"n": policy.password_max_age_days()}
        refused = _refusal(request, 403, "password_expired", message)
        if refused is not None:
            return refused
        return redirect(
            f"{reverse('accounts:password_change')}?{urlencode({'next': request.get_full_path()})}"
        )
