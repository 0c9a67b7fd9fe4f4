"""Staff tokens for the REST API (`Authorization: Bearer gzt_…`): issued, revoked and checked
here, below every app that serves API requests."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import ApiToken, User
from gongzhi.accounts.secret_keys import digest, new_secret
from gongzhi.core.errors import DomainError

# Usernames of the accounts Open311 client keys file cases as: never given a token or a session.
SERVICE_ACCOUNT_PREFIX = "open311-"


@transaction.atomic
def issue_token(*, user: User, name: str, days: int | None = 365) -> tuple[ApiToken, str]:
    """A REST API token for a staff member (shown once)."""
    if user.username.startswith(SERVICE_ACCOUNT_PREFIX) or not user.is_active:
        raise DomainError(_("不能为外部系统账号或已停用账号发放令牌。"))
    secret, prefix = new_secret("t")
    token = ApiToken.objects.create(
        user=user,
        name=(name or "api").strip()[:80],
        prefix=prefix,
        key_digest=digest(secret),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    return token, secret


def revoke_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(secret: str) -> User | None:
    # The user's scope with it: every API call checks it (one JOIN instead of a SELECT).
    token = ApiToken.objects.select_related("user__scope").matching(secret)
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at < now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
