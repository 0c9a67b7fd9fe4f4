"""The progress board as a spreadsheet (xlsx) and as a PDF notice for the bulletin board (公示)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

# A CJK font for the PDF notice: GONGZHI_CJK_FONT, else the Noto CJK fonts Debian installs.
FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]

COLUMNS = [
    _("序号"),
    _("类别"),
    _("事项"),
    _("所属清单"),
    _("责任单位"),
    _("完成期限"),
    _("进度%"),
    _("状态"),
    _("销项日期"),
]


def rows(items) -> list[list]:
    out = []
    for n, item in enumerate(items, start=1):
        out.append(
            [
                n,
                item.get_kind_display(),
                item.title,
                item.board,
                item.owner.name if item.owner_id else "",
                timezone.localtime(item.due_at).strftime("%Y-%m-%d") if item.due_at else "",
                item.rolled_progress,
                item.get_status_display(),
                timezone.localtime(item.closed_at).strftime("%Y-%m-%d") if item.closed_at else "",
            ]
        )
    return out


def xlsx_response(items, title: str) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("清单")
    sheet.append([title])
    sheet.append([str(c) for c in COLUMNS])
    for row in rows(items):
        sheet.append(row)
    for column, width in zip("ABCDEFGHI", [6, 8, 36, 20, 20, 12, 8, 10, 12], strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename=participation-board.xlsx"
    return response


def font() -> tuple[str, int] | None:
    configured = os.environ.get("GONGZHI_CJK_FONT")
    if configured and Path(configured).exists():
        return configured, 0
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    return None


def pdf_bytes(items, title: str, summary) -> bytes | None:
    """A one-column notice: heading, the share closed, and every item. None without a CJK font."""
    from fpdf import FPDF

    found = font()
    if found is None:
        return None
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("cjk", "", found[0], collection_font_number=found[1])
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("cjk", size=10)
    share = f"{summary.closed_share}%" if summary.closed_share is not None else "—"
    pdf.cell(
        0,
        7,
        _("共 %(n)d 项，已完成 %(c)d 项，办结率 %(s)s。公示日期：%(d)s")
        % {"n": summary.total, "c": summary.closed, "s": share, "d": timezone.localdate()},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    widths = [10, 70, 40, 24, 14, 22]
    heads = [_("序号"), _("事项"), _("责任单位"), _("完成期限"), _("进度"), _("状态")]
    pdf.set_font("cjk", size=9)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 7, str(head), border=1, align="C")
    pdf.ln()
    for row in rows(items):
        values = [str(row[0]), row[2][:34], row[4][:18], row[5], f"{row[6]}%", row[7]]
        for width, value in zip(widths, values, strict=True):
            pdf.cell(width, 6, value, border=1)
        pdf.ln()
    return bytes(pdf.output())


def pdf_response(items, title: str, summary) -> HttpResponse:
    data = pdf_bytes(
        list(items.select_related("owner") if hasattr(items, "select_related") else items), title, summary
    )
    if data is None:
        return HttpResponse(_("服务器未安装中文字体，无法生成 PDF，请使用浏览器打印本页。"), status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = "inline; filename=participation-board.pdf"
    return response
