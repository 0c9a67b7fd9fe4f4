"""Key rotation: re-seal every encrypted field whose blob names an older key."""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

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


def sealed_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) of an installed app whose field seals its value by itself (a field
    class with `sealed_column = True`, e.g. the cases app's SealedPhoneField on reporter and
    follower phones and participation's author phone). Found by the attribute, so this layer
    names no app above it."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if getattr(field, "sealed_column", False)
    ]


def rotate_column(model: type[models.Model], name: str, *, batch: int = 1000) -> int:
    """Re-seal the column's values that name an older key: read the stored text as it is (a Cast
    skips the field's decryption), and save the clear value again (the field seals it with the
    current key)."""
    prefix = f"{crypto.VERSION}:{crypto.current_key().kid}:"
    index = next(
        (f for f in model._meta.concrete_fields if getattr(f, "source", None) == name and hasattr(f, "kind")),
        None,
    )
    done, last_pk = 0, 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .annotate(_stored=Cast(name, models.TextField()))
            .values_list("pk", "_stored", name)[:batch]
        )
        if not rows:
            return done
        last_pk = rows[-1][0]
        stale = [
            (pk, clear)
            for pk, stored, clear in rows
            if stored and stored.startswith(crypto.VERSION + ":") and not stored.startswith(prefix)
        ]
        with transaction.atomic():
            for pk, clear in stale:
                values = {name: clear}
                if index is not None:  # the sibling blind index, recomputed with today's key
                    values[index.name] = crypto.blind_index(clear or "", kind=index.kind)
                model.objects.filter(pk=pk).update(**values)
        done += len(stale)


def rotate_all(*, batch: int = 1000) -> dict[str, int]:
    counts = {m._meta.label: rotate_model(m, batch=batch) for m in (Resident, Dwelling, Organization)}
    for model, name in sealed_columns():
        counts[f"{model._meta.label}.{name}"] = rotate_column(model, name, batch=batch)
    return counts
