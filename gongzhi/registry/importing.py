"""Bulk import of residents, dwellings and organisations from spreadsheets in the platform's
templates (Chinese headers), and the templates themselves.

`import_rows(kind, rows, actor, dry_run)` is the one entry point (the web wizard, the `gongzhi
import` command and the benchmark call it). It validates every row first and reports every bad
one (row number, column, reason); a real run writes only when no row is bad, in one transaction,
with bulk inserts and updates. Re-importing updates rows instead of duplicating them: residents
are matched by the keyed hash of their ID number, organisations by credit code (else name and
address), dwellings by building and room. Changed facts are kept in RegistryChange, moves in
Residence.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.registry import cleaning, crypto
from gongzhi.registry.models import (
    ChangeSource,
    Dwelling,
    DwellingUse,
    Household,
    IdType,
    LivingStatus,
    Organization,
    OrganizationKind,
    RegistrationType,
    RegistryChange,
    Relation,
    Residence,
    Resident,
    ResidentTag,
    Tag,
    TagSource,
)
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area, AreaKind

BATCH = 1000
CHUNK = 900  # SQLite binds at most 999 variables in older builds


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""


COLUMNS: dict[str, list[Column]] = {
    "dwellings": [
        Column("area_code", "楼栋编码", True, "平台中楼栋（或小区）的编码"),
        Column("room", "房号", True, "如 3号502室"),
        Column("address", "地址", False, "完整门牌地址；不填则用“楼栋名+房号”"),
        Column("use", "房屋用途", False, "、".join(str(n) for _c, n in DwellingUse.choices)),
        Column("floor_area", "建筑面积", False, "平方米，数字"),
        Column("owner_name", "产权人/房东", False, ""),
        Column("owner_phone", "产权人/房东电话", False, "11 位手机号或固定电话"),
        Column("note", "备注", False, ""),
    ],
    "residents": [
        Column("area_code", "楼栋编码", True, "平台中楼栋（或小区）的编码"),
        Column("room", "房号", True, "房屋不存在时自动登记"),
        Column("household", "户号", False, "同一房屋内多户时区分，默认 1"),
        Column("name", "姓名", True, ""),
        Column(
            "id_type", "证件类型", False, "、".join(str(n) for _c, n in IdType.choices) + "；默认居民身份证"
        ),
        Column("id_number", "证件号码", True, "18 位身份证号（校验位检查）；请设为文本格式"),
        Column("phone", "联系电话", False, "11 位手机号或固定电话"),
        Column(
            "registration_type", "户籍类型", False, "、".join(str(n) for _c, n in RegistrationType.choices)
        ),
        Column("living_status", "居住状态", False, "、".join(str(n) for _c, n in LivingStatus.choices)),
        Column("relation", "与户主关系", False, "、".join(str(n) for _c, n in Relation.choices)),
        Column("moved_in_on", "迁入日期", False, "如 2024-03-01"),
        Column("moved_out_on", "迁出日期", False, "已迁出时填写"),
        Column("tags", "标签", False, "本街道已有的标签名，多个用“、”分隔"),
        Column("note", "备注", False, ""),
    ],
    "organizations": [
        Column("area_code", "区域编码", True, "单位所在网格、居民区、小区或楼栋的编码"),
        Column("name", "名称", True, ""),
        Column("kind", "类型", True, "、".join(str(n) for _c, n in OrganizationKind.choices)),
        Column("credit_code", "统一社会信用代码", False, "18 位（校验位检查）；有则按此匹配"),
        Column("address", "地址", False, ""),
        Column("lng", "经度", False, "WGS84"),
        Column("lat", "纬度", False, "WGS84"),
        Column("contact_name", "联系人", False, ""),
        Column("contact_phone", "联系电话", False, ""),
        Column("party_covered", "党组织覆盖", False, "是/否"),
        Column("party_organization", "所属党组织", False, "本街道党组织的名称"),
        Column("employees", "从业人数", False, "整数"),
        Column("note", "备注", False, ""),
    ],
}
KINDS = tuple(COLUMNS)
KIND_LABELS = {"residents": _("实有人口"), "dwellings": _("实有房屋"), "organizations": _("单位")}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    progress: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    def step(self, message: str) -> None:
        """Tell whoever watches (the command prints it) how far a long import has got."""
        if self.progress is not None:
            self.progress(message)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> str:
        mode = _("试导入") if self.dry_run else _("导入")
        if self.errors:
            return _("%(mode)s：共 %(total)d 行，%(bad)d 行有错误，未写入任何数据。") % {
                "mode": mode,
                "total": self.total,
                "bad": self.bad_rows,
            }
        return _("%(mode)s：共 %(total)d 行，新增 %(created)d，更新 %(updated)d，无变化 %(unchanged)d。") % {
            "mode": mode,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def lines(self) -> list[str]:
        return [_("第 %(row)d 行 [%(column)s]：%(message)s") % e.__dict__ for e in self.errors]


# ---------------------------------------------------------------- reading files


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _header_map(kind: str, headers: list) -> dict[int, str]:
    by_header = {c.header: c.key for c in COLUMNS[kind]}
    by_key = {c.key: c.key for c in COLUMNS[kind]}
    result = {}
    for index, header in enumerate(headers):
        name = str(header or "").strip().lstrip("\ufeff").rstrip("*")
        key = by_header.get(name) or by_key.get(name)
        if key:
            result[index] = key
    return result


def _rows_from(kind: str, header: list, body: Iterable[list]) -> Iterator[dict]:
    mapping = _header_map(kind, header)
    missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in mapping.values()]
    if missing:
        raise DomainError(
            _("表头缺少必填列：%(cols)s。请使用平台提供的模板。") % {"cols": "、".join(missing)},
            code="bad_header",
        )
    for values in body:
        row = {key: _cell(values[i]) if i < len(values) else "" for i, key in mapping.items()}
        yield row


def read_rows(kind: str, path: str | Path, *, filename: str = "") -> list[dict]:
    """Rows of an .xlsx or .csv file as dicts keyed by column key. Raises DomainError for a file
    that cannot be read or lacks required columns."""
    if kind not in COLUMNS:
        raise DomainError(_("未知的导入类型：%(kind)s") % {"kind": kind})
    name = (filename or str(path)).lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise DomainError(
                _("无法读取 Excel 文件：%(error)s") % {"error": str(exc)[:100]}, code="bad_file"
            ) from exc
        try:
            sheet = book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = list(next(rows, []) or [])
            body = [list(r) for r in rows if any(v not in (None, "") for v in r)]
            return list(_rows_from(kind, header, body))
        finally:
            book.close()
    if name.endswith(".csv"):
        raw = Path(path).read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text_value = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise DomainError(_("CSV 文件编码无法识别，请另存为 UTF-8。"), code="bad_file")
        reader = csv.reader(io.StringIO(text_value))
        header = next(reader, [])
        body = [r for r in reader if any(v.strip() for v in r)]
        return list(_rows_from(kind, header, body))
    raise DomainError(_("只支持 .xlsx 和 .csv 文件。"), code="bad_file")


# ---------------------------------------------------------------- shared helpers


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fast_insert(model, objs: list, *, fetch_pks: bool = False) -> None:
    """INSERT many rows with executemany: several times faster than bulk_create for wide rows,
    which matters at 100,000 rows. Values are prepared by the fields themselves (as Django does);
    primary keys, when asked for, are read back through the unique `uid`."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    auto = [bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in fields]
    quote = connection.ops.quote_name
    # Identifiers come from the model's metadata, values are bound parameters.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    now = timezone.now()
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for f, is_auto in zip(fields, auto, strict=True):
            if is_auto:
                setattr(obj, f.attname, now)
            row.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
        rows.append(row)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # sqlite3's executemany loops in C: the fastest way in.
            for chunk in _chunks(rows, 2000):
                cursor.executemany(head + one, chunk)
        elif connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            # psycopg 3: COPY streams the rows in one command.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Elsewhere each statement is a round trip: send many rows per statement.
            per_statement = max(1, min(1000, 60000 // len(fields)))
            for chunk in _chunks(rows, per_statement):
                cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])
    if fetch_pks:
        by_uid = {obj.uid: obj for obj in objs}
        for chunk in _chunks(list(by_uid)):
            for pk, uid in model.objects.filter(uid__in=chunk).values_list("pk", "uid"):
                by_uid[uid].pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


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
            self.by_code.update({a.code: a for a in Area.objects.filter(code__in=chunk)})
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


