"""What every kind's planner shares: normalising rows, the areas of the actor's scope, diffs kept as RegistryChange rows, the bulk writes."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.bulk import chunks as _chunks
from gongzhi.registry import cleaning, crypto
from gongzhi.registry.importing.columns import COLUMNS
from gongzhi.registry.importing.readers import _cell
from gongzhi.registry.importing.report import ImportReport, RowError
from gongzhi.registry.models import (
    ChangeSource,
    Household,
    RegistryChange,
    Resident,
)
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area

# Rows per bulk statement of the planners.
BATCH = 1000


def _widen_cache() -> None:
    """SQLite's default page cache (2 MB) makes index inserts thrash once the random-keyed
    indexes (uid, keyed hashes) outgrow it; a bulk import gets 256 MB for its connection."""
    connection = connections[router.db_for_write(Resident)]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")


def _set_heads(heads: dict[int, int]) -> None:
    if not heads:
        return
    connection = connections[router.db_for_write(Household)]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} = %s WHERE {} = %s".format(  # noqa: S608
        quote(Household._meta.db_table), quote("head_id"), quote("id")
    )
    with connection.cursor() as cursor:
        for chunk in _chunks([(r, h) for h, r in heads.items()], 2000):
            cursor.executemany(sql, chunk)


def _normalise(rows: Iterable[dict], kind: str) -> list[dict]:
    """Accept rows keyed by column key or by Chinese header."""
    by_header = {c.header: c.key for c in COLUMNS[kind]}
    out = []
    for row in rows:
        out.append({by_header.get(k, k): _cell(v) for k, v in row.items()})
    return out


class _Areas:
    """Area lookups by code, with the actor's right to import there checked once per area."""

    def __init__(self, codes: set[str], actor: User | None, kinds: tuple[str, ...]):
        self.by_code: dict[str, Area] = {}
        for chunk in _chunks(sorted(c for c in codes if c)):
            self.by_code.update(
                {a.code: a for a in Area.objects.filter(code__in=chunk).select_related("parent")}
            )
        self.actor = actor
        self.kinds = kinds
        self.allowed: dict[int, bool] = {}

    def get(self, code: str) -> Area:
        if not code:
            raise FieldError("area_code", _("请填写区域编码。"))
        area = self.by_code.get(code)
        if area is None:
            raise FieldError("area_code", _("区域编码“%(code)s”不存在。") % {"code": code[:40]})
        if area.pk not in self.allowed:
            self.allowed[area.pk] = self.actor is None or permissions.has(self.actor, "registry.import", area)
        if not self.allowed[area.pk]:
            raise FieldError("area_code", _("区域“%(name)s”不在您的管辖范围内。") % {"name": area.name})
        if area.kind not in self.kinds:
            raise FieldError(
                "area_code",
                _("“%(name)s”是%(kind)s，此处须为楼栋或小区。")
                % {"name": area.name, "kind": area.kind_label},
            )
        return area


def _header_of(kind: str, key: str) -> str:
    for column in COLUMNS[kind]:
        if column.key == key:
            return column.header
    return str(cleaning.label(key))


def _add(report: ImportReport, row_no: int, kind: str, errors: list[FieldError]) -> None:
    for error in errors:
        report.errors.append(RowError(row_no, _header_of(kind, error.field), error.message))


def _diff(obj, clean: dict, keys: Iterable[str]) -> dict:
    changes = {}
    for key in keys:
        new = clean[key]
        old = obj.unseal(key) if key in obj.SEALED else getattr(obj, key)
        if (old or None) != (new or None):
            changes[key] = (old, new)
    return changes


def _apply(obj, changes: dict, *, object_type: str, actor: User | None, rows: list[RegistryChange]) -> None:
    for key, (old, new) in changes.items():
        if key in obj.SEALED:
            obj.seal(key, new or "")
            mask = crypto.mask_id_number if obj.SEALED[key] == "id" else crypto.mask_phone
            old_shown, new_shown = mask(old or ""), mask(new or "")
        else:
            setattr(obj, key, new)
            old_shown, new_shown = ("" if old is None else str(old)), ("" if new is None else str(new))
        rows.append(
            RegistryChange(
                subdistrict_id=obj.subdistrict_id,
                object_type=object_type,
                object_id=obj.pk,
                field=key,
                old_value=old_shown[:200],
                new_value=new_shown[:200],
                source=ChangeSource.IMPORT,
                actor=actor,
            )
        )


def _update_fields(changes_list: list[dict], model) -> list[str]:
    fields: set[str] = set()
    for changes in changes_list:
        for key in changes:
            if key in model.SEALED:
                fields.update({f"{key}_enc", f"{key}_hash", f"{key}_mask"})
            else:
                fields.add(key)
    return sorted(fields | {"updated_at"})


def is_masked(value: object) -> bool:
    """A value as a masked export writes it (138****5678, 110***********1234)."""
    return isinstance(value, str) and "*" in value


def unmask(row: dict, obj, fields: tuple[str, ...]) -> str | None:
    """A masked value in a re-imported row means "unchanged": put the stored clear value in its
    place (on the server only; it is never shown). Returns an error message when a masked value
    is not the stored one's mask (it was edited, or belongs to someone else)."""
    for name in fields:
        value = row.get(name)
        if not is_masked(value):
            continue
        if obj is None or getattr(obj, f"{name}_mask") != value:
            return _("“%(value)s”是脱敏后的号码，但与已登记的不一致：请填写完整号码。") % {"value": value}
        row[name] = obj.unseal(name)
    return None
