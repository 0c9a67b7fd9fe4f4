"""System checks of the deployment that Django's own `check --deploy` does not make.

Outside demo mode (`GONGZHI_DEMO_MODE`, on with DEBUG: `make demo`, `make test`) the public demo
secret key, or a placeholder copied from `deploy/gongzhi.env.example`, is an error, not a
warning: every management command and `check --deploy` stop, and the web units run
`gongzhi check --deploy --fail-level ERROR` before they start. The registry's field keys are
checked beside their code (gongzhi.registry.checks)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# Words that mark a value someone was told to replace.
PLACEHOLDER_MARKS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "insecure")


def is_placeholder(value: str) -> bool:
    lowered = (value or "").lower()
    return not lowered or any(mark in lowered for mark in PLACEHOLDER_MARKS)


def demo_mode() -> bool:
    return bool(getattr(settings, "GONGZHI_DEMO_MODE", False))


@checks.register(checks.Tags.security)
def check_secret_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if demo_mode():
        return []
    secret = str(getattr(settings, "SECRET_KEY", "") or "")
    if secret == getattr(settings, "DEMO_SECRET_KEY", None) or is_placeholder(secret):
        return [
            checks.Error(
                "SECRET_KEY is the public demo key or a placeholder outside demo mode.",
                hint="Set GONGZHI_SECRET_KEY to 50+ random characters "
                "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))').",
                id="gongzhi.E001",
            )
        ]
    return []
