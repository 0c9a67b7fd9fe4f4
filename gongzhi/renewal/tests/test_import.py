"""The households' sheet: a good file imports, one bad row and nothing is written (each error
with its row, column and reason), importing the same file again changes nothing."""

import io

import pytest
from openpyxl import load_workbook

from gongzhi.accounts.models import AuditEvent
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.renewal import services, sheets
from gongzhi.renewal.models import Certificate
from gongzhi.renewal.tests.helpers import FULL_HEADER, GOOD, xlsx

pytestmark = pytest.mark.django_db


def test_good_sheet_imports_every_row(world, site):
    leader, block, project = site
    result = services.import_certificates(actor=leader, project=project, data=xlsx(GOOD))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    first, second, third = project.certificates.order_by("number")[:3]
    by_number = {c.number: c for c in project.certificates.all()}
    c = by_number["沪房地字0001号"]
    assert (c.kind, c.area, c.holders, c.households, c.persons, c.floor) == (
        "title",
        block,
        "张建国、李秀英",
        1,
        3,
        1,
    )
    assert c.cadre == world.a.users["gridworker"]
    assert [d.room for d in c.dwellings.all()] == ["101室"]
    tenancy = by_number["公房承租凭证0002号"]
    assert (tenancy.kind, tenancy.households, tenancy.persons, tenancy.cadre) == ("tenancy", 2, 4, None)
    assert [d.room for d in tenancy.dwellings.all()] == ["102室"]  # found by its address
    assert by_number["沪房地字0003号"].households == 1  # blank means 1
    assert AuditEvent.objects.filter(action="renewal.import").count() == 1


def test_importing_the_same_file_again_changes_nothing(world, site):
    leader, _block, project = site
    data = xlsx(GOOD)
    services.import_certificates(actor=leader, project=project, data=data)
    before = list(
        Certificate.objects.filter(project=project).order_by("pk").values_list("pk", "number", "updated_at")
    )
    again = services.import_certificates(actor=leader, project=project, data=data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    after = list(
        Certificate.objects.filter(project=project).order_by("pk").values_list("pk", "number", "updated_at")
    )
    assert after == before
    corrected = [row[:] for row in GOOD]
    corrected[2][3] = "赵强、赵敏"
    result = services.import_certificates(actor=leader, project=project, data=xlsx(corrected))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert project.certificates.get(number="沪房地字0003号").holders == "赵强、赵敏"
    assert project.certificates.count() == 3


def test_bad_rows_are_all_listed_and_nothing_is_written(world, site):
    leader, _block, project = site
    # row 5's cadre is not checked: with no valid building there is nothing to check it against
    rows = [
        GOOD[0],
        ["", "产权证", "3号楼", "钱一", 1, 1, 1, "", ""],  # row 3: no number
        ["沪房地字0001号", "产权证", "3号楼", "孙二", 1, 1, 1, "", ""],  # row 4: duplicate
        ["沪房地字0005号", "房产证", "9号楼", "", "两", 1, "顶楼", "909室", "b_gridworker"],  # row 5
        ["沪房地字0006号", "", "3号楼", "周三", 1, 1, 1, "909室", "nobody"],  # row 6
    ]
    with pytest.raises(sheets.RowsRejected) as caught:
        services.import_certificates(actor=leader, project=project, data=xlsx(rows))
    errors = {(e.row, e.column) for e in caught.value.errors}
    assert errors == {
        (3, "证号"),
        (4, "证号"),
        (5, "类型"),
        (5, "楼栋"),
        (5, "权利人/承租人"),
        (5, "户数"),
        (5, "楼层"),
        (6, "房屋"),
        (6, "包保干部"),
    }
    messages = {(e.row, e.column): e.message for e in caught.value.errors}
    assert "第 2 行" in messages[(4, "证号")]
    assert "不是本项目范围内的楼栋" in messages[(5, "楼栋")]
    assert "不是 3号楼 登记的房屋" in messages[(6, "房屋")]
    assert str(caught.value.errors[0]).startswith("第 3 行“证号”")
    assert caught.value.details["errors"][0] == {"row": 3, "column": "证号", "message": "证号不能为空。"}
    assert not project.certificates.exists()  # the good first row is not written either
    assert not AuditEvent.objects.filter(action="renewal.import").exists()


def test_a_cadre_from_another_area_is_refused(world, site):
    leader, _block, project = site
    from gongzhi.testing.world import make_user

    make_user("n2_worker", roles=["gridworker"], scope=world.a.other_neighbourhood)
    rows = [["沪房地字0009号", "", "3号楼", "吴四", 1, 1, 1, "", "n2_worker"]]
    with pytest.raises(sheets.RowsRejected, match="1 处错误") as caught:
        services.import_certificates(actor=leader, project=project, data=xlsx(rows))
    assert "不负责该楼栋" in caught.value.errors[0].message


def test_wrong_files_and_wrong_people_are_refused(world, site):
    leader, _block, project = site
    with pytest.raises(DomainError, match="无法读取"):
        services.import_certificates(actor=leader, project=project, data=b"not a workbook")
    with pytest.raises(sheets.RowsRejected) as caught:
        services.import_certificates(actor=leader, project=project, data=xlsx(GOOD, header=["证号", "姓名"]))
    assert caught.value.errors[0].row == 1 and "楼栋" in caught.value.errors[0].column
    with pytest.raises(sheets.RowsRejected, match="1 处"):
        services.import_certificates(actor=leader, project=project, data=xlsx([]))
    with pytest.raises(NotAllowed):
        services.import_certificates(actor=world.a.users["gridworker"], project=project, data=xlsx(GOOD))
    with pytest.raises(NotAllowed):
        services.import_certificates(actor=world.b.users["leader"], project=project, data=xlsx(GOOD))
    assert not project.certificates.exists()


def test_the_register_is_locked_once_a_round_opens(world, site):
    import datetime as dt

    leader, _block, project = site
    services.import_certificates(actor=leader, project=project, data=xlsx(GOOD))
    services.open_round(
        actor=leader, project=project, number=1, opens_on=dt.date(2026, 3, 1), closes_on=dt.date(2026, 3, 31)
    )
    with pytest.raises(DomainError, match="名册已锁定"):
        services.import_certificates(actor=leader, project=project, data=xlsx(GOOD))


def test_the_template_imports_nothing_as_it_is_and_shows_an_example(world, site):
    leader, _block, project = site
    data = sheets.template(project)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["权证", "说明"]
    assert [c.value for c in book["权证"][1]] == FULL_HEADER
    example = [c.value for c in book["说明"][3]]
    assert example[2] == "A-E1-B3" and example[7] == "101室"
    with pytest.raises(sheets.RowsRejected, match="1 处"):  # no data rows: nothing written
        services.import_certificates(actor=leader, project=project, data=data)
    # the example row, copied onto the data sheet, imports
    sheet = book["权证"]
    sheet.append(example)
    out = io.BytesIO()
    book.save(out)
    assert services.import_certificates(actor=leader, project=project, data=out.getvalue()).created == 1
