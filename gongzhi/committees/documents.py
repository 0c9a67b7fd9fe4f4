"""Documents of owners' committees as real .docx files: the vote result notice (表决结果公告)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from gongzhi.committees import counting
from gongzhi.committees.models import Matter, OwnersVote


def _area(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def vote_notice(vote: OwnersVote, tally: counting.Tally) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    doc.add_heading(f"{vote.area.name}业主大会表决结果公告", level=1)
    doc.add_paragraph(
        f"表决事项：{vote.title}（{Matter(vote.matter).label}）。表决期间：{vote.opens_on} 至 {vote.closes_on}。"
    )
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text, head[1].text, head[2].text = "项目", "专有部分面积（㎡）", "业主人数"
    rows = [
        ("全体业主", _area(tally.eligible_area), str(tally.eligible_count)),
        ("参与表决", _area(tally.voted_area), str(tally.voted_count)),
        ("同意", _area(tally.for_area), str(tally.for_count)),
        ("反对", _area(tally.against_area), str(tally.against_count)),
    ]
    for label, area, count in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = label, area, count
    strict = "超过" if vote.pass_strict else "达到"
    doc.add_paragraph(
        f"参与表决比例：面积 {counting.percent(tally.voted_area, tally.eligible_area)}，"
        f"人数 {counting.percent(tally.voted_count, tally.eligible_count)}（须均不低于 {vote.quorum}）。"
    )
    doc.add_paragraph(
        f"同意比例：面积 {counting.percent(tally.for_area, tally.voted_area)}，"
        f"人数 {counting.percent(tally.for_count, tally.voted_count)}（须均{strict} {vote.pass_share}）。"
    )
    if not tally.valid:
        verdict = "参与表决的业主未达到法定比例，本次表决无效。"
    elif tally.passed:
        verdict = "本次表决有效，表决事项获得通过。"
    else:
        verdict = "本次表决有效，表决事项未获通过。"
    doc.add_paragraph(verdict)
    doc.add_paragraph(f"{vote.committee.name}　　{vote.closes_on}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
