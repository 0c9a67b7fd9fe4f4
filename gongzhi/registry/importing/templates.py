"""The blank templates (CSV and xlsx, written with openpyxl)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _

from gongzhi.registry.importing.columns import COLUMNS, KIND_LABELS


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
