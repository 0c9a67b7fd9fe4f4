"""The second factor for staff (等保 8.1.4.1 d): django-otp TOTP plus single-use backup codes.

Every staff page and session-authenticated API call needs a verified session
(`gongzhi.accounts.middleware.RequireSecondFactor`); API tokens are issued from such a page only.
Reveals of ID numbers and clear exports need a *fresh* code (`require_step_up`).

Demo mode only (`GONGZHI_DEMO_MODE`, never production settings): `GONGZHI_OTP_DEMO_SKIP` lets the
demo and the tests sign in with a password alone. Outside demo mode it has no effect.
"""

from __future__ import annotations

import time

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError

SESSION_VERIFIED_AT = "gongzhi_otp_at"
BACKUP_CODES = 10
TOTP_NAME = "totp"
BACKUP_NAME = "backup"


class StepUpRequired(DomainError):
    code = "step_up_required"
    status = 403


def enforced() -> bool:
    """Whether staff need the second factor: always, except in demo mode with the demo skip."""
    return not (settings.GONGZHI_DEMO_MODE and getattr(settings, "GONGZHI_OTP_DEMO_SKIP", False))


def step_up_minutes() -> int:
    return int(getattr(settings, "GONGZHI_OTP_STEP_UP_MINUTES", 5))


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


def _clean(token: str) -> str:
    return "".join((token or "").split()).lower()


@transaction.atomic
def confirm_enrolment(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the pending TOTP device with a code from the app; returns new backup codes
    (shown once). A wrong code raises and changes nothing."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False, name=TOTP_NAME).first()
    token = _clean(token)
    if device is None or not token.isdigit() or not device.verify_token(token):
        raise DomainError(_("验证码不正确，请输入验证器应用中当前显示的 6 位数字。"), code="otp_invalid")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_backup_codes(user)
    audit.record(actor=user, action="otp.enrol", target=user)
    return device, codes


def new_backup_codes(user: User) -> list[str]:
    """Replaces the user's backup codes with BACKUP_CODES fresh single-use ones."""
    StaticDevice.objects.filter(user=user, name=BACKUP_NAME).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def verify(*, request: HttpRequest, token: str) -> bool:
    """Checks a TOTP or backup code for the signed-in user; on success marks the session
    verified now (a replayed TOTP or a used backup code fails)."""
    user = request.user
    token = _clean(token)
    device = django_otp.match_token(user, token) if token else None
    if device is None:
        audit.record(actor=user, action="otp.failed", target=user)
        return False
    mark_verified(request, device)
    audit.record(
        actor=user,
        action="otp.verified",
        target=user,
        data={"device": "backup" if device.name == BACKUP_NAME else "totp"},
    )
    return True


def mark_verified(request: HttpRequest, device) -> None:
    """The session is verified by `device` now (after a code was checked)."""
    django_otp.login(request, device)
    request.session[SESSION_VERIFIED_AT] = time.time()
    request.user.otp_verified_at = request.session[SESSION_VERIFIED_AT]


def require_step_up(user: User) -> None:
    """Refuses unless `user` entered a code within the last GONGZHI_OTP_STEP_UP_MINUTES minutes
    (the middleware copies the session's time onto the user; API tokens carry none)."""
    if not enforced():
        return
    at = getattr(user, "otp_verified_at", None)
    minutes = step_up_minutes()
    if at is None or time.time() - float(at) > minutes * 60:
        raise StepUpRequired(
            _("此操作需要在 %(n)d 分钟内重新输入动态验证码：请到“动态验证码”页验证后重试。") % {"n": minutes}
        )
