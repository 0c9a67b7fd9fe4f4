import pytest
from django.urls import reverse

from gongzhi.cases import services as case_services
from gongzhi.cases.models import Source
from gongzhi.territory import coords


def staff_case(world, side, **kwargs):
    params = dict(
        actor=side.users["gridworker"],
        category=world.category,
        title="飞线充电",
        description="巡查发现",
        source=Source.PATROL,
        area=side.neighbourhood,
    )
    params.update(kwargs)
    return case_services.create_case(**params)


def test_map_page_has_the_map_and_config(world, client):
    client.force_login(world.a.users["dispatcher"])
    response = client.get(reverse("map:map"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="map"' in page and 'id="map-config"' in page and "vendor/leaflet/leaflet.js" in page
    assert "gongzhi/map.js" in page and "http://" not in page and "https://" not in page


def test_map_needs_login_and_a_staff_role(world, client):
    assert client.get(reverse("map:map")).status_code == 302
    client.force_login(world.admin)  # the administrator sees no case content
    assert client.get(reverse("map:map")).status_code == 403
    assert client.get(reverse("map:points")).status_code == 403


def test_outlines_are_the_users_scope_only(world, client):
    client.force_login(world.a.users["gridworker"])  # scope: A's first grid
    data = client.get(reverse("map:outlines")).json()
    assert {f["properties"]["code"] for f in data["features"]} == {"A-G1", "A-N1"}


def test_points_are_scoped_coloured_and_link_to_the_case(world, client):
    with_point = staff_case(world, world.a, area=None, lat=31.2005, lng=121.4005)
    without = staff_case(world, world.a)
    staff_case(world, world.b)
    client.force_login(world.a.users["dispatcher"])
    features = client.get(reverse("map:points")).json()["features"]
    by_number = {f["properties"]["number"]: f for f in features}
    assert set(by_number) == {with_point.number, without.number}
    assert by_number[with_point.number]["geometry"]["coordinates"] == [121.4005, 31.2005]
    assert by_number[without.number]["properties"]["approximate"] is True
    props = by_number[with_point.number]["properties"]
    assert props["status"] == "reported" and props["overdue"] is False
    assert props["url"] == f"/cases/{with_point.number}/"


def test_points_follow_the_queue_filters(world, client):
    case = staff_case(world, world.a)
    client.force_login(world.a.users["dispatcher"])
    url = reverse("map:points")
    assert client.get(url, {"status": "closed"}).json()["features"] == []
    assert len(client.get(url, {"q": case.number}).json()["features"]) == 1
    assert client.get(url, {"area": world.a.other_neighbourhood.pk}).json()["features"] == []
    assert len(client.get(url, {"area": "junk", "tier": "9", "since": "nope"}).json()["features"]) == 1


def test_gcj02_setting_converts_what_the_map_draws(world, client, settings):
    settings.GONGZHI_TILE_GCJ02 = True
    staff_case(world, world.a, area=None, lat=31.2005, lng=121.4005)
    client.force_login(world.a.users["dispatcher"])
    (feature,) = client.get(reverse("map:points")).json()["features"]
    lat, lng = coords.wgs84_to_gcj02(31.2005, 121.4005)
    assert feature["geometry"]["coordinates"] == pytest.approx([lng, lat], abs=1e-7)


def test_mine_view_shows_what_the_user_reported(world, client):
    mine = staff_case(world, world.a)
    staff_case(world, world.a, actor=world.a.users["dispatcher"])
    client.force_login(world.a.users["gridworker"])
    features = client.get(reverse("map:points"), {"view": "mine"}).json()["features"]
    assert [f["properties"]["number"] for f in features] == [mine.number]
