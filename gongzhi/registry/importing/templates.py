"""The blank templates (CSV and xlsx, written with openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.utils.translation import gettext as _

from gongzhi.registry.importing.columns import COLUMNS, KIND_LABELS
from gongzhi.registry.validators import make_id_number
from gongzhi.territory.models import Area, AreaKind


def template_csv(kind: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([c.header for c in COLUMNS[kind]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# One example row per kind, shown on the guide sheet (never on the data sheet, so importing the
# template as it is imports nothing). The area code is the user's first building where known.
EXAMPLES = {
    "dwellings": {
        "room": "3号502室",
        "address": "武夷路100弄3号502室",
        "use": "自住",
        "floor_area": "68",
        "owner_name": "张建国",
        "owner_phone": "13800000000",
    },
    "residents": {
        "room": "3号502室",
        "household": "1",
        "name": "张建国",
        "id_type": "居民身份证",
        "id_number": make_id_number("310105", dt.date(1956, 4, 18), 12),
        "phone": "13800000000",
        "registration_type": "户籍",
        "living_status": "在住",
        "relation": "户主",
        "moved_in_on": "2008-05-01",
        "tags": "独居、高龄",
    },
    "organizations": {
        "name": "上海华阳示例商贸有限公司",
        "kind": "企业",
        "address": "长宁路100号",
        "contact_name": "李明",
        "contact_phone": "13800000000",
    },
}


def _buildings(user) -> list[tuple[str, str]]:
    """(code, full name) of the buildings and estates in the user's scope, for the code sheet."""
    if user is None or getattr(user, "scope", None) is None:
        return []
    areas = (
        Area.objects.filter(path__startswith=user.scope.path, kind__in=[AreaKind.ESTATE, AreaKind.BUILDING])
        .select_related("parent")
        .order_by("path")[:5000]
    )
    return [
        (a.code, f"{a.parent.name}{a.name}" if a.kind == AreaKind.BUILDING and a.parent else a.name)
        for a in areas
    ]


def template_xlsx(kind: str, user=None) -> bytes:
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
    buildings = _buildings(user)
    example = dict(EXAMPLES.get(kind, {}))
    example["area_code"] = buildings[0][0] if buildings else _("（楼栋编码）")
    guide.append([])
    guide.append([_("示例（请勿填在本表）：")])
    guide.append([c.header for c in COLUMNS[kind]])
    guide.append([example.get(c.key, "") for c in COLUMNS[kind]])
    codes = book.create_sheet(_("楼栋编码"))
    codes.append([_("编码"), _("名称（小区＋楼栋）")])
    for code, name in buildings:
        codes.append([code, name])
    codes.column_dimensions["A"].number_format = "@"
    codes.column_dimensions["A"].width = 22
    codes.column_dimensions["B"].width = 36
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(kind: str, path: str | Path) -> None:
    path = Path(path)
    data = template_xlsx(kind) if path.suffix.lower() == ".xlsx" else template_csv(kind)
    path.write_bytes(data)
