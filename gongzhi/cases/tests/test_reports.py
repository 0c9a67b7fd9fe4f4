"""The monthly report (月报) as xlsx, the printable case page, and the statistics of their own
area for neighbourhood committees and grid workers."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.cases import services
from gongzhi.cases.models import Case
from gongzhi.cases.tests.helpers import assigned_case, public_report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


@time_machine.travel(NOW, tick=False)
def test_monthly_report_has_the_figures_and_the_cases_of_that_month(world, client):
    with time_machine.travel(dt.datetime(2026, 10, 9, 3, 0, tzinfo=dt.UTC), tick=False):
        old = public_report(world, title="十月的工单")
    case = assigned_case(world)
    services.reply_case(case=case, actor=world.a.users["neighbourhood"], text="已清理")
    public_report(world, side="b", title="B街道的工单")
    client.force_login(world.a.users["dispatcher"])
    page = client.get("/cases/dashboard/").content.decode()
    assert "month=2026-10" in page and "下载上月月报" in page
    book = workbook(client.get("/cases/dashboard/export.xlsx?month=2026-11"))
    assert book.sheetnames == ["总览", "按区域", "按承办单位", "按月份", "工单清单"]
    summary = list(book["总览"].iter_rows(values_only=True))
    assert summary[0][:3] == ("名称", "工单", "未办结")
    assert summary[1][0] == world.a.subdistrict.name and summary[1][1] == 1
    assert any(row[0] and str(row[0]).startswith("响应率 = ") for row in summary)
    listed = [row[0] for row in book["工单清单"].iter_rows(min_row=2, values_only=True)]
    assert listed == [case.number]  # not October's, not B's
    october = workbook(client.get("/cases/dashboard/export.xlsx?month=2026-10"))
    assert [r[0] for r in october["工单清单"].iter_rows(min_row=2, values_only=True)] == [old.number]


def test_bad_month_is_refused_in_chinese(world, client):
    client.force_login(world.a.users["dispatcher"])
    response = client.get("/cases/dashboard/export.xlsx?month=2026-13")
    assert response.status_code == 400 and "月份格式" in response.content.decode()


def test_export_follows_the_dashboard_permission(world, client):
    for role, status in (("handler", 403), ("auditor", 200), ("gridworker", 200)):
        client.force_login(world.a.users[role])
        assert client.get("/cases/dashboard/export.xlsx?month=2026-11").status_code == status, role
    client.force_login(world.admin)
    assert client.get("/cases/dashboard/export.xlsx").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_neighbourhood_and_grid_see_statistics_of_their_own_area_only(world, client):
    mine = public_report(world, area=world.a.estate)
    public_report(world, area=world.a.other_neighbourhood)
    public_report(world, side="b")
    for role in ("neighbourhood", "gridworker"):
        user = world.a.users[role]
        client.force_login(user)
        page = client.get("/cases/dashboard/")
        assert page.status_code == 200, role
        assert 'href="/cases/dashboard/"' in page.content.decode()  # in the menu
        book = workbook(client.get("/cases/dashboard/export.xlsx?month=2026-11"))
        assert [r[0] for r in book["工单清单"].iter_rows(min_row=2, values_only=True)] == [mine.number], role
        assert list(book["总览"].iter_rows(values_only=True))[1][1] == 1


def test_export_reads_a_fixed_number_of_queries(world, client):
    client.force_login(world.a.users["dispatcher"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get(
                    "/cases/dashboard/export.xlsx?month=" + timezone.localdate().strftime("%Y-%m")
                ).status_code
                == 200
            )
        return len(ctx.captured_queries)

    for _ in range(2):
        assigned_case(world)
    two = count()
    for _ in range(18):
        assigned_case(world)
    assert count() == two


def test_printable_case_page(world, client):
    case = assigned_case(world)
    services.reply_case(case=case, actor=world.a.users["neighbourhood"], text="已联系住户清理")
    client.force_login(world.a.users["dispatcher"])
    assert f'href="/cases/{case.number}/print/"' in client.get(f"/cases/{case.number}/").content.decode()
    body = client.get(f"/cases/{case.number}/print/").content.decode()
    assert "工单处置单" in body and case.number in body and "已联系住户清理" in body
    assert "@media print" in body and 'id="print-timeline"' in body
    assert "13812345678" in body  # the dispatchers call reporters back: as on the case page
    client.force_login(world.a.users["neighbourhood"])
    masked = client.get(f"/cases/{case.number}/print/").content.decode()
    assert "13812345678" not in masked and "138****5678" in masked  # one rule for the phone
    client.force_login(world.b.users["dispatcher"])
    assert client.get(f"/cases/{case.number}/print/").status_code == 404
    assert Case.objects.count() == 1