# ---------------------------------------------------------------- dwellings


def _import_dwellings(rows: list[dict], actor: User | None, report: ImportReport, dry_run: bool) -> None:
    areas = _Areas({r.get("area_code", "") for r in rows}, actor, (AreaKind.BUILDING, AreaKind.ESTATE))
    planned: list[tuple[Area, dict]] = []
    seen: dict[tuple[int, str], int] = {}
    for row_no, row in enumerate(rows, start=2):
        errors: list[FieldError] = []
        area = None
        try:
            area = areas.get(row.get("area_code", ""))
        except FieldError as exc:
            errors.append(exc)
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
        clean["address"] = clean["address"] or f"{area.name}{clean['room']}"
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


# ---------------------------------------------------------------- residents


def _split_tags(value: str) -> list[str]:
    for sep in (",", "，", ";", "；", "/", " "):
        value = value.replace(sep, "、")
    return [t.strip() for t in value.split("、") if t.strip()]


def _import_residents(rows: list[dict], actor: User | None, report: ImportReport, dry_run: bool) -> None:
    areas = _Areas({r.get("area_code", "") for r in rows}, actor, (AreaKind.BUILDING, AreaKind.ESTATE))
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
    keys = (
        "name",
        "id_type",
        "id_number",
        "phone",
        "registration_type",
        "living_status",
        "relation",
        "moved_out_on",
        "note",
        "gender",
        "birth_date",
    )
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
            address=f"{area.name}{room}",
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


