import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongzhi.cases.categories import COLUMNS, DEFAULT_PATH, load_categories
from gongzhi.cases.models import Category
from gongzhi.core.errors import DomainError
from gongzhi.core.tests.shared_data import shared_data


def packaged_rows() -> list[dict]:
    with open(DEFAULT_PATH, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "public"])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.django_db
def test_packaged_file_loads_a_two_level_tree():
    count = load_categories()
    assert count == len(packaged_rows()) == Category.objects.count()
    tops = Category.objects.filter(parent=None)
    assert tops.count() == 16  # the government's 15 and 社区治理
    assert not Category.objects.filter(parent__parent__isnull=False).exists()
    community = Category.objects.get(name="社区治理")
    names = set(community.children.values_list("name", flat=True))
    assert {"飞线充电", "居改非", "群租/出租房管理", "加装电梯", "流浪猫狗", "高空抛物"} <= names
    fly_wire = Category.objects.get(name="飞线充电")
    assert fly_wire.default_unit_name and fly_wire.default_tier in (1, 2, 3)
    assert fly_wire.response_hours > 0 and fly_wire.close_days >= fly_wire.reply_days


@pytest.mark.django_db
def test_every_government_first_level_class_is_kept(settings):
    shared = shared_data("messages", "taxonomy.csv")
    with open(shared, encoding="utf-8", newline="") as handle:
        taxonomy = list(csv.DictReader(handle))
    load_categories()
    for row in taxonomy:
        assert Category.objects.filter(name=row["level2"], parent__name=row["level1"]).exists(), row


@pytest.mark.django_db
def test_reload_updates_in_place_without_duplicates(tmp_path):
    load_categories()
    ids = dict(Category.objects.values_list("code", "pk"))
    rows = packaged_rows()
    rows[1]["name"] = "飞线充电（含楼道充电）"
    rows[1]["reply_days"] = "4"
    load_categories(path=write(tmp_path / "edited.csv", rows))
    assert dict(Category.objects.values_list("code", "pk")) == ids
    changed = Category.objects.get(code=rows[1]["code"])
    assert changed.name == "飞线充电（含楼道充电）" and changed.reply_days == 4


@pytest.mark.django_db
def test_bad_row_names_its_line_and_writes_nothing(tmp_path):
    load_categories()
    before = list(Category.objects.values_list("code", "name", "reply_days").order_by("code"))
    rows = packaged_rows()
    rows[1]["name"] = "改了名字"
    rows[3]["default_tier"] = "4"  # line 5: header is line 1
    with pytest.raises(DomainError) as error:
        load_categories(path=write(tmp_path / "bad.csv", rows))
    assert "第 5 行" in error.value.message
    assert list(Category.objects.values_list("code", "name", "reply_days").order_by("code")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        ({"parent_code": "99"}, "上级编码"),
        ({"parent_code": "1601"}, "只有两级"),
        ({"name": ""}, "不能为空"),
        ({"reply_days": "五"}, "整数"),
    ],
)
def test_bad_rows_are_refused_on_an_empty_table(tmp_path, change, message):
    rows = packaged_rows()
    rows[5].update(change)
    with pytest.raises(DomainError) as error:
        load_categories(path=write(tmp_path / "bad.csv", rows))
    assert message in error.value.message and "第 7 行" in error.value.message
    assert Category.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_code_and_missing_column_are_refused(tmp_path):
    rows = packaged_rows()
    rows.append(dict(rows[2]))
    with pytest.raises(DomainError, match="重复"):
        load_categories(path=write(tmp_path / "dup.csv", rows))
    (tmp_path / "short.csv").write_text("code,name\n01,城乡建设\n", encoding="utf-8")
    with pytest.raises(DomainError, match="缺少列"):
        load_categories(path=tmp_path / "short.csv")
    assert Category.objects.count() == 0


@pytest.mark.django_db
def test_command_loads_the_packaged_file_and_reports_errors(tmp_path):
    out = io.StringIO()
    call_command("load_categories", stdout=out)
    assert str(Category.objects.count()) in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load_categories", str(tmp_path / "missing.csv"), stdout=io.StringIO())
