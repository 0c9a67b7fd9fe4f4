"""Training, awards and evaluations of a volunteer (民政部令67号): added through one service by
those who manage volunteers, refused with a Chinese message and nothing written for bad input,
listed per volunteer on a staff page and in the API, scoped like the volunteers."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import AuditEvent
from gongzhi.core.errors import Conflict, NotAllowed
from gongzhi.open311 import services as tokens
from gongzhi.registry.validators import FieldError
from gongzhi.volunteers import export, services
from gongzhi.volunteers.models import Credential

TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 5, 20, 10)), tick=False):
        yield


def _add(vol, **overrides):
    values = {
        "actor": vol.manager,
        "volunteer": vol.alice,
        "kind": "training",
        "title": "急救员培训",
        "on": TODAY - dt.timedelta(days=3),
        "note": "红十字会，取得救护员证",
    }
    return services.add_credential(**{**values, **overrides})


def test_a_manager_adds_a_training_with_its_audit_row(vol, frozen):
    credential = _add(vol)
    assert (credential.kind, credential.title, credential.recorded_by) == (
        "training",
        "急救员培训",
        vol.manager,
    )
    event = AuditEvent.objects.get(action="volunteer.credential_add")
    assert event.object_id == str(vol.alice.pk) and event.data["credential"] == credential.pk


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"kind": "diploma"}, "kind", "类别应为培训、表彰奖励或服务评价。"),
        ({"title": "  "}, "title", "请填写名称。"),
        ({"on": None}, "on", "请填写日期。"),
        ({"on": TODAY + dt.timedelta(days=1)}, "on", "日期不能晚于今天。"),
        ({"note": "很" * 201}, "note", "说明不能超过200字。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(vol, frozen, overrides, field, message):
    with pytest.raises(FieldError) as refused:
        _add(vol, **overrides)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert not Credential.objects.exists()
    assert not AuditEvent.objects.filter(action="volunteer.credential_add").exists()


def test_the_same_credential_twice_is_refused(vol, frozen):
    _add(vol)
    with pytest.raises(Conflict) as refused:
        _add(vol, note="重复提交")
    assert refused.value.message == "该记录已登记过。"
    assert Credential.objects.count() == 1
    assert AuditEvent.objects.filter(action="volunteer.credential_add").count() == 1
    _add(vol, on=TODAY)  # the same training on another day is another record
    assert Credential.objects.count() == 2


@pytest.mark.parametrize("role", ["gridworker", "auditor", "dispatcher"])
def test_only_those_who_manage_volunteers_add(vol, frozen, role):
    with pytest.raises(NotAllowed):
        _add(vol, actor=vol.world.a.users[role])
    assert not Credential.objects.exists()


def test_a_manager_of_another_subdistrict_may_not_add(vol, frozen):
    with pytest.raises(NotAllowed):
        _add(vol, actor=vol.world.b.users["neighbourhood"])


def test_the_page_lists_and_adds(vol, client, frozen):
    _add(vol, actor=vol.leader, kind="award", title="优秀志愿者", note="街道年度表彰")
    client.force_login(vol.manager)
    url = reverse("volunteers:credentials", args=[vol.alice.pk])
    page = client.get(url).content.decode()
    assert "优秀志愿者" in page and "表彰奖励" in page and 'name="title"' in page
    response = client.post(url, {"kind": "evaluation", "title": "服务对象好评", "on": "2026-05-18"})
    assert response.status_code == 302
    assert Credential.objects.filter(volunteer=vol.alice, kind="evaluation", on=dt.date(2026, 5, 18)).exists()
    assert "服务对象好评" in client.get(reverse("volunteers:detail", args=[vol.alice.pk])).content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "training", "title": "急救员培训", "on": "2026-13-40"}, "日期格式应为 2026-01-31。"),
        ({"kind": "training", "title": "急救员培训", "on": "2026-06-01"}, "日期不能晚于今天。"),
        ({"kind": "training", "title": "", "on": "2026-05-01"}, "请填写名称。"),
        ({"kind": "", "title": "急救员培训", "on": "2026-05-01"}, "类别应为培训、表彰奖励或服务评价。"),
    ],
)
def test_a_bad_form_shows_the_message_keeps_the_input_and_writes_nothing(vol, client, frozen, data, message):
    client.force_login(vol.manager)
    response = client.post(reverse("volunteers:credentials", args=[vol.alice.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert f'value="{data["title"]}"' in page
    assert not Credential.objects.exists()


def test_a_reader_sees_the_list_without_the_form_and_may_not_post(vol, client, frozen):
    _add(vol)
    client.force_login(vol.gridworker)
    url = reverse("volunteers:credentials", args=[vol.alice.pk])
    page = client.get(url).content.decode()
    assert "急救员培训" in page and 'name="title"' not in page
    response = client.post(url, {"kind": "award", "title": "优秀志愿者", "on": "2026-05-01"})
    assert response.status_code == 403
    assert Credential.objects.count() == 1


def test_the_page_of_a_volunteer_out_of_scope_is_not_found(vol, client):
    client.force_login(vol.manager)
    assert client.get(reverse("volunteers:credentials", args=[vol.other.pk])).status_code == 404
    client.force_login(vol.world.a.users["dispatcher"])
    assert client.get(reverse("volunteers:credentials", args=[vol.alice.pk])).status_code == 404


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_queries_do_not_grow_with_rows(vol, client, frozen):
    client.force_login(vol.manager)
    url = reverse("volunteers:credentials", args=[vol.alice.pk])
    _add(vol)
    _page_queries(client, url)
    few = _page_queries(client, url)
    for n in range(12):
        _add(vol, actor=vol.leader if n % 2 else vol.manager, title=f"培训{n}")
    assert _page_queries(client, url) == few


def _token(user):
    _token, secret = tokens.issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_lists_and_adds_with_its_statuses(vol, client, frozen):
    manager = _token(vol.manager)
    url = f"/api/volunteers/volunteers/{vol.alice.pk}/credentials"

    def post(data, headers=manager):
        return client.post(url, json.dumps(data), content_type="application/json", **headers)

    created = post({"kind": "award", "title": "优秀志愿者", "on": "2026-05-01", "note": "街道年度表彰"})
    assert created.status_code == 201 and created.json()["kind"] == "award"
    assert post({"kind": "award", "title": "优秀志愿者", "on": "2026-05-01"}).status_code == 409
    future = post({"kind": "award", "title": "优秀志愿者", "on": "2026-06-01"})
    assert future.status_code == 400 and future.json()["message"] == "日期不能晚于今天。"
    assert future.json()["details"] == {"field": "on"}
    assert post({"kind": "x", "title": "优秀志愿者", "on": "2026-05-01"}).status_code == 400
    assert (
        post({"kind": "award", "title": "优秀志愿者", "on": "2026-05-01"}, _token(vol.gridworker)).status_code
        == 403
    )
    listed = client.get(url, **_token(vol.gridworker)).json()
    assert [c["title"] for c in listed] == ["优秀志愿者"]
    other = f"/api/volunteers/volunteers/{vol.other.pk}/credentials"
    assert client.get(other, **manager).status_code == 404
    assert Credential.objects.count() == 1


def test_the_export_lists_what_the_service_added(vol, client, frozen):
    _add(vol)
    client.force_login(vol.leader)
    body = client.get(reverse("volunteers:export") + "?kind=credentials").content.decode("utf-8-sig")
    assert export.CREDENTIAL_FIELDS[0] in body and "急救员培训" in body and "培训" in body
