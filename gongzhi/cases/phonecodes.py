"""One-time codes that prove a phone: sent through the platform's outbound channel (the SMS
gateway; in the demo the outbox page), checked once, refused after five wrong tries.

Public pages that act for a phone number (follow a case, a suggestion and its supports, an event
registration) call `send_code` and then `verify_code`. Only digests of the phone and the code are
stored; a code lives ten minutes; a phone gets one code a minute per purpose and twenty a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import messaging
from gongzhi.cases.models import OutboundMessage, PhoneCode
from gongzhi.core.errors import DomainError
from gongzhi.territory.models import Area

LIFETIME = dt.timedelta(minutes=10)
RESEND_AFTER = dt.timedelta(seconds=60)
PER_DAY = 20
MAX_ATTEMPTS = 5
PHONE = re.compile(r"^1[3-9]\d{9}$")


class CodeRefused(DomainError):
    status = 400
    code = "code_refused"


def _digest(kind: str, value: str) -> str:
    key = (settings.SECRET_KEY + ":phonecode:" + kind).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def normalise_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "").removeprefix("+86")
    if not PHONE.match(phone):
        raise CodeRefused(_("请输入 11 位手机号码。"))
    return phone


@transaction.atomic
def send_code(*, phone: str, purpose: str, subdistrict: Area, now: dt.datetime | None = None) -> None:
    """Send a new six-digit code to `phone` for `purpose` (e.g. "follow:<number>")."""
    now = now or timezone.now()
    phone = normalise_phone(phone)
    digest = _digest("phone", phone)
    recent = PhoneCode.objects.select_for_update().filter(
        phone_digest=digest, created_at__gte=now - dt.timedelta(days=1)
    )
    if recent.filter(purpose=purpose, created_at__gt=now - RESEND_AFTER).exists():
        raise CodeRefused(_("验证码已发送，请一分钟后再试。"))
    if recent.count() >= PER_DAY:
        raise CodeRefused(_("这个手机号今天获取验证码的次数太多，请明天再试。"))
    code = f"{secrets.randbelow(10**6):06d}"
    PhoneCode.objects.create(
        subdistrict=subdistrict,
        phone_digest=digest,
        purpose=purpose,
        code_digest=_digest("code:" + purpose, code),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    messaging.queue(
        case=None,
        kind=OutboundMessage.Kind.CODE,
        to=phone,
        body=_("【共治】您的验证码是 %(code)s，10 分钟内有效。如非本人操作请忽略。") % {"code": code},
        at=now,
        subdistrict_id=subdistrict.pk,
    )


def verify_code(*, phone: str, purpose: str, code: str, now: dt.datetime | None = None) -> bool:
    """Whether `code` is the live code for this phone and purpose; a right code is used up."""
    now = now or timezone.now()
    try:
        phone = normalise_phone(phone)
    except CodeRefused:
        return False
    code = (code or "").strip()
    with transaction.atomic():
        latest = (
            PhoneCode.objects.select_for_update()
            .filter(phone_digest=_digest("phone", phone), purpose=purpose, used_at=None, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if latest is None:
            return False
        if latest.attempts >= MAX_ATTEMPTS:
            return False
        if not hmac.compare_digest(latest.code_digest, _digest("code:" + purpose, code)):
            PhoneCode.objects.filter(pk=latest.pk).update(attempts=latest.attempts + 1)
            return False
        PhoneCode.objects.filter(pk=latest.pk).update(used_at=now)
        return True


def last_code_for(phone: str, purpose: str) -> str | None:
    """The code in the newest outbox message to `phone` (tests and the demo: with the outbox
    channel the message keeps its text). `purpose` is accepted for symmetry with send_code."""
    message = (
        OutboundMessage.objects.filter(kind=OutboundMessage.Kind.CODE, to=normalise_phone(phone))
        .order_by("-created_at", "-id")
        .first()
    )
    if message is None:
        return None
    found = re.search(r"(\d{6})", message.body)
    return found.group(1) if found else None
