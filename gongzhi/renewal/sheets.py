"""The households of a renewal project as an .xlsx sheet: the template (with an example row on
its guide sheet) and the parser that checks every row before anything is written.

One row per certificate (权证 / 承租凭证), keyed by its number. `parse` reads the first sheet,
checks each row against the project (the building lies in the project's area, the rooms are
dwellings of that building, the cadre may work there) and either returns every row ready to
write or raises `RowsRejected` listing each bad row with its row number, column and what is
wrong. The writing is `services.import_certificates`."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.registry.models import Dwelling
from gongzhi.renewal.models import Certificate, CertificateKind, ObstacleKind, Project
from gongzhi.territory.models import Area, AreaKind

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    hint: str = ""


COLUMNS = [
    Column("number", "证号", True, "权证或承租凭证号，项目内唯一；再次导入同一证号即更新该行"),
    Column("kind", "类型", False, "产权证 / 承租凭证 / 房屋（按户）；空白为产权证"),
    Column("building", "楼栋", True, "楼栋编码或名称，须在项目范围内"),
    Column("holders", "权利人/承租人", True, "多人用顿号分隔"),
    Column("households", "户数", False, "正整数，空白为 1"),
    Column("persons", "人数", False, "正整数，空白为 1"),
    Column("floor", "楼层", False, "整数，可空"),
    Column("dwellings", "房屋", False, "该楼栋的房号或地址，多套用顿号分隔，可空"),
    Column("cadre", "包保干部", False, "平台用户名，须负责该楼栋，可空"),
    Column("plan", "一户一策", False, "该户的工作方案，可空；空白不改动已有方案"),
    Column(
        "obstacles",
        "难点",
        False,
        "继承未析产 / 家庭矛盾 / 补偿估价分歧 / 独居老人 / 联系不上 / 其他，可写“类型：说明”，多项用分号或换行分隔，可空",
    ),
]
# The plan import (services.import_plans, after the register is locked) reads only these.
PLAN_KEYS = ("number", "plan", "obstacles")
MAX_PLAN = 2000
MAX_NOTE = 300
HEADERS = {c.header: c.key for c in COLUMNS}
LABELS = {c.key: c.header for c in COLUMNS}
KINDS = {str(label): code for code, label in CertificateKind.choices} | {
    code: code for code in CertificateKind.values
}
SEPARATORS = re.compile(r"[、,，;；/\n]+")
OBSTACLE_SEPARATORS = re.compile(r"[;；\n]+")
OBSTACLE_KINDS = {str(label): code for code, label in ObstacleKind.choices} | {
    code: code for code in ObstacleKind.values
}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return _("第 %(row)s 行“%(column)s”：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class RowsRejected(DomainError):
    """The sheet has bad rows: nothing was written."""

    code = "bad_rows"

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            _("表格有 %(n)s 处错误，未导入任何数据。请改正后重新上传。") % {"n": len(errors)},
            details={"errors": [e.as_dict() for e in errors]},
        )


@dataclass
class CertificateRow:
    row: int
    number: str
    kind: str
    area: Area
    holders: str
    households: int
    persons: int
    floor: int | None
    dwellings: list[Dwelling]
    cadre: User | None
    plan: str = ""
    obstacles: tuple[tuple[str, str], ...] = ()

    def fields(self) -> dict:
        """The model fields this row sets (the number is the key, not a field to update)."""
        return {
            "kind": self.kind,
            "area_id": self.area.pk,
            "holders": self.holders,
            "households": self.households,
            "persons": self.persons,
            "floor": self.floor,
            "cadre_id": self.cadre.pk if self.cadre else None,
        }


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class PlanRow:
    """One row of the plan import: a certificate of the register, its plan (blank: keep the one
    on record) and its obstacles as (kind, note)."""

    row: int
    certificate: Certificate
    plan: str
    obstacles: tuple[tuple[str, str], ...]


@dataclass
class PlanResult:
    plans: int = 0
    obstacles: int = 0
    unchanged: int = 0


def _plan_and_obstacles(row: dict[str, str], bad) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The 一户一策 text and the 难点 cell of a row, checked (`bad(column, message)` on a problem)."""
    plan = row.get("plan", "")
    if len(plan) > MAX_PLAN:
        bad("plan", _("一户一策不能超过 %(n)s 个字。") % {"n": MAX_PLAN})
    found: dict[str, str] = {}
    for part in [p.strip() for p in OBSTACLE_SEPARATORS.split(row.get("obstacles", "")) if p.strip()]:
        name, note = _split(part)
        kind = OBSTACLE_KINDS.get(name.strip())
        if kind is None:
            bad(
                "obstacles",
                _("“%(v)s”不是可选的难点（继承未析产、家庭矛盾、补偿估价分歧、独居老人、联系不上、其他）。")
                % {"v": name.strip()},
            )
        elif len(note) > MAX_NOTE:
            bad("obstacles", _("难点说明不能超过 %(n)s 个字。") % {"n": MAX_NOTE})
        elif kind in found:
            bad("obstacles", _("难点“%(v)s”重复填写。") % {"v": name.strip()})
        else:
            found[kind] = note
    return plan, tuple(found.items())


