"""The staff pages and the public map through the Django client."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.cobuilding.models import NeedState, PlaceState
from gongzhi.cobuilding.services import lists, network, places

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(net, world):
    leader = world.a.users["leader"]
    network.cover_unit(
        actor=leader, unit=net.firm_a, branch=net.branch_a, mode="own", started_on=dt.date(2026, 1, 5)
    )
    pairing = network.create_pairing(
        actor=leader,
        unit=net.firm_a,
        neighbourhood=world.a.neighbourhood,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    alliance = network.create_alliance(
        actor=leader, area=world.a.subdistrict, name="联盟", theme="other", founded_on=dt.date(2026, 1, 1)
    )
    resource = lists.offer_resource(
        actor=leader, organization=net.shop_a, category="elderly", title="为老人送午餐", capacity=10
    )
    need = lists.raise_need(
        actor=leader, area=world.a.neighbourhood, category="elderly", title="独居老人助餐", quantity=4
    )
    project = lists.create_project(
        actor=leader,
        area=world.a.neighbourhood,
        title="助餐点",
        lead=net.firm_a,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    place = places.nominate_place(
        actor=leader,
        kind="station",
        name="暖新巢",
        lat=31.2012,
        lng=121.4012,
        address="A路 1 号",
        opening_hours="24/7",
        amenities=["water", "charging"],
    )
    places.verify_place(actor=leader, place=place)
    places.publish_place(actor=leader, place=place)
    return {
        "pairing": pairing,
        "alliance": alliance,
        "resource": resource,
        "need": need,
        "project": project,
        "place": place,
    }


def test_every_staff_page_opens_for_the_leader(client, world, net, filled):
    client.force_login(world.a.users["leader"])
    urls = [
        reverse("cobuilding:index"),
        reverse("cobuilding:coverage"),
        reverse("cobuilding:coverage") + "?level=neighbourhood",
        reverse("cobuilding:pairings"),
        reverse("cobuilding:pairing", args=[filled["pairing"].pk]),
        reverse("cobuilding:alliances"),
        reverse("cobuilding:alliance", args=[filled["alliance"].pk]),
        reverse("cobuilding:needs"),
        reverse("cobuilding:need_new"),
        reverse("cobuilding:need", args=[filled["need"].pk]),
        reverse("cobuilding:resources"),
        reverse("cobuilding:resource", args=[filled["resource"].pk]),
        reverse("cobuilding:projects"),
        reverse("cobuilding:project", args=[filled["project"].pk]),
        reverse("cobuilding:unit", args=[net.firm_a.pk]),
        reverse("cobuilding:places"),
        reverse("cobuilding:place", args=[filled["place"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_other_subdistrict_gets_404_and_other_roles_403(client, world, filled):
    client.force_login(world.b.users["leader"])
    assert client.get(reverse("cobuilding:need", args=[filled["need"].pk])).status_code == 404
    assert client.get(reverse("cobuilding:place", args=[filled["place"].pk])).status_code == 404
    client.force_login(world.a.users["handler"])
    assert client.get(reverse("cobuilding:coverage")).status_code == 403
    assert client.get(reverse("cobuilding:need", args=[filled["need"].pk])).status_code == 200


def test_claiming_through_the_page(client, world, net, filled):
    client.force_login(world.a.users["leader"])
    need = filled["need"]
    page = client.get(reverse("cobuilding:need", args=[need.pk])).content.decode()
    assert "为老人送午餐" in page  # the matching resource is offered
    client.post(
        reverse("cobuilding:need_claim", args=[need.pk]), {"organization": net.shop_a.pk, "quantity": "2"}
    )
    need.refresh_from_db()
    assert (need.claimed, need.state) == (2, NeedState.PARTLY_CLAIMED)
    response = client.post(
        reverse("cobuilding:need_claim", args=[need.pk]),
        {"organization": net.shop_a.pk, "quantity": "9"},
        follow=True,
    )
    assert "超过" in response.content.decode()
    need.refresh_from_db()
    assert need.claimed == 2


def test_raising_a_need_with_bad_input_shows_the_message(client, world):
    client.force_login(world.a.users["neighbourhood"])
    response = client.post(
        reverse("cobuilding:need_new"),
        {"title": "x", "category": "elderly", "area": world.a.neighbourhood.pk, "quantity": "0"},
    )
    assert response.status_code == 422
    assert "所需数量" in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "cobuilding:needs",
        "cobuilding:resources",
        "cobuilding:places",
        "cobuilding:pairings",
        "cobuilding:projects",
    ],
)
def test_list_pages_make_the_same_number_of_queries_for_2_and_20_rows(client, world, net, name):
    leader = world.a.users["leader"]
    client.force_login(leader)

    def add(i):
        lists.raise_need(actor=leader, area=world.a.neighbourhood, category="elderly", title=f"需求{i}")
        lists.offer_resource(actor=leader, organization=net.shop_a, category="elderly", title=f"资源{i}")
        places.nominate_place(
            actor=leader,
            kind="water",
            name=f"饮水点{i}",
            lat=31.2012,
            lng=121.4012,
            address="A路",
            opening_hours="24/7",
        )
        network.create_pairing(
            actor=leader,
            unit=net.firm_a if i % 2 else net.shop_a,
            neighbourhood=world.a.neighbourhood,
            starts_on=dt.date(2000 + i, 1, 1),
            ends_on=dt.date(2000 + i, 12, 31),
        )
        lists.create_project(
            actor=leader,
            area=world.a.neighbourhood,
            title=f"项目{i}",
            lead=net.firm_a,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 2, 1),
        )

    for i in range(2):
        add(i)
    url = reverse(name)
    _queries(client, url)  # warm the session and caches
    few = _queries(client, url)
    for i in range(2, 20):
        add(i)
    assert _queries(client, url) == few


def test_public_geojson_lists_published_places_only(client, world, net, filled):
    places.nominate_place(
        actor=world.a.users["leader"],
        kind="toilet",
        name="未核验厕所",
        lat=31.2012,
        lng=121.4012,
        address="A路",
        opening_hours="24/7",
    )
    data = json.loads(client.get(reverse("cobuilding:map_geojson")).content)
    names = [f["properties"]["name"] for f in data["features"]]
    assert names == ["暖新巢"]
    props = data["features"][0]["properties"]
    assert props["always_open"] is True and props["open_now"] is True and props["open_intervals"]
    assert json.loads(client.get(reverse("cobuilding:map_services")).content)[0]["service_name"] == "暖新巢"


def test_public_map_manifest_and_service_worker(client):
    assert client.get(reverse("cobuilding:map")).status_code == 200
    assert json.loads(client.get(reverse("cobuilding:map_manifest")).content)["display"] == "standalone"
    sw = client.get(reverse("cobuilding:map_sw"))
    assert sw["Content-Type"].startswith("application/javascript")
    assert "places.geojson" in sw.content.decode()


def test_public_report_and_problem_form(client, world, filled):
    place = filled["place"]
    response = client.post(reverse("cobuilding:map_report", args=[place.pk]), {"kind": "closed"})
    assert response.status_code == 200 and place.reports.count() == 1
    assert (
        client.post(reverse("cobuilding:map_report", args=[place.pk]), {"kind": "bogus"}).status_code == 400
    )
    page = client.get(reverse("cobuilding:map_problem", args=[place.pk])).content.decode()
    assert 'value="31.2012"' in page and "暖新巢" in page
    response = client.post(
        reverse("cobuilding:map_problem", args=[place.pk]),
        {
            "category": world.category.pk,
            "title": "暖新巢门口飞线充电",
            "description": "驿站门口有人拉线充电",
            "lat": place.lat,
            "lng": place.lng,
            "address": place.address,
            "reporter_phone": "13900001111",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    place.refresh_from_db()
    assert place.state == PlaceState.PUBLISHED
