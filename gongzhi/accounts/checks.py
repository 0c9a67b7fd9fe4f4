"""Deployment checks of the second factor (control A25): outside demo mode the OTP middleware
and the second-factor gate must both be installed, after authentication. And 三员分立 (A8): no
active account holds an administrator role beside a business role (the database refuses two
administrator roles; a business role beside one is refused by the role service, and an account
that had both before migration 0008 is named here)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

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


@register("security", deploy=True)
def administrators_without_business_roles(app_configs=None, **kwargs) -> list[Warning]:
    from django.db import DatabaseError

    from gongzhi.accounts.models import ADMINISTRATOR_ROLES, User

    try:
        mixed = list(
            User.objects.filter(is_active=True, groups__name__in=ADMINISTRATOR_ROLES)
            .filter(groups__in=User.groups.field.related_model.objects.exclude(name__in=ADMINISTRATOR_ROLES))
            .values_list("username", flat=True)
            .distinct()[:20]
        )
    except DatabaseError:  # not migrated yet
        return []
    if not mixed:
        return []
    return [
        Warning(
            f"Administrators that also hold a business role (三员分立): {', '.join(mixed)}.",
            hint="Revoke one of the roles on the 账号与角色 page or with `gongzhi roles revoke`.",
            id="gongzhi.W012",
        )
    ]


@register("security", deploy=True)
def no_active_superuser(app_configs=None, **kwargs) -> list[Warning]:
    """等保 8.1.4.2 a)–c), A6: no active superuser in production. A superuser holds every
    permission at once, which 三员分立 forbids; the first security administrator is made with
    `gongzhi roles grant`. Demo mode is exempt (the demo's own sysadmin account)."""
    from django.db import DatabaseError

    from gongzhi.accounts.models import User

    if getattr(settings, "GONGZHI_DEMO_MODE", False):
        return []
    try:
        names = list(
            User.objects.filter(is_active=True, is_superuser=True).values_list("username", flat=True)[:20]
        )
    except DatabaseError:  # not migrated yet
        return []
    if not names:
        return []
    return [
        Warning(
            f"Active superusers in a production deployment: {', '.join(names)}.",
            hint="Remove the superuser flag (or deactivate the account) and grant the system, security "
            "or audit administrator role instead: `gongzhi roles grant USERNAME ROLE`.",
            id="gongzhi.W013",
        )
    ]
