"""The overdue map's filters (risk level, grid) and its click-through from a building to the
people overdue there: scoped, the same filters, names as on the round with phones masked, a
fixed number of queries however many people are overdue."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.care import services
from gongzhi.care.models import Recipient
from gongzhi.care.tests.conftest import MONDAY, at
from gongzhi.registry import services as registry
from gongzhi.registry.tests.conftest import person_id
from gongzhi.territory.models import Area

WEDNESDAY = at(dt.date(2026, 9, 30), 9)  # the dues of Monday 28 September are overdue


@pytest.fixture
def overdue(care):
    services.sync_population(today=MONDAY.date())
    services.generate_dues()
    first = Recipient.objects.get(resident=care.elders[0])
    first.risk = "high"
    first.save()
    with time_machine.travel(WEDNESDAY, tick=False):
        yield care


def _second_grid() -> Area:
    return Area.objects.get(code="A-G2")  # subdistrict A's other grid: nobody cared for there


def _points(client, query: str = ""):
    response = client.get(reverse("care:map") + query)
    assert response.status_code == 200, response.content.decode()
    return response.context["config"]["points"]


def test_the_map_filters_by_risk_level(overdue, client):
    client.force_login(overdue.world.a.users["leader"])
    assert [(p["overdue"], p["high"]) for p in _points(client)] == [(2, 1)]
    assert [(p["overdue"], p["high"]) for p in _points(client, "?risk=high")] == [(1, 1)]
    assert [(p["overdue"], p["high"]) for p in _points(client, "?risk=medium")] == [(1, 0)]
    assert _points(client, "?risk=low") == []


def test_the_map_filters_by_grid_of_the_scope(overdue, client):
    a = overdue.world.a
    client.force_login(a.users["leader"])
    page = client.get(reverse("care:map")).content.decode()
    assert a.grid.name in page and _second_grid().name in page  # the grids of the subdistrict offered
    assert [p["area"] for p in _points(client, f"?grid={a.grid.pk}")] == ["A小区1号楼"]
    assert _points(client, f"?grid={_second_grid().pk}") == []
    both = _points(client, f"?grid={a.grid.pk}&risk=high")
    assert [(p["overdue"], p["high"]) for p in both] == [(1, 1)]
    assert f"grid={a.grid.pk}" in both[0]["url"] and "risk=high" in both[0]["url"]


@pytest.mark.parametrize(
    "query, message",
    [("?risk=urgent", "风险等级应为高、中或低。"), ("?grid=abc", "未找到该网格，或不在您的管辖范围内。")],
)
def test_a_bad_filter_is_a_400_in_chinese(overdue, client, query, message):
    client.force_login(overdue.world.a.users["leader"])
    response = client.get(reverse("care:map") + query)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_grid_outside_the_scope_is_refused(overdue, client):
    client.force_login(overdue.world.a.users["gridworker"])
    response = client.get(reverse("care:map") + f"?grid={overdue.world.b.grid.pk}")
    assert response.status_code == 400
    response = client.get(reverse("care:map") + f"?grid={_second_grid().pk}")  # not theirs
    assert response.status_code == 400


def test_a_click_on_a_building_lists_the_people_overdue_there(overdue, client):
    client.force_login(overdue.world.a.users["gridworker"])
    point = _points(client)[0]
    assert point["url"] == reverse("care:map_area", args=[overdue.building_a.pk])
    partial = client.get(point["url"], HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert "王秀英" in body and "陈阿婆" in body and "赵老伯" not in body  # not cared for
    assert "1390000****" not in body and "139****0001" in body  # phones masked as on a person's page
    assert body.count("记录联系") == 2 and ">2<" in body  # two days overdue
    page = client.get(point["url"])
    assert page.status_code == 200 and "<html" in page.content.decode() and "王秀英" in page.content.decode()
    high = client.get(_points(client, "?risk=high")[0]["url"], HTTP_HX_REQUEST="true").content.decode()
    assert "王秀英" in high and "陈阿婆" not in high


def test_the_click_through_is_scoped(overdue, client):
    url = reverse("care:map_area", args=[overdue.building_a.pk])
    client.force_login(overdue.world.b.users["gridworker"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("care:map_area", args=[_second_grid().pk])).status_code == 404
    client.force_login(overdue.world.a.users["dispatcher"])
    assert client.get(url).status_code == 403


def _queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return len(queries)


def test_the_map_and_its_list_keep_a_fixed_number_of_queries(overdue, client):
    client.force_login(overdue.world.a.users["leader"])
    area_url = reverse("care:map_area", args=[overdue.building_a.pk])
    _queries(client, reverse("care:map"))
    few = (_queries(client, reverse("care:map")), _queries(client, area_url, HTTP_HX_REQUEST="true"))
    for n in range(6):
        dwelling = registry.create_dwelling(actor=None, area=overdue.building_a, data={"room": f"{n + 5}02"})
        born = dt.date(1935 + n, 4, 1)
        resident = registry.register_resident(
            actor=None,
            dwelling=dwelling,
            data={"name": f"独居老人{n}", "id_number": person_id(20 + n, born), "birth_date": born},
        )
        with time_machine.travel(at(MONDAY, 9), tick=False):
            services.enrol(
                actor=overdue.world.a.users["leader"], resident=resident, risk="medium", reasons="邻居反映"
            )
    many = (_queries(client, reverse("care:map")), _queries(client, area_url, HTTP_HX_REQUEST="true"))
    assert "独居老人5" in client.get(area_url, HTTP_HX_REQUEST="true").content.decode()
    assert many == few
