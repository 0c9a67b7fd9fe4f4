"""The PII inventory (pii_inventory.yaml) and the check that holds it against the models.

`looks_personal` is deliberately wide (names, phones, IDs, addresses, birth, e-mail, IP
addresses, photos and files, sealed fields and their blind indexes, links to a resident): a
field it flags must be either inventoried or listed under `not_personal` with a reason."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from django.apps import apps
from django.db import models

INVENTORY = Path(__file__).with_name("pii_inventory.yaml")
SENSITIVITIES = {"sensitive", "personal", "pseudonymous"}
BASES = {"duty", "hr", "consent"}
STORAGES = {"sealed", "digest", "mask", "clear", "file"}
REQUIRED = ("sensitivity", "purpose", "basis", "storage", "retention")

PERSONAL_NAME = re.compile(
    r"(^|_)(name|names|phone|mobile|tel|id_number|id_card|idcard|address|birth|birthday|email|"
    r"wechat|openid|ip|ip_address|user_agent|gender|photo|reporter|voter|author|holders?|contact|"
    r"secretary|attendees|signed_by|raised_by|mover|seconder|planner|device_id|account_id)($|_)"
)
PERSONAL_TYPES = (models.EmailField, models.GenericIPAddressField, models.FileField)


@cache
def load() -> dict:
    with INVENTORY.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _type_looks_personal(field: models.Field) -> bool:
    kind = type(field).__name__
    return isinstance(field, PERSONAL_TYPES) or "Sealed" in kind or "BlindIndex" in kind


def looks_personal(field: models.Field) -> bool:
    if field.is_relation:
        target = field.related_model
        return target is not None and target._meta.label in ("registry.Resident", "registry.Household")
    return bool(PERSONAL_NAME.search(field.name)) or _type_looks_personal(field)


def _is_sealed(model: type[models.Model], name: str) -> bool:
    """Encrypted at rest: a registry.Sealed field, or a field whose type seals it."""
    if name in (getattr(model, "SEALED", {}) or {}):
        return True
    return any("Sealed" in type(f).__name__ for f in model._meta.concrete_fields if f.name == name)


def _columns(model: type[models.Model], name: str, entry: dict) -> list[str] | None:
    """The concrete columns an inventory entry covers, or None when it names no field."""
    names = {f.name for f in model._meta.concrete_fields}
    sealed = getattr(model, "SEALED", {}) or {}
    if name in sealed:
        cols = [f"{name}_enc", f"{name}_hash", f"{name}_mask"]
    elif name in names:
        cols = [name]
    else:
        return None
    cols += list(entry.get("columns", []))
    return cols if all(c in names for c in cols) else None


def problems() -> list[str]:
    """Every way the inventory and the models disagree, in words (empty when they agree)."""
    data = load()
    found: list[str] = []
    covered: set[str] = set()
    for label, fields in (data.get("models") or {}).items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            found.append(f"{label}: no such model")
            continue
        for name, entry in fields.items():
            cols = _columns(model, name, entry or {})
            if cols is None:
                found.append(f"{label}.{name}: no such field")
                continue
            covered.update(f"{label}.{c}" for c in cols)
            missing = [k for k in REQUIRED if not (entry or {}).get(k)]
            if missing:
                found.append(f"{label}.{name}: missing {', '.join(missing)}")
                continue
            for key, allowed in (("sensitivity", SENSITIVITIES), ("basis", BASES), ("storage", STORAGES)):
                if entry[key] not in allowed:
                    found.append(f"{label}.{name}: {key} {entry[key]!r} not one of {sorted(allowed)}")
            if (entry["storage"] == "sealed") != _is_sealed(model, name):
                found.append(f"{label}.{name}: storage says {entry['storage']!r}, the model disagrees")
    for key, reason in (data.get("not_personal") or {}).items():
        label, _, name = key.rpartition(".")
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            found.append(f"{key}: no such model")
            continue
        if name not in {f.name for f in model._meta.concrete_fields}:
            found.append(f"{key}: no such field")
        elif not reason:
            found.append(f"{key}: not_personal needs a reason")
        elif key in covered:
            found.append(f"{key}: both inventoried and not_personal")
        covered.add(key)
    for model in apps.get_models():
        if not model.__module__.startswith("gongzhi."):
            continue
        for field in model._meta.concrete_fields:
            key = f"{model._meta.label}.{field.name}"
            if key not in covered and looks_personal(field):
                found.append(f"{key}: looks personal and is not in pii_inventory.yaml")
    return found
