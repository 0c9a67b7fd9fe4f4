"""Secrets for machine access (Open311 client keys, staff API tokens): never stored in clear.
A short public prefix finds the row, the SHA-256 of the whole secret proves it. Secrets are 32
random bytes, so a plain hash is enough (no password stretching needed) and does not depend on
SECRET_KEY, which a deployment may rotate."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import models


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(kind: str) -> tuple[str, str]:
    """A new secret "gz<kind>_<prefix>_<random>" and its prefix."""
    prefix = secrets.token_hex(4)
    return f"gz{kind}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def split_prefix(secret: str) -> str:
    parts = (secret or "").split("_", 2)
    return parts[1] if len(parts) == 3 else ""


class SecretQuerySet(models.QuerySet):
    def matching(self, secret: str):
        """The live row whose secret this is, or None (constant-time comparison of digests)."""
        prefix = split_prefix(secret)
        if not prefix:
            return None
        row = self.filter(prefix=prefix, revoked_at=None).first()
        if row is None or not hmac.compare_digest(row.key_digest, digest(secret)):
            return None
        return row
