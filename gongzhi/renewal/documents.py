"""The printable daily bulletin (签约日报) of a renewal project, as a real .docx file."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document

from gongzhi.renewal.models import Project
from gongzhi.renewal.progress import Figure


def bulletin(
    project: Project,
    figure: Figure | None,
    *,
    on: dt.date,
    buildings: list[dict],
    by_obstacle: list[tuple[str, int]],
    by_cadre: list[tuple[str, int, int]],
) -> bytes:
    doc = Document()
    doc.add_heading(f"{project.name}　签约日报", level=1)
    doc.add_paragraph(f"截至 {on}，项目状态：{project.get_state_display()}。")
    if figure is not None:
        doc.add_paragraph(
            f"应签 {figure.eligible} 证，已完成 {figure.done} 证，比例 {figure.percent}；"
            f"生效比例 {'超过' if figure.strict else '达到'} {figure.threshold}%，"
            + ("已达到。" if figure.reached else f"尚差 {figure.gap} 证。")
            + f"首日 {figure.first_day} 证（{figure.first_day_percent}）。"
        )
        if figure.curve:
            doc.add_paragraph("每日累计：" + "；".join(f"{d:%m-%d} {n}" for d, n in figure.curve[-14:]))
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    cells = table.rows[0].cells
    cells[0].text, cells[1].text, cells[2].text = "楼栋", "已签约/应签", "未签约"
    for row in buildings:
        cells = table.add_row().cells
        cells[0].text = row["name"]
        cells[1].text = f"{row['signed']}/{row['total']}"
        cells[2].text = str(row["total"] - row["signed"])
    if by_obstacle:
        doc.add_paragraph("未签约难点：" + "；".join(f"{k} {n} 证" for k, n in by_obstacle))
    if by_cadre:
        doc.add_paragraph("包保干部未签约数：" + "；".join(f"{k} {u}/{t}" for k, t, u in by_cadre))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
