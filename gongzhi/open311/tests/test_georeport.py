"""GeoReport v2 conformance: every endpoint in both formats, and every error."""

import datetime as dt
import json

import pytest
from defusedxml import ElementTree as SafeET
from django.utils import timezone

from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case, Source, Status
from gongzhi.open311.models import RequestRecord
from gongzhi.open311.tests.helpers import A_POINT, B_POINT, file_staff_case

BASE = "/open311/v2"


def post(client, key, fmt="json", **fields):
    data = {"api_key": key.secret, "service_code": "0101", "description": "楼道里飞线充电", **A_POINT}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data)


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return SafeET.fromstring(response.content)


def error_code(response, fmt):
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and set(body[0]) == {"code", "description"}
        return body[0]["code"]
    root = xml(response)
    assert root.tag == "errors" and root[0].tag == "error"
    assert root.find("error/description").text
    return int(root.find("error/code").text)


@pytest.fixture
def filed(world, key_a, client):
    response = post(
        client, key_a, phone="13812345678", first_name="明", last_name="王", email="w@example.com"
    )
    assert response.status_code == 201, response.content
    return Case.objects.get(number=response.json()[0]["service_request_id"])


# ---------------------------------------------------------------- discovery and services


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_lists_the_v2_endpoint_in_both_formats(world, client, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        endpoint = response.json()["endpoints"][0]
        assert endpoint["url"].endswith("/open311/v2")
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        root = xml(response)
        assert root.tag == "discovery"
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_leaf_categories(world, client, attributes, fmt):
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        (service,) = response.json()
        assert service == {
            "service_code": "0101",
            "service_name": "飞线充电",
            "description": "",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "市容环境",
        }
    else:
        root = xml(response)
        assert root.tag == "services"
        assert [s.findtext("service_code") for s in root.findall("service")] == ["0101"]
        assert root.findtext("service/metadata") == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_lists_attributes_in_order(world, client, attributes, fmt):
    response = client.get(f"{BASE}/services/0101.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        body = response.json()
        assert body["service_code"] == "0101"
        assert [a["code"] for a in body["attributes"]] == ["floor", "kind", "hazards"]
        assert body["attributes"][1]["values"] == [
            {"key": "ebike", "name": "电瓶车"},
            {"key": "car", "name": "电动汽车"},
        ]
        assert body["attributes"][0]["required"] is True
    else:
        root = xml(response)
        assert root.tag == "service_definition"
        assert [a.findtext("datatype") for a in root.findall("attributes/attribute")] == [
            "number",
            "singlevaluelist",
            "multivaluelist",
        ]
        assert root.findtext("attributes/attribute[2]/values/value[1]/key") == "ebike"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404(world, client, fmt):
    response = client.get(f"{BASE}/services/9999.{fmt}")
    assert response.status_code == 404 and error_code(response, fmt) == 404


def test_top_level_category_is_not_a_service(world, client):
    assert client.get(f"{BASE}/services/01.json").status_code == 404


# ---------------------------------------------------------------- POST requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_files_a_case_through_the_case_service(world, client, key_a, fmt):
    response = post(client, key_a, fmt)
    assert response.status_code == 201
    if fmt == "json":
        (body,) = response.json()
        number = body["service_request_id"]
        assert body["service_notice"] and body["token"]
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        number = root.findtext("request/service_request_id")
        assert root.findtext("request/service_notice")
    case = Case.objects.get(number=number)
    assert case.source == Source.OPEN311 and case.status == Status.REPORTED
    assert case.area == world.a.estate  # the deepest area under the point
    assert case.reported_by == key_a.actor
    assert [e.action for e in case.events.all()] == ["report"]


def test_post_keeps_contact_details_and_attributes_off_the_case_timeline(world, client, key_a, attributes):
    response = post(
        client,
        key_a,
        email="li@example.com",
        device_id="dev-1",
        account_id="acc-9",
        first_name="四",
        last_name="李",
        phone="13900001111",
        media_url="https://img.example.com/1.jpg",
        **{"attribute[floor]": "3", "attribute[kind]": "ebike", "attribute[hazards][]": ["fire", "wire"]},
    )
    assert response.status_code == 201, response.content
    record = RequestRecord.objects.get()
    assert record.case.reporter_name == "李 四" and record.case.reporter_phone == "13900001111"
    assert record.email == "li@example.com" and record.device_id == "dev-1"
    assert record.attributes == {"floor": "3", "kind": "ebike", "hazards": ["fire", "wire"]}
    assert response.json()[0]["account_id"] == "acc-9"


def test_post_by_address_string_files_under_the_keys_subdistrict(world, client, key_a):
    response = post(client, key_a, lat=None, long=None, address_string="华阳路 100 弄 3 号")
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.area == world.a.subdistrict and case.address == "华阳路 100 弄 3 号"


def test_post_by_address_id_files_under_that_area(world, client, key_a):
    response = post(client, key_a, lat=None, long=None, address_id="A-N2")
    assert response.status_code == 201
    assert Case.objects.get().area == world.a.other_neighbourhood


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"api_key": None}, 403),
        ({"api_key": "gzk_deadbeef_nope"}, 403),
        ({"service_code": None}, 400),
        ({"service_code": "9999"}, 404),
        ({"lat": None, "long": None}, 400),
        ({"long": None}, 400),
        ({"lat": "abc"}, 400),
        ({"lat": "95"}, 400),
        (B_POINT, 400),  # outside the key's subdistrict
        ({"address_id": "B-N1", "lat": None, "long": None}, 400),
        ({"description": "很" * 4001}, 400),
        ({"email": "not-an-email"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"phone": "12ab"}, 400),
        ({"jurisdiction_id": "NOPE"}, 404),
        ({"jurisdiction_id": "B"}, 403),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors_are_shaped_per_spec_and_file_nothing(world, client, key_a, fields, status, fmt):
    response = post(client, key_a, fmt, **fields)
    assert response.status_code == status, response.content
    assert error_code(response, fmt) == status
    assert not Case.objects.exists()


