"""Outside demo mode the registry refuses the public demo field and blind-index keys (and
placeholders): a system check error, so production settings do not start sealing ID numbers
and phones with keys everyone knows."""

from __future__ import annotations

import base64
import binascii

from django.core import checks

from gongzhi.core.checks import demo_mode, is_placeholder
from gongzhi.registry import crypto


def _current_is_demo() -> bool:
    """Whether new values would be sealed with the demo key (kept after it only to re-seal is fine)."""
    demo_secret = crypto._parse_keys(crypto.DEMO_FIELD_KEYS)[0].secret
    try:
        return crypto.current_key().secret == demo_secret
    except crypto.CryptoError:
        return False  # reported below as a bad configuration


@checks.register(checks.Tags.security)
def check_field_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if demo_mode():
        return []
    errors = []
    field_keys = crypto.configured("GONGZHI_FIELD_KEYS", crypto.DEMO_FIELD_KEYS)
    if crypto.using_demo_keys() or is_placeholder(field_keys) or _current_is_demo():
        errors.append(
            checks.Error(
                "GONGZHI_FIELD_KEYS is unset, the public demo key or a placeholder outside demo mode.",
                hint="Set GONGZHI_FIELD_KEYS=k1:sm4:<base64 of 16 random bytes> (docs/registry.md).",
                id="gongzhi.E002",
            )
        )
    else:
        try:
            crypto.keys()
        except crypto.CryptoError as exc:
            errors.append(checks.Error(f"GONGZHI_FIELD_KEYS: {exc}", id="gongzhi.E003"))
    index_key = crypto.configured("GONGZHI_BLIND_INDEX_KEY", crypto.DEMO_INDEX_KEY)
    if index_key == crypto.DEMO_INDEX_KEY or is_placeholder(index_key):
        errors.append(
            checks.Error(
                "GONGZHI_BLIND_INDEX_KEY is unset, the public demo key or a placeholder outside demo mode.",
                hint="Set GONGZHI_BLIND_INDEX_KEY=<base64 of 32 random bytes> (docs/registry.md).",
                id="gongzhi.E004",
            )
        )
    else:
        try:
            short = len(base64.b64decode(index_key, validate=True)) < 32
        except (binascii.Error, ValueError):
            short = True
        if short:
            errors.append(
                checks.Error(
                    "GONGZHI_BLIND_INDEX_KEY must be base64 of at least 32 bytes.", id="gongzhi.E005"
                )
            )
    return errors
