"""Field encryption, blind indexes and masking for personal data in the registry.

Encrypted values are text blobs ``g1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`` so that keys
can rotate: every blob names the key that sealed it, new values use the current key, and
``gongzhi rotate_field_keys`` re-seals old blobs with it. The associated data binds a blob to its
column and row (``registry.resident.id_number:<uid>``), so a ciphertext copied into another row
or column does not decrypt.

Keys come from ``GONGZHI_FIELD_KEYS`` (settings or environment): comma-separated
``KID:ALG:BASE64`` entries, the first being current; ALG is ``aes`` (AES-256-GCM, 32-byte key)
or ``sm4`` (SM4-GCM, 16-byte key, 国密). Exact lookup and de-duplication use a keyed hash
(HMAC-SHA256 with ``GONGZHI_BLIND_INDEX_KEY``), which does not rotate with the field keys.
Without configuration a fixed, public demo key is used; never deploy with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

VERSION = "g1"
DEMO_FIELD_KEYS = "demo1:aes:" + base64.b64encode(hashlib.sha256(b"gongzhi-demo-field-key").digest()).decode()
DEMO_INDEX_KEY = base64.b64encode(hashlib.sha256(b"gongzhi-demo-blind-index-key").digest()).decode()


class CryptoError(Exception):
    pass


@dataclass(frozen=True)
class Key:
    kid: str
    alg: str
    secret: bytes

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        if self.alg == "aes":
            return nonce + AESGCM(self.secret).encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def open(self, data: bytes, aad: bytes) -> bytes:
        nonce, body = data[:12], data[12:]
        if self.alg == "aes":
            return AESGCM(self.secret).decrypt(nonce, body, aad)
        decryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce, body[-16:])).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body[:-16]) + decryptor.finalize()


_settings_cache: dict[str, str] = {}


def _setting(name: str, default: str) -> str:
    # Read once per process (settings access is slow at 100,000 rows); tests that override the
    # setting clear the cache through the setting_changed signal below.
    if name not in _settings_cache:
        _settings_cache[name] = str(getattr(settings, name, None) or os.environ.get(name) or default)
    return _settings_cache[name]


@receiver(setting_changed)
def _forget_settings(*, setting: str, **kwargs) -> None:
    _settings_cache.pop(setting, None)


@lru_cache(maxsize=8)
def _parse_keys(config: str) -> tuple[Key, ...]:
    keys = []
    for entry in (e.strip() for e in config.split(",")):
        if not entry:
            continue
        try:
            kid, alg, b64 = entry.split(":", 2)
            secret = base64.b64decode(b64)
        except ValueError as exc:
            raise CryptoError(f"GONGZHI_FIELD_KEYS: bad entry {entry[:12]!r}…") from exc
        if alg not in ("aes", "sm4"):
            raise CryptoError(f"GONGZHI_FIELD_KEYS: unknown algorithm {alg!r} for key {kid!r}")
        if len(secret) != (32 if alg == "aes" else 16):
            raise CryptoError(f"GONGZHI_FIELD_KEYS: key {kid!r} has the wrong length for {alg}")
        keys.append(Key(kid, alg, secret))
    if not keys:
        raise CryptoError("GONGZHI_FIELD_KEYS holds no key")
    return tuple(keys)


def keys() -> tuple[Key, ...]:
    return _parse_keys(_setting("GONGZHI_FIELD_KEYS", DEMO_FIELD_KEYS))


def current_key() -> Key:
    return keys()[0]


def configured(name: str, default: str) -> str:
    """The configured value of a key setting (settings, then environment, then the default)."""
    return _setting(name, default)


def using_demo_keys() -> bool:
    return _setting("GONGZHI_FIELD_KEYS", DEMO_FIELD_KEYS) == DEMO_FIELD_KEYS


def encrypt(value: str, *, context: str) -> str:
    """Seal `value` under the current key; "" stays "" (nothing to protect)."""
    if not value:
        return ""
    key = current_key()
    data = key.seal(value.encode(), context.encode())
    return f"{VERSION}:{key.kid}:{base64.b64encode(data).decode()}"


def key_id(blob: str) -> str:
    return blob.split(":", 2)[1] if blob else ""


def decrypt(blob: str, *, context: str) -> str:
    if not blob:
        return ""
    try:
        version, kid, b64 = blob.split(":", 2)
    except ValueError as exc:
        raise CryptoError("not an encrypted value") from exc
    if version != VERSION:
        raise CryptoError(f"unknown blob version {version!r}")
    key = next((k for k in keys() if k.kid == kid), None)
    if key is None:
        raise CryptoError(f"key {kid!r} is not configured (was it removed before rotation?)")
    try:
        return key.open(base64.b64decode(b64), context.encode()).decode()
    except InvalidTag as exc:
        raise CryptoError("value does not belong to this row or was altered") from exc


@lru_cache(maxsize=8)
def _index_key(config: str) -> bytes:
    return base64.b64decode(config)


def blind_index(value: str, *, kind: str) -> str:
    """A keyed hash for exact lookup: the same value of the same kind gives the same hash."""
    if not value:
        return ""
    key = _index_key(_setting("GONGZHI_BLIND_INDEX_KEY", DEMO_INDEX_KEY))
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """110***********1234: the region's first three characters and the last four."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; fixed lines keep only their last four."""
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    return "*" * max(len(value) - 4, 0) + value[-4:]
