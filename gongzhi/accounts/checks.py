"""Deployment checks of the second factor (control A25): outside demo mode the OTP middleware
and the second-factor gate must both be installed, after authentication."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

REQUIRED = ("django_otp.middleware.OTPMiddleware", "gongzhi.accounts.middleware.RequireSecondFactor")


@register("security", deploy=False)
def second_factor_middleware(app_configs=None, **kwargs) -> list[Error]:
    if getattr(settings, "GONGZHI_DEMO_MODE", False):
        return []
    middleware = list(settings.MIDDLEWARE)
    missing = [m for m in REQUIRED if m not in middleware]
    if missing:
        return [
            Error(
                f"{', '.join(missing)} missing from MIDDLEWARE: staff would sign in with a password alone.",
                id="gongzhi.E010",
            )
        ]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    if not auth < middleware.index(REQUIRED[0]) < middleware.index(REQUIRED[1]):
        return [
            Error(
                "The OTP middleware must follow AuthenticationMiddleware, the gate follow it.",
                id="gongzhi.E011",
            )
        ]
    return []
