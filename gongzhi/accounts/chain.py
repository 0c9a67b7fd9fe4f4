"""Tamper evidence for the audit trail (等保 8.1.4.3 c, control A10).

Every `AuditEvent` and `AccessLog` row carries `row_hash = SM3(prev_hash ‖ canonical row)`, the
previous row's hash chained in id order, computed in the transaction that writes the row while
the table's head is locked. The head (`AuditChainHead`: rows, last id, last hash) carries an
HMAC-SM3 under a key outside the database (`GONGZHI_AUDIT_KEY`, else derived from SECRET_KEY),
so a cut tail or a rewritten chain shows. `verify()` walks a table and names the first bad row.
On PostgreSQL a trigger makes both tables insert-only (migration 0008).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.db import models

GENESIS = "0" * 64
SKIP = {"id", "prev_hash", "row_hash"}


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _key() -> bytes:
    key = os.environ.get("GONGZHI_AUDIT_KEY") or getattr(settings, "GONGZHI_AUDIT_KEY", "")
    if key:
        return key.encode()
    return hashlib.sha256(b"gongzhi-audit-chain:" + settings.SECRET_KEY.encode()).digest()


def mac(*parts: Any) -> str:
    signer = crypto_hmac.HMAC(_key(), hashes.SM3())
    signer.update("|".join(str(p) for p in parts).encode())
    return signer.finalize().hex()


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def canonical(row: models.Model) -> bytes:
    """The row's content in a fixed form (concrete fields but id and the hashes, sorted). Fields
    a model added later (`CHAIN_OPTIONAL`) count only when set, so older rows keep their hash."""
    optional = set(getattr(row, "CHAIN_OPTIONAL", ()))
    values = {
        f.attname: _value(getattr(row, f.attname)) for f in row._meta.concrete_fields if f.attname not in SKIP
    }
    for name in optional:
        if values.get(name) in ("", None):
            values.pop(name, None)
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def row_hash(prev: str, row: models.Model) -> str:
    return sm3(prev.encode() + canonical(row))


@dataclass(frozen=True)
class Result:
    table: str
    rows: int
    bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason

    def __str__(self) -> str:
        if self.ok:
            return f"{self.table}: {self.rows} rows, chain intact"
        where = f" row #{self.bad_id}" if self.bad_id is not None else ""
        return f"{self.table}:{where} {self.reason}"


def verify(model: type[models.Model]) -> Result:
    """Walks `model`'s chain in id order; the first row whose link or hash is wrong is named,
    then the signed head is compared (a deleted tail or a rewritten chain)."""
    from gongzhi.accounts.models import AuditChainHead

    table = model._meta.db_table
    prev, count, last_id = GENESIS, 0, None
    for row in model.objects.order_by("id").iterator(chunk_size=2000):
        if row.prev_hash != prev:
            return Result(table, count, row.pk, "link broken: a row before it was removed or rows reordered")
        if row.row_hash != row_hash(prev, row):
            return Result(table, count, row.pk, "content changed after it was written")
        prev, count, last_id = row.row_hash, count + 1, row.pk
    head = AuditChainHead.objects.filter(table=table).first()
    if head is None:
        if count:
            return Result(table, count, None, "signed head missing")
        return Result(table, 0)
    if head.mac != mac(table, head.rows, head.last_id, head.last_hash):
        return Result(table, count, head.last_id, "signed head altered")
    if (head.rows, head.last_id, head.last_hash) != (count, last_id, prev):
        return Result(
            table,
            count,
            head.last_id,
            f"tail cut or rewritten: the head names {head.rows} rows up to #{head.last_id}",
        )
    return Result(table, count)
