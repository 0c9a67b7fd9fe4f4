"""Tag settings, tag-list export and reveal through htmx, for every role where it matters."""

import pytest
from django.urls import reverse

from gongzhi.accounts.models import AccessLog
from gongzhi.registry import services
from gongzhi.territory.services import create_area

from .conftest import person_id
from .test_pages import ROLES


@pytest.fixture
def second_neighbourhood_resident(reg):
    """Someone in subdistrict A's second neighbourhood, outside the A neighbourhood user's scope."""
    estate = create_area(code="A-E3", name="A三小区", kind="estate", parent=reg.world.a.other_neighbourhood)
    dwelling = services.create_dwelling(actor=None, area=estate, data={"room": "7"})
    return services.register_resident(
        actor=None, dwelling=dwelling, data={"name": "赵二居", "id_number": person_id(4)}
    )


@pytest.mark.parametrize("role", ROLES)
def test_tag_settings_only_for_the_leadership(client, reg, role):
    client.force_login(reg.world.a.users[role])
    assert client.get(reverse("registry:manage_tags")).status_code == (200 if role == "leader" else 403)


def test_leader_adds_and_stops_a_tag(client, reg):
    from gongzhi.registry.models import Tag

    services.tag_resident(actor=None, resident=reg.resident_a, tag=reg.alone_a)
    client.force_login(reg.world.a.users["leader"])
    page = client.get(reverse("registry:manage_tags")).content.decode()
    assert "独居" in page and "<td>1</td>" in page  # one current holder
    assert (
        client.post(reverse("registry:manage_tags"), {"group": reg.group_a.pk, "name": "重病"}).status_code
        == 302
    )
    assert Tag.objects.filter(group=reg.group_a, name="重病", subdistrict=reg.world.a.subdistrict).exists()
    duplicate = client.post(reverse("registry:manage_tags"), {"group": reg.group_a.pk, "name": "重病"})
    assert duplicate.status_code == 409
    client.post(reverse("registry:manage_tags"), {"toggle": reg.alone_a.pk})
    reg.alone_a.refresh_from_db()
    assert not reg.alone_a.active
    client.force_login(reg.world.b.users["leader"])  # another subdistrict's groups are not found
    assert (
        client.post(reverse("registry:manage_tags"), {"group": reg.group_a.pk, "name": "越权"}).status_code
        == 404
    )


def test_tag_list_export_is_masked_scoped_and_logged(client, reg, second_neighbourhood_resident):
    services.tag_resident(actor=None, resident=reg.resident_a, tag=reg.alone_a)
    services.tag_resident(actor=None, resident=second_neighbourhood_resident, tag=reg.alone_a)
    client.force_login(reg.world.a.users["neighbourhood"])
    response = client.get(reverse("registry:tags"), {"tag": reg.alone_a.pk, "export": "csv"})
    body = response.content.decode("utf-8-sig")
    assert "王秀英" in body and "赵二居" not in body  # the other neighbourhood is out of scope
    assert person_id(1) not in body and "139****1111" in body
    log = AccessLog.objects.get()
    assert (
        log.action == "export:masked"
        and log.object_type == f"residents:tags:{reg.alone_a.pk}"
        and log.object_id == "1"
    )
    client.force_login(reg.world.a.users["gridworker"])  # may list, may not export
    assert client.get(reverse("registry:tags"), {"tag": reg.alone_a.pk, "export": "csv"}).status_code == 403


def test_refused_reveal_through_htmx_says_why_in_place(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    url = reverse("registry:reveal", args=["resident", reg.resident_a.pk, "phone"])
    response = client.post(url, {"reason": "看看"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "权限" in response.content.decode()
    assert "13900001111" not in response.content.decode() and not AccessLog.objects.exists()
