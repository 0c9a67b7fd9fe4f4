"""The monthly report (月报) as an xlsx workbook: the dashboard's figures of one month (or any
period) and the list of its cases, as offices file it. Built from the same metrics and the same
scoped selector as the pages, so the workbook never shows more than the page."""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from gongzhi.cases import metrics
from gongzhi.cases.models import Case
from gongzhi.territory.models import Area

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rate(value: float | None) -> float | str:
    return round(value * 100, 1) if value is not None else "—"


def _tally_row(label: str, t: metrics.Tally) -> list:
    return [
        label,
        t.total,
        t.open,
        t.overdue,
        t.closed,
        t.onsite,
        _rate(t.response_rate),
        _rate(t.resolution_rate),
        _rate(t.satisfaction_rate),
        round(t.average_handling_hours, 1) if t.average_handling_hours is not None else "—",
    ]


def _header() -> list[str]:
    return [
        _("名称"),
        _("工单"),
        _("未办结"),
        _("超时"),
        _("已结案"),
        _("现场即办"),
        _("响应率（%）"),
        _("解决率（%）"),
        _("满意率（%）"),
        _("平均办理时长（小时）"),
    ]


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list], *, first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1])) for r in rows[:200]]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width * 1.6, 8), 60)
    sheet.freeze_panes = "A2"
    return sheet


def monthly_report(
    board: metrics.Dashboard,
    cases: QuerySet[Case],
    *,
    root: Area,
    since: dt.date | None,
    until: dt.date | None,
) -> bytes:
    """The workbook: 总览 (the rates with their definitions), 按区域, 按承办单位, 按月份, 工单清单."""
    book = Workbook()
    period = f"{since or '—'} ~ {until or '—'}"
    summary = _sheet(
        book,
        _("总览"),
        _header(),
        [_tally_row(root.name, board.overall)],
        first=True,
    )
    summary.append([])
    summary.append([_("统计期间"), period])
    summary.append([_("生成时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    for text in board.definitions.values():
        summary.append([str(text)])
        summary.cell(summary.max_row, 1).alignment = Alignment(wrap_text=False)
    _sheet(book, _("按区域"), _header(), [_tally_row(a.name, t) for a, t in board.by_area])
    _sheet(book, _("按承办单位"), _header(), [_tally_row(name, t) for name, t in board.by_unit])
    _sheet(book, _("按月份"), _header(), [_tally_row(month, t) for month, t in board.by_month])
    rows = [
        [
            c.number,
            timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
            c.area.name,
            str(c.category),
            c.get_source_display(),
            c.title,
            c.get_status_display(),
            c.assigned_unit.name if c.assigned_unit_id else "",
            _("是") if c.overdue else "",
            timezone.localtime(c.closed_at).strftime("%Y-%m-%d %H:%M") if c.closed_at else "",
            c.get_rating_display() if c.rating else "",
        ]
        for c in cases.select_related("area", "category__parent", "assigned_unit").order_by(
            "created_at", "pk"
        )[:20000]
    ]
    _sheet(
        book,
        _("工单清单"),
        [
            _("编号"),
            _("登记时间"),
            _("区域"),
            _("类别"),
            _("来源"),
            _("标题"),
            _("状态"),
            _("承办单位"),
            _("超时"),
            _("结案时间"),
            _("评价"),
        ],
        rows,
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