# ---------------------------------------------------------------- organisations


def _import_organizations(rows: list[dict], actor: User | None, report: ImportReport, dry_run: bool) -> None:
    kinds = (AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.BUILDING)
    areas = _Areas({r.get("area_code", "") for r in rows}, actor, kinds)
    planned = []
    seen_codes: dict[str, int] = {}
    for row_no, row in enumerate(rows, start=2):
        errors: list[FieldError] = []
        area = None
        try:
            area = areas.get(row.get("area_code", ""))
        except FieldError as exc:
            errors.append(exc)
        clean, clean_errors = cleaning.organization(row)
        errors += clean_errors
        code = clean.get("credit_code")
        if code:
            if code in seen_codes:
                errors.append(
                    FieldError("credit_code", _("与第 %(row)d 行重复。") % {"row": seen_codes[code]})
                )
            seen_codes[code] = row_no
        if errors:
            _add(report, row_no, "organizations", errors)
            continue
        planned.append((row_no, area, clean, str(row.get("party_organization") or "").strip()))
    subdistrict_ids = sorted({a.subdistrict_id for _n, a, _c, _p in planned})
    existing = list(Organization.objects.filter(subdistrict_id__in=subdistrict_ids)) if planned else []
    codes = [c["credit_code"] for _n, _a, c, _p in planned if c["credit_code"]]
    for chunk in _chunks(codes):
        existing += list(
            Organization.objects.filter(credit_code__in=chunk).exclude(subdistrict_id__in=subdistrict_ids)
        )
    by_code = {o.credit_code: o for o in existing if o.credit_code}
    by_name = {(o.subdistrict_id, o.name, o.address): o for o in existing}
    party_names = {
        (o.subdistrict_id, o.name) for o in existing if o.kind == OrganizationKind.PARTY_ORGANIZATION
    }
    party_names |= {
        (a.subdistrict_id, c["name"])
        for _n, a, c, _p in planned
        if c["kind"] == OrganizationKind.PARTY_ORGANIZATION
    }
    for row_no, area, _clean, party in planned:
        if party and (area.subdistrict_id, party) not in party_names:
            _add(
                report,
                row_no,
                "organizations",
                [
                    FieldError(
                        "party_organization", _("本街道没有名为“%(name)s”的党组织。") % {"name": party[:40]}
                    )
                ],
            )
    new, changed, history, links = [], [], [], []
    keys = (
        "name",
        "kind",
        "credit_code",
        "address",
        "lat",
        "lng",
        "contact_name",
        "contact_phone",
        "party_covered",
        "employees",
        "note",
    )
    for _row_no, area, clean, party in planned:
        found = by_code.get(clean["credit_code"]) if clean["credit_code"] else None
        found = found or by_name.get((area.subdistrict_id, clean["name"], clean["address"]))
        if found is not None and found.subdistrict_id != area.subdistrict_id:
            report.errors.append(
                RowError(
                    _row_no, _header_of("organizations", "credit_code"), _("该信用代码已登记在其他街道。")
                )
            )
            continue
        if party:
            clean["party_covered"] = True
        if found is None:
            phone = clean.pop("contact_phone")
            org = Organization(area=area, subdistrict_id=area.subdistrict_id, **clean)
            org.seal("contact_phone", phone)
            new.append(org)
            links.append((org, party))
            continue
        if found.area_id != area.pk:
            found.area = area
        changes = _diff(found, clean, keys)
        links.append((found, party))
        if changes:
            _apply(found, changes, object_type="organization", actor=actor, rows=history)
            changed.append((found, changes))
        else:
            report.unchanged += 1
    report.created, report.updated = len(new), len(changed)
    if report.errors or dry_run:
        return
    report.step(_("写入：新增 %(new)d，更新 %(changed)d…") % {"new": len(new), "changed": len(changed)})
    Organization.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        fields = sorted(set(_update_fields([c for _o, c in changed], Organization)) | {"area"})
        Organization.objects.bulk_update([o for o, _c in changed], fields, batch_size=BATCH)
    RegistryChange.objects.bulk_create(history, batch_size=BATCH)
    parties = {
        (o.subdistrict_id, o.name): o
        for o in Organization.objects.filter(
            subdistrict_id__in=subdistrict_ids, kind=OrganizationKind.PARTY_ORGANIZATION
        )
    }
    linked = []
    for org, party in links:
        if party:
            org.party_organization = parties[(org.subdistrict_id, party)]
            linked.append(org)
    Organization.objects.bulk_update(linked, ["party_organization"], batch_size=BATCH)


