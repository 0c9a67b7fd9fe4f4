"""Key rotation: re-seal every encrypted field whose blob names an older key."""

from __future__ import annotations

from django.db import transaction

from gongzhi.registry import crypto
from gongzhi.registry.models import Dwelling, Organization, Resident


def rotate_model(model, *, batch: int = 1000) -> int:
    current = crypto.current_key().kid
    fields = list(model.SEALED)
    prefix = f"{crypto.VERSION}:{current}:"
    done = 0
    last_pk = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not rows:
            return done
        last_pk = rows[-1].pk
        stale = []
        for obj in rows:
            if all(
                not getattr(obj, f"{f}_enc") or getattr(obj, f"{f}_enc").startswith(prefix) for f in fields
            ):
                continue
            for f in fields:
                obj.seal(f, obj.unseal(f))
            stale.append(obj)
        if stale:
            with transaction.atomic():
                model.objects.bulk_update(
                    stale, [f"{f}_{s}" for f in fields for s in ("enc", "hash", "mask")]
                )
            done += len(stale)


def rotate_all(*, batch: int = 1000) -> dict[str, int]:
    return {m._meta.label: rotate_model(m, batch=batch) for m in (Resident, Dwelling, Organization)}