def _split(part: str) -> tuple[str, str]:
    """“继承未析产：兄妹三人未析产” → (kind, note); a bare kind has no note."""
    match = re.match(r"^([^:：]*)[:：](.*)$", part, flags=re.S)
    if match is None:
        return part, ""
    return match.group(1), match.group(2).strip()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(data: bytes, required: tuple[str, ...] | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number as Excel shows it, {column key: text}) for every non-blank row of the first
    sheet. A file that is no .xlsx, or lacks a required column (`required`, default the register's),
    is refused as a whole."""
    if len(data) > MAX_BYTES:
        raise DomainError(_("文件超过 5 MB，请分批导入。"), code="bad_file")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        OSError,
        KeyError,
        ValueError,
        TypeError,
        IndexError,
    ) as exc:
        raise DomainError(
            _("无法读取该文件，请上传 .xlsx 格式的表格（可下载模板）。"), code="bad_file"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        mapping = {}
        for index, title in enumerate(header):
            key = HEADERS.get(_text(title).lstrip("\ufeff").rstrip("*").strip())
            if key:
                mapping[index] = key
        needed = [c for c in COLUMNS if (c.key in required if required is not None else c.required)]
        missing = [c.header for c in needed if c.key not in mapping.values()]
        if missing:
            raise RowsRejected([RowError(1, "、".join(missing), _("表头缺少必填列，请使用平台提供的模板。"))])
        result = []
        for number, values in enumerate(rows, start=2):
            row = {key: _text(values[i]) if i < len(values) else "" for i, key in mapping.items()}
            if not any(row.values()):
                continue
            result.append((number, row))
            if len(result) > MAX_ROWS:
                raise DomainError(_("一次最多导入 %(n)s 行，请分批导入。") % {"n": MAX_ROWS}, code="bad_file")
        return result
    finally:
        workbook.close()


def _count(value: str, column: str, row: int, errors: list[RowError]) -> int:
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= 999:
        errors.append(
            RowError(row, LABELS[column], _("须为 1 到 999 的整数，而不是“%(v)s”。") % {"v": value})
        )
        return 1
    return int(value)


class _Lookups:
    """Everything a row may name, read once for the whole sheet."""

    def __init__(self, project: Project):
        self.project = project
        areas = list(Area.objects.filter(path__startswith=project.area.path))
        self.by_code = {a.code: a for a in areas}
        self.by_name: dict[str, list[Area]] = {}
        for a in areas:
            if a.kind == AreaKind.BUILDING or a.pk == project.area_id:
                self.by_name.setdefault(a.name, []).append(a)
        self.dwellings: dict[int, dict[str, Dwelling]] = {}
        for d in Dwelling.objects.filter(area__path__startswith=project.area.path):
            rooms = self.dwellings.setdefault(d.area_id, {})
            rooms.setdefault(d.room, d)
            if d.address:
                rooms.setdefault(d.address, d)
        self.users: dict[str, User | None] = {}

    def area(self, value: str) -> tuple[Area | None, str]:
        if value in self.by_code:
            return self.by_code[value], ""
        named = self.by_name.get(value, [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, _("项目内有多个名为“%(v)s”的楼栋，请填写楼栋编码。") % {"v": value}
        return None, _("“%(v)s”不是本项目范围内的楼栋（可填写楼栋编码或名称）。") % {"v": value}

    def user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = (
                User.objects.filter(username=username, is_active=True).select_related("scope").first()
            )
        return self.users[username]


def parse(project: Project, data: bytes) -> list[CertificateRow]:
    """Every row of the sheet checked against the project; RowsRejected when any is bad."""
    rows = read_rows(data)
    if not rows:
        raise RowsRejected([RowError(2, LABELS["number"], _("表格中没有数据行。"))])
    lookups = _Lookups(project)
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    result = []
    for row_number, row in rows:
        before = len(errors)

        def bad(column: str, message: str, row_number=row_number) -> None:
            errors.append(RowError(row_number, LABELS[column], message))

        number = row.get("number", "")
        if not number:
            bad("number", _("证号不能为空。"))
        elif len(number) > 40:
            bad("number", _("证号不能超过 40 个字。"))
        elif number in seen:
            bad("number", _("与第 %(r)s 行的证号重复。") % {"r": seen[number]})
        else:
            seen[number] = row_number
        kind_text = row.get("kind", "")
        kind = KINDS.get(kind_text) if kind_text else CertificateKind.TITLE
        if kind is None:
            bad("kind", _("“%(v)s”不是可选的类型（产权证、承租凭证、房屋（按户））。") % {"v": kind_text})
        area, problem = (None, _("楼栋不能为空。"))
        if row.get("building"):
            area, problem = lookups.area(row["building"])
        if area is None:
            bad("building", problem)
        holders = row.get("holders", "")
        if not holders:
            bad("holders", _("权利人/承租人不能为空。"))
        elif len(holders) > 120:
            bad("holders", _("权利人/承租人不能超过 120 个字。"))
        households = _count(row.get("households", ""), "households", row_number, errors)
        persons = _count(row.get("persons", ""), "persons", row_number, errors)
        floor = None
        if row.get("floor"):
            text = row["floor"]
            if re.fullmatch(r"-?\d{1,3}", text) and -5 <= int(text) <= 200 and int(text) != 0:
                floor = int(text)
            else:
                bad("floor", _("楼层须为 -5 到 200 之间的整数（0 除外），而不是“%(v)s”。") % {"v": text})
        dwellings = []
        for name in [part.strip() for part in SEPARATORS.split(row.get("dwellings", "")) if part.strip()]:
            found = lookups.dwellings.get(area.pk, {}).get(name) if area else None
            if found is None and area is not None:
                bad("dwellings", _("“%(v)s”不是 %(b)s 登记的房屋。") % {"v": name, "b": area.name})
            elif found is not None and found not in dwellings:
                dwellings.append(found)
        plan, obstacles = _plan_and_obstacles(row, bad)
        cadre = None
        if row.get("cadre"):
            cadre = lookups.user(row["cadre"])
            if cadre is None:
                bad("cadre", _("没有用户名为“%(v)s”的在职人员。") % {"v": row["cadre"]})
            elif area is not None and not permissions.has(cadre, "renewal.record", area):
                bad("cadre", _("%(v)s 不负责该楼栋，不能担任包保干部。") % {"v": row["cadre"]})
        if len(errors) == before:
            result.append(
                CertificateRow(
                    row=row_number,
                    number=number,
                    kind=kind,
                    area=area,
                    holders=holders,
                    households=households,
                    persons=persons,
                    floor=floor,
                    dwellings=dwellings,
                    cadre=cadre,
                    plan=plan,
                    obstacles=obstacles,
                )
            )
    if errors:
        raise RowsRejected(errors)
    return result


def parse_plans(project: Project, data: bytes) -> list[PlanRow]:
    """The plan import: the same sheet, of which only 证号, 一户一策 and 难点 are read; every number
    must be on the project's register. RowsRejected when any row is bad."""
    rows = read_rows(data, required=PLAN_KEYS[:1])
    if not rows:
        raise RowsRejected([RowError(2, LABELS["number"], _("表格中没有数据行。"))])
    if not any(key in rows[0][1] for key in PLAN_KEYS[1:]):
        raise RowsRejected(
            [RowError(1, "、".join(LABELS[k] for k in PLAN_KEYS[1:]), _("表头缺少“一户一策”或“难点”列。"))]
        )
    register = {c.number: c for c in project.certificates.all()}
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    result = []
    for row_number, row in rows:
        before = len(errors)

        def bad(column: str, message: str, row_number=row_number) -> None:
            errors.append(RowError(row_number, LABELS[column], message))

        number = row.get("number", "")
        certificate = register.get(number)
        if not number:
            bad("number", _("证号不能为空。"))
        elif number in seen:
            bad("number", _("与第 %(r)s 行的证号重复。") % {"r": seen[number]})
        elif certificate is None:
            bad("number", _("证号“%(v)s”不在本项目的权证名册中。") % {"v": number})
        seen.setdefault(number, row_number)
        plan, obstacles = _plan_and_obstacles(row, bad)
        if len(errors) == before:
            result.append(PlanRow(row=row_number, certificate=certificate, plan=plan, obstacles=obstacles))
    if errors:
        raise RowsRejected(errors)
    return result


def template(project: Project) -> bytes:
    """The blank sheet to fill in: the header on the first sheet (import it as it is and nothing
    is written), and on 说明 each column's meaning with an example row from this project."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "权证"
    sheet.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJK", (22, 12, 14, 18, 8, 8, 8, 24, 14, 36, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    building = (
        Area.objects.filter(path__startswith=project.area.path, kind=AreaKind.BUILDING)
        .order_by("code")
        .first()
        or project.area
    )
    room = Dwelling.objects.filter(area=building).order_by("room").values_list("room", flat=True).first()
    guide = workbook.create_sheet("说明")
    guide.append([_("在“权证”表中每行填写一证；带 * 的列必填。示例（请勿照抄）：")])
    guide.append([c.header for c in COLUMNS])
    guide.append(
        [
            "沪房地黄字第0001号",
            "产权证",
            building.code,
            "张建国、李秀英",
            "1",
            "3",
            "2",
            room or "",
            "",
            "长子在外地，约周末三方面谈；先解决继承公证",
            "继承未析产：兄妹三人未办继承公证；补偿估价分歧",
        ]
    )
    guide.append([])
    guide.append([_("列"), _("说明")])
    for c in COLUMNS:
        guide.append([c.header + ("*" if c.required else ""), c.hint])
    buildings = Area.objects.filter(path__startswith=project.area.path, kind=AreaKind.BUILDING).order_by(
        "code"
    )
    guide.append([])
    guide.append([_("本项目范围内的楼栋"), _("编码")])
    for b in buildings[:500]:
        guide.append([b.name, b.code])
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 48
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
