"""Open311 from the outside: the `georeport` client from PyPI against a live server, and plain
form-encoded HTTP posted the way the spec's examples do."""

import pytest
import requests
from georeport import GeoReport

from gongzhi.open311 import services
from gongzhi.open311.models import ServiceAttribute
from gongzhi.testing import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(live_server):
    world = build_world()
    ServiceAttribute.objects.create(
        category=world.category, code="floor", datatype="number", description="所在楼层", order=1
    )
    key, secret = services.issue_key(name="spec client", subdistrict=world.a.subdistrict, actor=None)
    return {"root": f"{live_server.url}/open311/v2", "secret": secret, "world": world}


def post_spec_example(live, fmt="xml"):
    # As in the spec: POST https://[API endpoint]/requests.xml, application/x-www-form-urlencoded,
    # api_key, service_code, lat, long, address_string, email, device_id, account_id, first_name,
    # last_name, phone, description, media_url and attribute[CODE].
    body = (
        f"api_key={live['secret']}&service_code=0101&lat=31.2005&long=121.4005"
        "&address_string=%E5%8D%8E%E9%98%B3%E8%B7%AF100%E5%BC%84&email=smit333%40sfgov.edu"
        "&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=13812345678"
        "&description=%E6%A5%BC%E9%81%93%E9%A3%9E%E7%BA%BF%E5%85%85%E7%94%B5"
        "&media_url=http%3A%2F%2Fexample.com%2Fphoto.jpg&attribute%5Bfloor%5D=3"
    )
    return requests.post(
        f"{live['root']}/requests.{fmt}",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=10,
    )


def test_plain_http_post_exactly_as_the_spec_examples(live):
    response = post_spec_example(live)
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("text/xml")
    assert b"<service_requests><request><service_request_id>" in response.content


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_everything(live, fmt):
    number = post_spec_example(live, "json").json()[0]["service_request_id"]
    client = GeoReport(live["root"], output_format=fmt)
    services_list = client.get_service_list()
    service = services_list[0] if isinstance(services_list, list) else services_list
    assert service["service_code"] == "0101"
    definition = client.get_service_definition("0101")
    attribute = definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
    assert attribute["code"] == "floor"
    rows = client.get_service_requests(status="open", service_code="0101")
    row = rows[0] if isinstance(rows, list) else rows
    assert row["service_request_id"] == number
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert "john" not in str(one) and "13812345678" not in str(one)


def test_georeport_client_with_jurisdiction(live):
    post_spec_example(live, "json")
    assert GeoReport(live["root"], jurisdiction="B").get_service_requests() == []
    assert len(GeoReport(live["root"], jurisdiction="A").get_service_requests()) == 1
