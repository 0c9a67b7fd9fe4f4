"""Planning and writing residents, households, stays and tags (matched by the keyed hash of the ID number)."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.bulk import chunks as _chunks
from gongzhi.core.bulk import insert_objects as _fast_insert
from gongzhi.registry import cleaning, crypto
from gongzhi.registry.importing.common import (
    BATCH,
    _add,
    _apply,
    _Areas,
    _diff,
    _set_heads,
    _update_fields,
    is_masked,
    unmask,
)
from gongzhi.registry.importing.report import ImportReport
from gongzhi.registry.models import (
    ChangeSource,
    Dwelling,
    DwellingUse,
    Household,
    RegistryChange,
    Relation,
    Residence,
    Resident,
    ResidentTag,
    Tag,
    TagSource,
)
from gongzhi.registry.services import RESIDENT_FIELDS, default_address
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import AreaKind


def _split_tags(value: str) -> list[str]:
    for sep in (",", "，", ";", "；", "/", " "):
        value = value.replace(sep, "、")
    return [t.strip() for t in value.split("、") if t.strip()]


def _place_key(area_id: int, row: dict) -> tuple[int, str, str]:
    return (area_id, str(row.get("room") or "").strip(), str(row.get("name") or "").strip())


def _stored_for_masked(rows: list[dict], areas: _Areas) -> dict[tuple[int, str, str], list[Resident]]:
    """The registered residents that the masked rows of a re-imported export may stand for, by
    (building, room, name), read in a few queries for the whole file."""
    wanted = set()
    for row in rows:
        if is_masked(row.get("id_number")) or is_masked(row.get("phone")):
            area = areas.by_code.get(row.get("area_code", ""))
            if area is not None:
                wanted.add(_place_key(area.pk, row))
    found: dict[tuple[int, str, str], list[Resident]] = defaultdict(list)
    area_ids = sorted({key[0] for key in wanted})
    names = sorted({key[2] for key in wanted})
    for area_chunk in _chunks(area_ids, 400):
        for name_chunk in _chunks(names, 400):
            for resident in (
                Resident.objects.filter(area_id__in=area_chunk, name__in=name_chunk)
                .select_related("dwelling")
                .order_by("pk")
            ):
                key = (
                    resident.area_id,
                    resident.dwelling.room if resident.dwelling_id else "",
                    resident.name,
                )
                if key in wanted:
                    found[key].append(resident)
    return found


def _import_residents(rows: list[dict], actor: User | None, report: ImportReport, dry_run: bool) -> None:
    areas = _Areas({r.get("area_code", "") for r in rows}, actor, (AreaKind.BUILDING, AreaKind.ESTATE))
    stored_for_masked = _stored_for_masked(rows, areas)
    tag_names: dict[tuple[int, str], Tag] = {}
    seen: dict[tuple[int, str], int] = {}
    planned: list[dict] = []
    tag_cache_loaded: set[int] = set()
    for row_no, row in enumerate(rows, start=2):
        errors: list[FieldError] = []
        area = None
        try:
            area = areas.get(row.get("area_code", ""))
        except FieldError as exc:
            errors.append(exc)
        room = str(row.get("room") or "").strip()
        if not room:
            errors.append(FieldError("room", _("请填写房号。")))
        if area is not None and room and (is_masked(row.get("id_number")) or is_masked(row.get("phone"))):
            # A row of a masked export: matched by building, room and name instead of the number.
            matches = stored_for_masked.get(_place_key(area.pk, row), [])
            if is_masked(row.get("id_number")):
                matches = [m for m in matches if m.id_number_mask == row.get("id_number")]
            problem = (
                unmask(row, matches[0], ("id_number", "phone"))
                if len(matches) == 1
                else _("脱敏的号码无法按楼栋、房号和姓名对应到唯一的已登记居民：请填写完整号码。")
            )
            if problem:
                errors.append(
                    FieldError("id_number" if is_masked(row.get("id_number")) else "phone", problem)
                )
                _add(report, row_no, "residents", errors)
                continue
        clean, clean_errors = cleaning.resident(row)
        errors += clean_errors
        if not clean_errors and not clean["id_number"]:
            errors.append(FieldError("id_number", _("请填写证件号码（导入按证件号码匹配，避免重复）。")))
        id_hash = crypto.blind_index(clean.get("id_number") or "", kind="id")
        tags: list[Tag] = []
        if area is not None:
            if id_hash:
                key = (area.subdistrict_id, id_hash)
                if key in seen:
                    errors.append(
                        FieldError("id_number", _("证件号码与第 %(row)d 行重复。") % {"row": seen[key]})
                    )
                seen[key] = row_no
            if area.subdistrict_id not in tag_cache_loaded:
                for tag in Tag.objects.filter(subdistrict_id=area.subdistrict_id, active=True):
                    tag_names[(tag.subdistrict_id, tag.name)] = tag
                tag_cache_loaded.add(area.subdistrict_id)
            for name in _split_tags(str(row.get("tags") or "")):
                tag = tag_names.get((area.subdistrict_id, name))
                if tag is None:
                    errors.append(FieldError("tags", _("本街道没有标签“%(name)s”。") % {"name": name[:20]}))
                else:
                    tags.append(tag)
        if errors:
            _add(report, row_no, "residents", errors)
            continue
        clean["hash"] = id_hash
        planned.append(
            {
                "area": area,
                "room": room,
                "household": str(row.get("household") or "1").strip()[:20] or "1",
                "clean": clean,
                "tags": tags,
            }
        )
    if report.errors and dry_run is False:
        return
    # What exists already: residents by ID hash, dwellings by (area, room), households.
    by_hash: dict[tuple[int, str], Resident] = {}
    hashes = sorted({p["clean"]["hash"] for p in planned})
    for chunk in _chunks(hashes):
        for r in Resident.objects.filter(id_number_hash__in=chunk):
            by_hash[(r.subdistrict_id, r.id_number_hash)] = r
    dwellings: dict[tuple[int, str], Dwelling] = {}
    for chunk in _chunks(sorted({p["area"].pk for p in planned})):
        for d in Dwelling.objects.filter(area_id__in=chunk):
            dwellings[(d.area_id, d.room)] = d
    keys = (*RESIDENT_FIELDS, "moved_out_on")
    new, changed, moved, history = [], [], [], []
    for p in planned:
        clean, area = p["clean"], p["area"]
        found = by_hash.get((area.subdistrict_id, clean["hash"]))
        if found is None:
            new.append(p)
            continue
        changes = _diff(found, clean, keys)
        if changes:
            _apply(found, changes, object_type="resident", actor=actor, rows=history)
        target = dwellings.get((area.pk, p["room"]))
        if target is None or found.dwelling_id != target.pk:
            moved.append((found, p))
        if changes:
            changed.append((found, changes))
        elif target is None or found.dwelling_id != target.pk:
            changed.append((found, {}))
        else:
            report.unchanged += 1
    report.created, report.updated = len(new), len(changed)
    if report.errors or dry_run:
        return
    report.step(_("写入：新增 %(new)d，更新 %(changed)d…") % {"new": len(new), "changed": len(changed)})
    # Dwellings that do not exist yet are registered on the way (use "other" until surveyed).
    missing = {
        (p["area"].pk, p["room"]): p["area"] for p in planned if (p["area"].pk, p["room"]) not in dwellings
    }
    fresh = []
    for (_area_id, room), area in missing.items():
        d = Dwelling(
            area=area,
            subdistrict_id=area.subdistrict_id,
            room=room,
            address=default_address(area, room),
            use=DwellingUse.OTHER,
        )
        d.seal("owner_phone", "")
        fresh.append(d)
    _fast_insert(Dwelling, fresh, fetch_pks=True)
    for d in fresh:
        dwellings[(d.area_id, d.room)] = d
    households: dict[tuple[int, str], Household] = {}
    dwelling_ids = sorted({dwellings[(p["area"].pk, p["room"])].pk for p in planned})
    for chunk in _chunks(dwelling_ids):
        for h in Household.objects.filter(dwelling_id__in=chunk):
            households[(h.dwelling_id, h.label)] = h
    fresh_households = []
    for p in planned:
        d = dwellings[(p["area"].pk, p["room"])]
        key = (d.pk, p["household"])
        if key not in households:
            households[key] = Household(
                subdistrict_id=d.subdistrict_id, area_id=d.area_id, dwelling=d, label=p["household"]
            )
            fresh_households.append(households[key])
    Household.objects.bulk_create(fresh_households, batch_size=BATCH)
    # New residents.
    today = timezone.localdate()
    created: list[tuple[Resident, dict]] = []
    for p in new:
        clean = dict(p["clean"])
        clean.pop("hash")
        id_number, phone = clean.pop("id_number"), clean.pop("phone")
        d = dwellings[(p["area"].pk, p["room"])]
        r = Resident(
            subdistrict_id=d.subdistrict_id,
            area_id=d.area_id,
            dwelling=d,
            household=households[(d.pk, p["household"])],
            **clean,
        )
        r.seal("id_number", id_number)
        r.seal("phone", phone)
        created.append((r, p))
    _fast_insert(Resident, [r for r, _p in created], fetch_pks=True)
    stays = [
        Residence(
            subdistrict_id=r.subdistrict_id,
            resident=r,
            dwelling=r.dwelling,
            address=r.dwelling.address,
            moved_in_on=r.moved_in_on,
            moved_out_on=r.moved_out_on,
            source=ChangeSource.IMPORT,
            recorded_by=actor,
        )
        for r, _p in created
    ]
    # Moves of known residents: close the open stay, open one at the new dwelling.
    if moved:
        moved_ids = [r.pk for r, _p in moved]
        for chunk in _chunks(moved_ids):
            Residence.objects.filter(resident_id__in=chunk, moved_out_on__isnull=True).update(
                moved_out_on=today
            )
        for r, p in moved:
            d = dwellings[(p["area"].pk, p["room"])]
            history.append(
                RegistryChange(
                    subdistrict_id=r.subdistrict_id,
                    object_type="resident",
                    object_id=r.pk,
                    field="dwelling",
                    old_value=(r.dwelling.address if r.dwelling_id else "")[:200],
                    new_value=d.address[:200],
                    source=ChangeSource.IMPORT,
                    actor=actor,
                )
            )
            r.dwelling, r.area_id, r.household = d, d.area_id, households[(d.pk, p["household"])]
            r.moved_in_on = p["clean"]["moved_in_on"] or today
            stays.append(
                Residence(
                    subdistrict_id=r.subdistrict_id,
                    resident=r,
                    dwelling=d,
                    address=d.address,
                    moved_in_on=r.moved_in_on,
                    source=ChangeSource.IMPORT,
                    recorded_by=actor,
                )
            )
    _fast_insert(Residence, stays)
    if changed:
        fields = _update_fields([c for _r, c in changed], Resident)
        if moved:
            fields = sorted(set(fields) | {"dwelling", "area", "household", "moved_in_on"})
        Resident.objects.bulk_update([r for r, _c in changed], fields, batch_size=BATCH)
    RegistryChange.objects.bulk_create(history, batch_size=BATCH)
    # Moves out recorded by the file close the open stay.
    for r, changes in changed:
        if changes.get("moved_out_on") and changes["moved_out_on"][1]:
            Residence.objects.filter(resident=r, moved_out_on__isnull=True).update(
                moved_out_on=r.moved_out_on
            )
    # Heads of household, and tags.
    heads = {}
    for r, _p in created + moved + [(r, c) for r, c in changed if "relation" in c]:
        if r.relation == Relation.HEAD and r.household_id:
            heads[r.household_id] = r.pk
    _set_heads(heads)
    _import_tags(planned, by_hash, created, actor)


def _import_tags(
    planned: list[dict], by_hash: dict, created: list[tuple[Resident, dict]], actor: User | None
) -> None:
    resident_of: dict[tuple[int, str], Resident] = dict(by_hash)
    for r, _p in created:
        resident_of[(r.subdistrict_id, r.id_number_hash)] = r
    wanted = []
    for p in planned:
        if p["tags"]:
            r = resident_of[(p["area"].subdistrict_id, p["clean"]["hash"])]
            wanted.extend((r, tag) for tag in p["tags"])
    if not wanted:
        return
    open_pairs: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted({r.pk for r, _t in wanted})):
        open_pairs.update(
            ResidentTag.objects.filter(resident_id__in=chunk, valid_until__isnull=True).values_list(
                "resident_id", "tag_id"
            )
        )
    today = timezone.localdate()
    rows = []
    for r, tag in wanted:
        if (r.pk, tag.pk) in open_pairs:
            continue
        open_pairs.add((r.pk, tag.pk))
        rows.append(
            ResidentTag(
                subdistrict_id=r.subdistrict_id,
                resident=r,
                tag=tag,
                valid_from=today,
                source=TagSource.IMPORT,
            )
        )
    ResidentTag.objects.bulk_create(rows, batch_size=BATCH)
