"""The deployment chooses which categories the public report form offers, and in which order
(the community's own first); the form has a search box over them."""

import re
from pathlib import Path

import pytest

from gongzhi.cases import selectors
from gongzhi.cases.categories import load_categories
from gongzhi.cases.models import Case, Category
from gongzhi.cases.tests.test_pages import public_post

OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]+)</option>')


def offered(client) -> list[str]:
    page = client.get("/public/report/").content.decode()
    select = page[page.index('id="id_category"') : page.index("</select>", page.index('id="id_category"'))]
    return [name for _pk, name in OPTION.findall(select)]


@pytest.fixture
def chosen(world):
    top = Category.objects.create(code="16", name="社区治理", sort=0)
    corridor = Category.objects.create(
        code="1602", name="楼道堆物", parent=top, keywords="楼道 杂物", public_sort=1
    )
    lamp = Category.objects.create(
        code="1614", name="街面设施与标识", parent=top, keywords="路灯 井盖", public_sort=2
    )
    national = Category.objects.create(code="99", name="港澳台侨", sort=1)
    staff_only = Category.objects.create(code="9901", name="港澳台侨事务", parent=national)
    return corridor, lamp, staff_only


@pytest.mark.django_db
def test_everything_active_is_offered_until_the_deployment_chooses(world, client):
    assert offered(client) == ["飞线充电"]  # the world's one category: nothing chosen yet


@pytest.mark.django_db
def test_only_the_chosen_categories_in_the_chosen_order(world, client, chosen):
    corridor, lamp, staff_only = chosen
    assert offered(client) == ["楼道堆物", "街面设施与标识"]
    lamp.public_sort, corridor.public_sort = 1, 2
    lamp.save(), corridor.save()
    assert offered(client) == ["街面设施与标识", "楼道堆物"]
    page = client.get("/public/report/").content.decode()
    assert 'id="category-search"' in page and "category-search.js" in page
    assert 'data-keywords="社区治理 路灯 井盖"' in page  # what the search box matches


@pytest.mark.django_db
def test_a_category_not_offered_is_refused_and_nothing_is_filed(world, client, chosen):
    _corridor, _lamp, staff_only = chosen
    response = public_post(client, world, category=staff_only.pk)
    assert response.status_code == 422
    assert (
        "选择一个有效的选项" in response.content.decode()
        or "Select a valid choice" in response.content.decode()
    )
    assert not Case.objects.exists()
    response = public_post(client, world, category=chosen[0].pk)
    assert response.status_code == 302 and Case.objects.get().category == chosen[0]


@pytest.mark.django_db
def test_packaged_file_offers_the_community_classes_first(tmp_path):
    load_categories()
    names = [c.name for c in selectors.public_categories()]
    assert names[:2] == ["飞线充电", "楼道堆物"]
    assert all(c.parent.code == "16" for c in selectors.public_categories())
    assert "港澳台侨" not in " ".join(names)
    # A deployment's file with the column chooses; a file without it leaves the choice alone.
    source = Path(load_categories.__globals__["DEFAULT_PATH"]).read_text(encoding="utf-8").splitlines()
    header, rows = source[0], source[1:]
    own = [header] + [r.rsplit(",", 1)[0] + "," + ("1" if r.startswith("1602,") else "") for r in rows]
    (tmp_path / "own.csv").write_text("\n".join(own), encoding="utf-8")
    load_categories(path=tmp_path / "own.csv")
    assert [c.name for c in selectors.public_categories()] == ["楼道堆物"]
    without = [header.rsplit(",", 1)[0]] + [r.rsplit(",", 1)[0] for r in rows]
    (tmp_path / "without.csv").write_text("\n".join(without), encoding="utf-8")
    load_categories(path=tmp_path / "without.csv")
    assert [c.name for c in selectors.public_categories()] == ["楼道堆物"]


@pytest.mark.django_db
def test_a_bad_public_position_is_refused_with_its_line(tmp_path):
    from gongzhi.core.errors import DomainError

    source = Path(load_categories.__globals__["DEFAULT_PATH"]).read_text(encoding="utf-8").splitlines()
    source[2] = source[2].rsplit(",", 1)[0] + ",第一"
    (tmp_path / "bad.csv").write_text("\n".join(source), encoding="utf-8")
    with pytest.raises(DomainError, match="第 3 行"):
        load_categories(path=tmp_path / "bad.csv")
    assert not Category.objects.exists()
