"""Planning and writing dwellings (matched by building and room)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.bulk import chunks as _chunks
from gongzhi.core.bulk import insert_objects as _fast_insert
from gongzhi.registry import cleaning
from gongzhi.registry.importing.common import (
    BATCH,
    _add,
    _apply,
    _Areas,
    _diff,
    _update_fields,
    is_masked,
    unmask,
)
from gongzhi.registry.importing.report import ImportReport
from gongzhi.registry.models import (
    Dwelling,
    RegistryChange,
)
from gongzhi.registry.services import default_address
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area, AreaKind


def _stored_for_masked(rows: list[dict], areas: _Areas) -> dict[tuple[int, str], Dwelling]:
    """The registered dwellings whose masked owner phones a re-imported export carries."""
    wanted = set()
    for row in rows:
        area = areas.by_code.get(row.get("area_code", ""))
        if area is not None and is_masked(row.get("owner_phone")):
            wanted.add((area.pk, str(row.get("room") or "").strip()))
    found = {}
    for chunk in _chunks(sorted({key[0] for key in wanted}), 800):
        for dwelling in Dwelling.objects.filter(area_id__in=chunk):
            if (dwelling.area_id, dwelling.room) in wanted:
                found[(dwelling.area_id, dwelling.room)] = dwelling
    return found


def _import_dwellings(rows: list[dict], actor: User | None, report: ImportReport, dry_run: bool) -> None:
    areas = _Areas({r.get("area_code", "") for r in rows}, actor, (AreaKind.BUILDING, AreaKind.ESTATE))
    stored_for_masked = _stored_for_masked(rows, areas)
    planned: list[tuple[Area, dict]] = []
    seen: dict[tuple[int, str], int] = {}
    for row_no, row in enumerate(rows, start=2):
        errors: list[FieldError] = []
        area = None
        try:
            area = areas.get(row.get("area_code", ""))
        except FieldError as exc:
            errors.append(exc)
        if area is not None and is_masked(row.get("owner_phone")):
            stored = stored_for_masked.get((area.pk, str(row.get("room") or "").strip()))
            problem = unmask(row, stored, ("owner_phone",))
            if problem:
                errors.append(FieldError("owner_phone", problem))
        clean, clean_errors = cleaning.dwelling(row)
        errors += clean_errors
        if area and clean.get("room"):
            key = (area.pk, clean["room"])
            if key in seen:
                errors.append(FieldError("room", _("与第 %(row)d 行重复。") % {"row": seen[key]}))
            seen[key] = row_no
        if errors:
            _add(report, row_no, "dwellings", errors)
            continue
        clean["address"] = clean["address"] or default_address(area, clean["room"])
        planned.append((area, clean))
    existing: dict[tuple[int, str], Dwelling] = {}
    for chunk in _chunks(sorted({a.pk for a, _c in planned})):
        for d in Dwelling.objects.filter(area_id__in=chunk):
            existing[(d.area_id, d.room)] = d
    new, changed, history = [], [], []
    keys = ("address", "use", "floor_area", "owner_name", "owner_phone", "note")
    for area, clean in planned:
        found = existing.get((area.pk, clean["room"]))
        if found is None:
            phone = clean.pop("owner_phone")
            dwelling = Dwelling(area=area, subdistrict_id=area.subdistrict_id, **clean)
            dwelling.seal("owner_phone", phone)
            new.append(dwelling)
            continue
        changes = _diff(found, clean, keys)
        if changes:
            _apply(found, changes, object_type="dwelling", actor=actor, rows=history)
            changed.append((found, changes))
        else:
            report.unchanged += 1
    report.created, report.updated = len(new), len(changed)
    if report.errors or dry_run:
        return
    report.step(_("写入：新增 %(new)d，更新 %(changed)d…") % {"new": len(new), "changed": len(changed)})
    _fast_insert(Dwelling, new)
    if changed:
        Dwelling.objects.bulk_update(
            [d for d, _c in changed], _update_fields([c for _d, c in changed], Dwelling), batch_size=BATCH
        )
    RegistryChange.objects.bulk_create(history, batch_size=BATCH)