def test_required_attribute_missing_is_400(world, client, key_a, attributes):
    response = post(client, key_a)
    assert response.status_code == 400
    assert "floor" in response.json()[0]["description"]


@pytest.mark.parametrize(
    "fields",
    [
        {"attribute[floor]": "three"},
        {"attribute[floor]": "3", "attribute[kind]": "bike"},
        {"attribute[floor]": "3", "attribute[hazards][]": ["fire", "smoke"]},
    ],
)
def test_bad_attribute_values_are_400(world, client, key_a, attributes, fields):
    assert post(client, key_a, **fields).status_code == 400
    assert not Case.objects.exists()


def test_revoked_key_is_refused(world, client, key_a):
    from gongzhi.open311 import services

    services.revoke_key(key=key_a, actor=None)
    assert post(client, key_a).status_code == 403


def test_rate_limit_answers_429_in_spec_shape(world, client, key_a):
    key_a.rate_limit = 2
    key_a.save()
    assert post(client, key_a).status_code == 201
    assert post(client, key_a).status_code == 201
    response = post(client, key_a, "xml")
    assert response.status_code == 429 and error_code(response, "xml") == 429
    assert Case.objects.count() == 2


def test_get_on_post_only_method_is_405(world, client):
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405


# ---------------------------------------------------------------- GET requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_request_is_a_one_element_list_with_every_field(world, client, filed, fmt):
    response = client.get(f"{BASE}/requests/{filed.number}.{fmt}")
    assert response.status_code == 200
    fields = [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    if fmt == "json":
        (row,) = response.json()
        assert list(row) == fields
        assert row["status"] == "open" and row["lat"] == 31.2005
        assert row["requested_datetime"].endswith("+08:00")
    else:
        root = xml(response)
        (request,) = root.findall("request")
        assert [child.tag for child in request] == fields
        assert request.findtext("service_request_id") == filed.number


def test_public_output_never_shows_the_reporter(world, client, filed):
    body = client.get(f"{BASE}/requests/{filed.number}.json").content.decode()
    for secret in ("13812345678", "王", "w@example.com", "明", "open311-"):
        assert secret not in body


def test_phone_numbers_in_a_description_are_masked(world, client, key_a):
    post(client, key_a, description="请联系 13912345678，身份证 310101199001011234")
    row = client.get(f"{BASE}/requests.json").json()[0]
    assert "13912345678" not in row["description"] and "139****5678" in row["description"]
    assert "310101199001011234" not in row["description"]


@pytest.mark.parametrize(
    "moment",
    [
        # Inside working hours the deadline keeps the intake's seconds and microseconds (the
        # output is to the second); outside them it starts at the next working morning.
        dt.datetime(2026, 11, 25, 10, 17, 42, 654321, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        dt.datetime(2026, 11, 25, 21, 5, 3, 120000, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    ],
    ids=["working-hours", "evening"],
)
def test_expected_datetime_follows_the_case_deadline(world, client, key_a, moment):
    import time_machine

    with time_machine.travel(moment, tick=False):
        filed = Case.objects.get(number=post(client, key_a).json()[0]["service_request_id"])
        row = client.get(f"{BASE}/requests/{filed.number}.json").json()[0]
    due = dt.datetime.fromisoformat(row["expected_datetime"])
    assert due == filed.response_due.replace(microsecond=0)
    assert due > moment


def test_closed_case_reads_closed_with_the_reply_as_notes(world, client, filed):
    a = world.a
    case = case_services.assign_case(case=filed, actor=a.users["dispatcher"], tier=3, unit=a.department)
    case = case_services.reply_case(case=case, actor=a.users["handler"], text="已拆除飞线，安装充电桩")
    case = case_services.verify_case(case=case, actor=a.users["dispatcher"], passed=True, note="现场已整改")
    case_services.close_case(case=case, actor=a.users["dispatcher"])
    row = client.get(f"{BASE}/requests/{filed.number}.json").json()[0]
    assert row["status"] == "closed"
    assert row["status_notes"] == "已拆除飞线，安装充电桩"
    assert row["agency_responsible"] == "A城管中队"
    assert client.get(f"{BASE}/requests.json?status=closed").json()[0]["service_request_id"] == filed.number
    assert client.get(f"{BASE}/requests.json?status=open").json() == []


def _staff_case(world, side, days_ago=0):
    return file_staff_case(world, side, now=timezone.now() - dt.timedelta(days=days_ago))


def test_requests_default_to_the_last_90_days(world, client):
    recent = _staff_case(world, world.a, days_ago=3)
    _staff_case(world, world.a, days_ago=120)
    ids = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert ids == [recent.number]


def test_requests_by_date_range(world, client):
    old = _staff_case(world, world.a, days_ago=120)
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    response = client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})
    assert [r["service_request_id"] for r in response.json()] == [old.number]


def test_service_request_id_list_overrides_the_other_filters(world, client):
    old = _staff_case(world, world.a, days_ago=120)
    new = _staff_case(world, world.a)
    response = client.get(
        f"{BASE}/requests.json", {"service_request_id": f"{old.number},{new.number}", "status": "closed"}
    )
    assert {r["service_request_id"] for r in response.json()} == {old.number, new.number}


def test_service_code_filter(world, client):
    _staff_case(world, world.a)
    assert client.get(f"{BASE}/requests.json?service_code=0102").json() == []
    assert len(client.get(f"{BASE}/requests.json?service_code=0102,0101").json()) == 1


def test_page_and_page_size(world, client):
    cases = [_staff_case(world, world.a, days_ago=d) for d in (1, 2, 3)]
    first = client.get(f"{BASE}/requests.json?page_size=2").json()
    second = client.get(f"{BASE}/requests.json?page_size=2&page=2").json()
    assert [r["service_request_id"] for r in first + second] == [c.number for c in cases]


def test_jurisdiction_id_limits_to_that_subdistrict(world, client):
    a_case, b_case = _staff_case(world, world.a), _staff_case(world, world.b)
    ids = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?jurisdiction_id=B").json()]
    assert ids == [b_case.number]
    assert client.get(f"{BASE}/requests/{a_case.number}.json?jurisdiction_id=B").status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("start_date=yesterday", 400),
        ("end_date=2026-13-45T00:00:00Z", 400),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", 400),
        ("status=pending", 400),
        ("page=0", 400),
        ("page_size=abc", 400),
        ("jurisdiction_id=NOPE", 404),
        ("api_key=gzk_00000000_bad", 403),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_errors(world, client, query, status, fmt):
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == status
    assert error_code(response, fmt) == status


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404(world, client, fmt):
    response = client.get(f"{BASE}/requests/NOPE123.{fmt}")
    assert response.status_code == 404 and error_code(response, fmt) == 404


# ---------------------------------------------------------------- keys and scope


def test_a_b_key_never_sees_a_cases(world, client, key_a, key_b):
    a_case = _staff_case(world, world.a)
    b_case = _staff_case(world, world.b)
    rows = client.get(f"{BASE}/requests.json", {"api_key": key_b.secret}).json()
    assert [r["service_request_id"] for r in rows] == [b_case.number]
    listed = client.get(
        f"{BASE}/requests.json", {"api_key": key_b.secret, "service_request_id": a_case.number}
    )
    assert listed.json() == []
    one = client.get(f"{BASE}/requests/{a_case.number}.json", {"api_key": key_b.secret})
    assert one.status_code == 404
    updates = client.get(f"{BASE}/servicerequestupdates.json", {"api_key": key_b.secret}).json()
    assert {u["service_request_id"] for u in updates} <= {b_case.number}


def test_b_key_cannot_file_in_a(world, client, key_b):
    response = post(client, key_b)  # the point lies in A
    assert response.status_code == 400 and not Case.objects.exists()


def test_private_deployment_needs_a_key_to_read(world, client, key_a, settings):
    settings.GONGZHI_OPEN311_PUBLIC_READ = False
    _staff_case(world, world.a)
    assert client.get(f"{BASE}/requests.json").status_code == 403
    assert len(client.get(f"{BASE}/requests.json", {"api_key": key_a.secret}).json()) == 1


# ---------------------------------------------------------------- tokens and updates


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_token_resolves_to_the_request_id(world, client, key_a, fmt):
    token = post(client, key_a).json()[0]["token"]
    response = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert response.status_code == 200
    number = Case.objects.get().number
    if fmt == "json":
        assert response.json() == [{"service_request_id": number, "token": token}]
    else:
        assert xml(response).findtext("request/service_request_id") == number
    assert client.get(f"{BASE}/tokens/nope.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_updates_since_a_date(world, client, filed, fmt):
    a = world.a
    case_services.accept_case(case=filed, actor=a.users["dispatcher"], note="内部备注：联系王先生")
    case = case_services.assign_case(case=filed, actor=a.users["dispatcher"], tier=3, unit=a.department)
    case_services.add_note(case=case, actor=a.users["dispatcher"], note="内部备注")
    case_services.reply_case(case=case, actor=a.users["handler"], text="已处理")
    start = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}", {"start_date": start})
    assert response.status_code == 200
    if fmt == "json":
        rows = response.json()
        assert [r["status"] for r in rows] == ["INVESTIGATING", "IN_PROGRESS", "IN_PROGRESS"]
        assert rows[-1]["description"] == "已处理"
        assert set(rows[0]) == {
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
        }
        assert "内部备注" not in json.dumps(rows, ensure_ascii=False)
    else:
        root = xml(response)
        assert root.tag == "service_request_updates"
        assert len(root.findall("request_update")) == 3


def test_service_request_updates_bad_date_is_400(world, client):
    response = client.get(f"{BASE}/servicerequestupdates.xml?start_date=soon")
    assert response.status_code == 400 and error_code(response, "xml") == 400


def test_unknown_format_is_not_routed(world, client):
    assert client.get(f"{BASE}/services.csv").status_code == 404


def test_control_characters_do_not_break_the_xml(world, client, key_a):
    assert post(client, key_a, description="楼道\x00飞线").status_code == 400  # NUL: refused
    assert post(client, key_a, description="楼道\x1b飞线\x08充电").status_code == 201
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.findtext("request/description") == "楼道飞线充电"


def test_request_list_query_count_does_not_grow_with_rows(world, client, django_assert_max_num_queries):
    for _ in range(6):
        _staff_case(world, world.a)
    with django_assert_max_num_queries(3):
        assert len(client.get(f"{BASE}/requests.json").json()) == 6


@pytest.mark.parametrize(
    "start",
    [
        "2026-01-01T00:00:00Z",
        "2026-01-01T08:00:00+08:00",
        "2026-01-01T08:00:00 08:00",
        "2026-01-01 00:00:00",
        "2026-01-01",
    ],
)
def test_start_date_forms_are_accepted(world, client, start):
    assert client.get(f"{BASE}/requests.json", {"start_date": start}).status_code == 200


@pytest.mark.parametrize(
    "path", ["services", "services/0101", "requests", "requests/X1", "tokens/t1", "servicerequestupdates"]
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_read_endpoint_checks_jurisdiction(world, client, path, fmt):
    response = client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": "NOPE"})
    assert response.status_code == 404 and error_code(response, fmt) == 404


@pytest.mark.parametrize("path", ["requests", "requests/X1", "tokens/t1", "servicerequestupdates"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_request_read_refuses_a_bad_key(world, client, path, fmt):
    response = client.get(f"{BASE}/{path}.{fmt}", {"api_key": "gzk_12345678_wrong"})
    assert response.status_code == 403 and error_code(response, fmt) == 403


@pytest.mark.parametrize(
    "path", ["discovery", "services", "services/0101", "requests/X1", "servicerequestupdates"]
)
def test_post_on_read_endpoints_is_405_in_spec_shape(world, client, path):
    response = client.post(f"{BASE}/{path}.xml", {})
    assert response.status_code == 405 and error_code(response, "xml") == 405
