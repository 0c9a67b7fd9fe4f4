import csv
import datetime as dt
import io
import subprocess
import sys

import openpyxl
import pytest
from django.core.management import call_command

from gongzhi.accounts.models import AccessLog
from gongzhi.core.errors import NotAllowed
from gongzhi.registry import exporting, importing
from gongzhi.registry.models import Dwelling, Organization, RegistryChange, Residence, Resident, ResidentTag

from .conftest import person_id


def rows(n=3, room_base=300):
    return [
        {
            "楼栋编码": "A-B1",
            "房号": str(room_base + i),
            "姓名": f"居民{i}",
            "证件号码": person_id(100 + i, dt.date(1940, 1, 1)),
            "联系电话": f"1380000{i:04d}",
            "居住状态": "常住",
            "与户主关系": "户主",
            "标签": "独居、低保" if i == 0 else "",
        }
        for i in range(n)
    ]


def test_dry_run_reports_every_bad_row_and_writes_nothing(reg):
    data = rows(3)
    data[0]["证件号码"] = "110105194912310031"
    data[2]["联系电话"] = "123"
    data[2]["楼栋编码"] = "NOPE"
    report = importing.import_rows("residents", data, None, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "证件号码"), (4, "楼栋编码"), (4, "联系电话")]
    assert "校验位" in report.errors[0].message
    assert report.bad_rows == 2
    assert Resident.objects.count() == 2


def test_real_import_creates_dwellings_households_stays_and_tags(reg):
    report = importing.import_rows("residents", rows(3), None, dry_run=False)
    assert report.ok and report.created == 3
    r0 = Resident.objects.get(name="居民0")
    assert r0.dwelling.room == "300" and r0.household.head_id == r0.pk
    assert r0.unseal("id_number") == person_id(100, dt.date(1940, 1, 1))
    assert Residence.objects.filter(resident=r0).count() == 1
    assert sorted(ResidentTag.objects.filter(resident=r0).values_list("tag__name", flat=True)) == [
        "低保",
        "独居",
    ]


