"""A weekly report as the files offices circulate: Word (.docx), PDF and Excel (.xlsx).

Word: python-docx builds the document; a deployment that wants its own letterhead sets
`GONGZHI_INSIGHT["report_template"]` to a .docx file, rendered with docxtpl (context: `report`,
`title`, `sections`, `decisions`, `agenda`). PDF: fpdf2 needs a font with Chinese glyphs, which is
not in the repository (licence and size): it uses `GONGZHI_INSIGHT["pdf_font"]` or the first of
FONT_CANDIDATES that exists (Debian/Ubuntu `fonts-noto-cjk`); without one the PDF export says so
and the Word and Excel exports still work. Every export is logged in the access log."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AccessLog, User
from gongzhi.core.errors import DomainError
from gongzhi.insight.models import WeeklyReport

# (path, index inside a .ttc collection: Noto Sans CJK's Simplified Chinese face is number 2)
FONT_CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _option(name: str):
    return getattr(settings, "GONGZHI_INSIGHT", {}).get(name)


def title_of(report: WeeklyReport) -> str:
    return _("%(grid)s 网格例会报告（%(week)s 周）") % {
        "grid": report.area.name,
        "week": f"{report.week_start:%Y-%m-%d}",
    }


def _decisions(report: WeeklyReport) -> list[list[str]]:
    return [
        [d.text, d.owner.name, f"{d.due_on:%Y-%m-%d}", d.case.number, d.get_kind_display()]
        for d in report.decisions.select_related("owner", "case")
    ]


def _status_line(report: WeeklyReport) -> str:
    if report.frozen:
        return _("已定稿：%(at)s") % {"at": f"{report.frozen_at:%Y-%m-%d %H:%M}"}
    return _("草稿，生成于 %(at)s") % {"at": f"{report.generated_at:%Y-%m-%d %H:%M}"}


def to_docx(report: WeeklyReport) -> bytes:
    template = _option("report_template")
    if template:
        from docxtpl import DocxTemplate

        document = DocxTemplate(template)
        document.render(
            {
                "report": report,
                "title": title_of(report),
                "sections": report.sections,
                "decisions": _decisions(report),
                "agenda": report.agenda,
            }
        )
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    document.add_heading(title_of(report), level=0)
    document.add_paragraph(_status_line(report))
    if report.agenda:
        document.add_heading(_("议程"), level=1)
        for line in report.agenda.splitlines():
            document.add_paragraph(line)
    for section in report.sections:
        document.add_heading(section["title"], level=1)
        if section.get("note"):
            document.add_paragraph(section["note"])
        for fig in section["figures"]:
            document.add_paragraph(f"{fig['label']}：{fig['value']}", style="List Bullet")
        for table in section["tables"]:
            document.add_heading(table["title"], level=2)
            _docx_table(document, table["columns"], table["rows"])
    decisions = _decisions(report)
    document.add_heading(_("例会决定"), level=1)
    if decisions:
        _docx_table(document, [_("事项"), _("责任单位"), _("期限"), _("工单"), _("类型")], decisions)
    else:
        document.add_paragraph(_("本次例会未形成决定事项。"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document, columns: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        cell.text = str(name)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=False):
            cell.text = "" if value is None else str(value)


def pdf_font() -> tuple[str, int] | None:
    configured = _option("pdf_font")
    if configured:
        path, _sep, number = str(configured).partition("#")
        return (path, int(number or 0)) if Path(path).exists() else None
    for path, number in FONT_CANDIDATES:
        if Path(path).exists():
            return path, number
    return None


def to_pdf(report: WeeklyReport) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font = pdf_font()
    if font is None:
        raise DomainError(
            _(
                "本机没有可用的中文字体，无法生成 PDF：请安装 fonts-noto-cjk 或设置 pdf_font；Word 和 Excel 导出不受影响。"
            ),
            code="no_cjk_font",
        )
    pdf = FPDF()
    pdf.add_font("cjk", fname=font[0], collection_font_number=font[1])
    pdf.set_font("cjk", size=11)
    pdf.add_page()
    pdf.set_font_size(16)
    pdf.multi_cell(0, 10, title_of(report), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(10)
    pdf.multi_cell(0, 6, _status_line(report), new_x="LMARGIN", new_y="NEXT")
    heading = FontFace(emphasis=None, fill_color=(230, 236, 245))

    def title(text: str, size: int = 13) -> None:
        pdf.ln(2)
        pdf.set_font_size(size)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font_size(10)

    def grid(columns: list[str], rows: list[list]) -> None:
        with pdf.table(headings_style=heading, line_height=6) as table:
            table.row([str(c) for c in columns])
            for row in rows:
                table.row(["" if v is None else str(v) for v in row])

    if report.agenda:
        title(_("议程"))
        pdf.multi_cell(0, 6, report.agenda, new_x="LMARGIN", new_y="NEXT")
    for section in report.sections:
        title(section["title"])
        if section.get("note"):
            pdf.multi_cell(0, 6, section["note"], new_x="LMARGIN", new_y="NEXT")
        if section["figures"]:
            pdf.multi_cell(
                0,
                6,
                "；".join(f"{f['label']} {f['value']}" for f in section["figures"]),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        for table in section["tables"]:
            title(table["title"], size=11)
            grid(table["columns"], table["rows"])
    title(_("例会决定"))
    decisions = _decisions(report)
    if decisions:
        grid([_("事项"), _("责任单位"), _("期限"), _("工单"), _("类型")], decisions)
    else:
        pdf.multi_cell(0, 6, _("本次例会未形成决定事项。"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def to_xlsx(report: WeeklyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("概要")
    sheet.append([title_of(report)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_status_line(report)])
    for section in report.sections:
        sheet.append([])
        sheet.append([section["title"]])
        for fig in section["figures"]:
            sheet.append([fig["label"], fig["value"]])
        for table in section["tables"]:
            sheet.append([])
            sheet.append([table["title"]])
            sheet.append(table["columns"])
            for row in table["rows"]:
                sheet.append(row)
    decisions = book.create_sheet(_("例会决定"))
    decisions.append([_("事项"), _("责任单位"), _("期限"), _("工单"), _("类型")])
    for row in _decisions(report):
        decisions.append(row)
    sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


RENDERERS = {"docx": to_docx, "pdf": to_pdf, "xlsx": to_xlsx}


def export(report: WeeklyReport, fmt: str, *, user: User, ip: str | None = None) -> tuple[bytes, str, str]:
    """The file, its content type and its name; the export is logged."""
    from gongzhi.core.rules import require

    require(user, "weeklyreport.export", report)
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise DomainError(_("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
    data = renderer(report)
    AccessLog.objects.create(
        user=user, action=f"export.{fmt}", object_type="insight.weeklyreport", object_id=str(report.pk), ip=ip
    )
    name = f"weekly-{report.area.code}-{report.week_start:%Y%m%d}.{fmt}"
    return data, CONTENT_TYPES[fmt], name