# ---------------------------------------------------------------- entry point

_IMPORTERS: dict[str, Callable] = {
    "dwellings": _import_dwellings,
    "residents": _import_residents,
    "organizations": _import_organizations,
}


def import_rows(
    kind: str,
    rows: Iterable[dict],
    actor: User | None,
    dry_run: bool = True,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Validate and (unless `dry_run`) write `rows` (dicts keyed by column key or Chinese header;
    row 1 is taken to be the header, so the first row is reported as row 2). A real run writes
    all rows or none. `actor` None is the system (the command line): no scope limit."""
    if kind not in _IMPORTERS:
        raise DomainError(_("未知的导入类型：%(kind)s") % {"kind": kind})
    with _no_gc():
        return _import_rows(kind, rows, actor, dry_run, progress)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Hundreds of thousands of live objects make the cyclic garbage collector rescan them again
    and again (quadratic time); an import makes no cycles worth collecting while it runs."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _import_rows(
    kind: str, rows: Iterable[dict], actor: User | None, dry_run: bool, progress
) -> ImportReport:
    rows = _normalise(rows, kind)
    report = ImportReport(kind=kind, dry_run=dry_run, total=len(rows), progress=progress)
    report.step(_("检查 %(n)d 行…") % {"n": len(rows)})
    if dry_run:
        _IMPORTERS[kind](rows, actor, report, True)
        return report
    with transaction.atomic():
        _widen_cache()
        _IMPORTERS[kind](rows, actor, report, False)
        if report.errors:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
    return report


def import_file(
    kind: str,
    path: str | Path,
    actor: User | None,
    *,
    dry_run: bool,
    filename: str = "",
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    if progress:
        progress(_("读取文件…"))
    try:
        with _no_gc():
            rows = read_rows(kind, path, filename=filename)
    except DomainError as exc:
        report = ImportReport(kind=kind, dry_run=dry_run)
        report.errors.append(RowError(1, _("文件"), exc.message))
        return report
    return import_rows(kind, rows, actor, dry_run=dry_run, progress=progress)


# ---------------------------------------------------------------- templates


def template_csv(kind: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([c.header for c in COLUMNS[kind]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(KIND_LABELS[kind])
    sheet.append([c.header for c in COLUMNS[kind]])
    for index, column in enumerate(COLUMNS[kind], start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(10, len(column.header) * 2 + 4)
        # ID numbers, phones and codes must stay text, or Excel rounds them.
        sheet.column_dimensions[letter].number_format = "@"
    guide = book.create_sheet(_("填写说明"))
    guide.append([_("列名"), _("必填"), _("说明")])
    for column in COLUMNS[kind]:
        guide.append([column.header, _("是") if column.required else "", column.help])
    guide.append([])
    guide.append([_("第一张表从第 2 行起每行一条；重复导入同一文件会更新而不会重复登记。")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(kind: str, path: str | Path) -> None:
    path = Path(path)
    data = template_xlsx(kind) if path.suffix.lower() == ".xlsx" else template_csv(kind)
    path.write_bytes(data)
