"""Report pages, exports (the .docx opened and read), scope and query counts."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.accounts.models import AccessLog
from gongzhi.insight import exports, reports
from gongzhi.insight.models import DecisionKind
from gongzhi.insight.tests.helpers import MONDAY, at, report

pytestmark = pytest.mark.django_db
ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]


@pytest.fixture
def drafted(world):
    report(world, now=at(MONDAY, 9), title="路灯不亮")
    case = report(world, now=at(MONDAY, 10), title="楼道堆物")
    draft = reports.generate_report(
        grid=world.a.grid, week_start=MONDAY, now=at(MONDAY + dt.timedelta(days=3), 18)
    )
    gridworker = world.a.users["gridworker"]
    reports.edit_agenda(report=draft, actor=gridworker, agenda="一、超时工单逐件过堂")
    reports.record_decision(
        report=draft,
        actor=gridworker,
        kind=DecisionKind.CASE_ACTION,
        text="居委周五前清理楼道堆物",
        owner=world.a.committee,
        due_on=MONDAY + dt.timedelta(days=4),
        case=case,
    )
    return draft


def test_docx_export_opens_and_says_what_the_page_says(world, drafted, client):
    from docx import Document

    client.force_login(world.a.users["leader"])
    response = client.get(reverse("insight:report_export", args=[drafted.pk, "docx"]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "A第一网格 网格例会报告（2026-06-01 周）" in text
    assert "一、超时工单逐件过堂" in text and "本周新增：2" in text
    assert "居委周五前清理楼道堆物" in cells and "路灯不亮" in cells
    assert AccessLog.objects.filter(action="export.docx", object_id=str(drafted.pk)).count() == 1


def test_xlsx_and_pdf_exports(world, drafted):
    from openpyxl import load_workbook

    leader = world.a.users["leader"]
    data, _type, name = exports.export(drafted, "xlsx", user=leader)
    book = load_workbook(io.BytesIO(data))
    assert name.endswith(".xlsx") and book["例会决定"]["A2"].value == "居委周五前清理楼道堆物"
    if exports.pdf_font() is None:
        pytest.skip("no CJK font on this machine: the PDF export refuses with a message (tested below)")
    data, content_type, _name = exports.export(drafted, "pdf", user=leader)
    assert data.startswith(b"%PDF") and content_type == "application/pdf"


def test_pdf_without_a_cjk_font_says_so(world, drafted, settings):
    from gongzhi.core.errors import DomainError

    settings.GONGZHI_INSIGHT = {"pdf_font": "/nowhere/font.ttc"}
    with pytest.raises(DomainError, match="中文字体"):
        exports.export(drafted, "pdf", user=world.a.users["leader"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["a", "b"])
def test_report_pages_scope_matrix(world, drafted, client, role, side):
    user = getattr(world, side).users[role]
    client.force_login(user)
    listing = client.get(reverse("insight:reports") + f"?week={MONDAY}")
    detail = client.get(reverse("insight:report", args=[drafted.pk]))
    export = client.get(reverse("insight:report_export", args=[drafted.pk, "docx"]))
    sees_list = role in {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"}
    sees_report = sees_list and side == "a" and role != "neighbourhood"  # a neighbourhood sits below the grid
    assert listing.status_code == (200 if sees_list else 403)
    assert detail.status_code == (200 if sees_report else 404 if sees_list else 404)
    assert export.status_code == detail.status_code


def test_gridworker_records_a_decision_and_freezes_in_the_page(world, drafted, client):
    client.force_login(world.a.users["gridworker"])
    url = reverse("insight:report", args=[drafted.pk])
    page = client.get(url)
    assert "记录决定" in page.content.decode()
    bad = client.post(
        url,
        {
            "action": "decide",
            "text": "",
            "kind": "new_case",
            "owner": world.a.committee.pk,
            "due_on": "2026-06-05",
        },
        follow=True,
    )
    assert "请填写决定事项" in bad.content.decode()
    client.post(url, {"action": "freeze"})
    drafted.refresh_from_db()
    assert drafted.frozen
    assert "记录决定" not in client.get(url).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_report_list_makes_the_same_number_of_queries_for_2_and_20_grids(world, client):
    from gongzhi.territory.services import create_area

    client.force_login(world.a.users["leader"])
    url = reverse("insight:reports") + f"?week={MONDAY}"
    reports.generate_week(root=world.a.subdistrict, week_start=MONDAY, now=at(MONDAY, 12))
    few = _queries(client, url)
    for n in range(3, 21):
        create_area(code=f"A-G{n}", name=f"A第{n}网格", kind="grid", parent=world.a.subdistrict)
    reports.generate_week(root=world.a.subdistrict, week_start=MONDAY, now=at(MONDAY, 12))
    assert _queries(client, url) == few