def test_reimport_updates_instead_of_duplicating(reg):
    importing.import_rows("residents", rows(3), None, dry_run=False)
    again = rows(3)
    again[1]["联系电话"] = "13799990000"
    again[2]["房号"] = "999"  # moved within the building
    report = importing.import_rows("residents", again, None, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert Resident.objects.count() == 5
    r1 = Resident.objects.get(name="居民1")
    assert r1.unseal("phone") == "13799990000"
    assert RegistryChange.objects.filter(object_id=r1.pk, field="phone", new_value="137****0000").exists()
    r2 = Resident.objects.get(name="居民2")
    assert r2.dwelling.room == "999"
    assert (
        list(Residence.objects.filter(resident=r2).values_list("moved_out_on", flat=True).order_by("id"))[1]
        is None
    )
    assert Residence.objects.filter(resident=r2).count() == 2
    assert ResidentTag.objects.count() == 2  # tags not doubled


def test_real_run_with_one_bad_row_writes_nothing(reg):
    data = rows(50)
    data[-1]["证件号码"] = "bad"
    report = importing.import_rows("residents", data, None, dry_run=False)
    assert not report.ok and report.errors[0].row == 51
    assert Resident.objects.count() == 2 and Dwelling.objects.count() == 2


def test_duplicate_id_within_a_file_reported(reg):
    data = rows(2)
    data[1]["证件号码"] = data[0]["证件号码"]
    report = importing.import_rows("residents", data, None, dry_run=True)
    assert report.errors[0].row == 3 and "第 2 行重复" in report.errors[0].message


def test_import_outside_scope_refused_per_row(reg):
    data = rows(1)
    data[0]["楼栋编码"] = "B-B1"
    report = importing.import_rows("residents", data, reg.world.a.users["neighbourhood"], dry_run=True)
    assert "不在您的管辖范围内" in report.errors[0].message


def test_gridworker_may_not_import(reg):
    report = importing.import_rows("residents", rows(1), reg.world.a.users["gridworker"], dry_run=True)
    assert "不在您的管辖范围内" in report.errors[0].message


def test_dwellings_and_organizations_import_and_reimport(reg):
    d = [
        {
            "楼栋编码": "A-B1",
            "房号": "501",
            "房屋用途": "群租",
            "建筑面积": "65.5",
            "产权人/房东电话": "13600001111",
        }
    ]
    assert importing.import_rows("dwellings", d, None, dry_run=False).created == 1
    d[0]["房屋用途"] = "出租"
    report = importing.import_rows("dwellings", d, None, dry_run=False)
    assert report.updated == 1 and Dwelling.objects.get(room="501").use == "rented"
    o = [
        {"区域编码": "A-N1", "名称": "A一居党总支", "类型": "党组织"},
        {
            "区域编码": "A-N1",
            "名称": "某公司",
            "类型": "企业",
            "统一社会信用代码": "91350100M000100Y43",
            "所属党组织": "A一居党总支",
            "从业人数": "12",
        },
    ]
    report = importing.import_rows("organizations", o, None, dry_run=False)
    assert report.ok and report.created == 2, report.lines()
    company = Organization.objects.get(credit_code="91350100M000100Y43")
    assert company.party_organization.name == "A一居党总支" and company.party_covered
    o[1]["名称"] = "某公司（更名）"
    report = importing.import_rows("organizations", o, None, dry_run=False)
    assert (report.created, report.updated) == (0, 1)
    assert Organization.objects.count() == 2


def _xlsx(path, headers, data):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in data:
        sheet.append([row.get(h, "") for h in headers])
    book.save(path)


def test_template_round_trip_through_xlsx_and_csv_files(reg, tmp_path):
    template = tmp_path / "t.xlsx"
    call_command("import", "residents", template=str(template), stdout=io.StringIO())
    headers = [c.value for c in openpyxl.load_workbook(template).worksheets[0][1]]
    assert headers[:4] == ["楼栋编码", "房号", "户号", "姓名"]
    _xlsx(tmp_path / "r.xlsx", headers, rows(2))
    report = importing.import_file("residents", tmp_path / "r.xlsx", None, dry_run=False)
    assert report.ok and report.created == 2
    csv_path = tmp_path / "r.csv"
    call_command("import", "residents", template=str(csv_path), stdout=io.StringIO())
    with open(csv_path, "a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        for row in rows(2, room_base=400):
            writer.writerow([row.get(h, "") for h in headers])
    report = importing.import_file("residents", csv_path, None, dry_run=True)
    assert report.ok and report.updated == 2  # same people, new rooms


def test_broken_file_reported_and_nothing_written(reg, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    report = importing.import_file("residents", bad, None, dry_run=False)
    assert not report.ok and report.errors[0].row == 1
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("名字,电话\n张三,13800000000\n", encoding="utf-8")
    report = importing.import_file("residents", wrong, None, dry_run=False)
    assert "表头缺少必填列" in report.errors[0].message
    assert Resident.objects.count() == 2


def test_command_exits_non_zero_with_the_report_on_a_bad_file(reg, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("楼栋编码,房号,姓名,证件号码\nA-B1,1,张三,123\n", encoding="utf-8")
    stderr = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("import", "residents", str(path), "--dry-run", stdout=io.StringIO(), stderr=stderr)
    assert exc.value.code == 1
    assert "第 2 行 [证件号码]" in stderr.getvalue()


def test_formula_injection_neutralised():
    for evil in ('=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert exporting.neutralise(evil) == "'" + evil
    assert exporting.neutralise("张三") == "张三" and exporting.neutralise(5) == 5


def test_export_masks_for_roles_without_reveal_and_neutralises_formulas(reg):
    Resident.objects.filter(pk=reg.resident_a.pk).update(name="=cmd|' /C calc'!A0")
    body = exporting.export_bytes("residents", "csv", user=reg.world.a.users["auditor"]).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert len(table) == 2  # header + the one resident of subdistrict A
    assert table[1][3].startswith("'=")
    assert table[1][5] == "310***********" + person_id(1)[-4:]
    assert "13900001111" not in body
    log = AccessLog.objects.get()
    assert (log.action, log.object_type, log.object_id) == ("export:masked", "residents", "1")


def test_clear_export_needs_reveal_right_and_reason(reg):
    leader = reg.world.a.users["leader"]
    with pytest.raises(Exception, match="原因"):
        exporting.export_bytes("residents", "xlsx", user=leader, clear=True)
    data = exporting.export_bytes("residents", "xlsx", user=leader, clear=True, reason="低保年审")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.cell(row=2, column=6).value == person_id(1)
    with pytest.raises(NotAllowed):
        exporting.export_bytes("residents", "csv", user=reg.world.a.users["auditor"], clear=True, reason="x")
    with pytest.raises(NotAllowed):
        exporting.export_bytes("residents", "csv", user=reg.world.a.users["gridworker"])


def test_gongzhi_command_line_entry_point(reg, tmp_path):
    out = tmp_path / "tpl.csv"
    result = subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "import", "dwellings", "--template", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8-sig").startswith("楼栋编码,房号")
