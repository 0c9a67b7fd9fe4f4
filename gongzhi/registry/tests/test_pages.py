"""Every registry page for every role, in and out of scope: nothing leaks in lists or counts."""

import pytest
from django.conf import settings
from django.urls import reverse

from gongzhi.accounts.models import AccessLog
from gongzhi.registry import import_jobs, services
from gongzhi.territory.services import create_area

from .conftest import person_id

VIEWERS = {"auditor", "leader", "dispatcher", "neighbourhood", "gridworker"}
ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]


@pytest.fixture
def other_nb(reg):
    """A resident of subdistrict A's second neighbourhood: outside the A neighbourhood user's scope."""
    estate = create_area(code="A-E2", name="A二小区", kind="estate", parent=reg.world.a.other_neighbourhood)
    dwelling = services.create_dwelling(actor=None, area=estate, data={"room": "9"})
    return services.register_resident(
        actor=None, dwelling=dwelling, data={"name": "赵二居", "id_number": person_id(3)}
    )


def _get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args))


@pytest.mark.parametrize("role", ROLES)
def test_registry_home_by_role(client, reg, role):
    response = _get(client, reg.world.a.users[role], "registry:index")
    if role in VIEWERS:
        assert response.status_code == 200
        body = response.content.decode()
        assert "王秀英" in body and "李建国" not in body
        assert person_id(1) not in body and "13900001111" not in body
        assert "139****1111" in body
    else:
        assert response.status_code == 403


def test_admin_sees_no_registry(client, reg):
    assert _get(client, reg.world.admin, "registry:index").status_code == 403


def test_counts_and_lists_follow_the_neighbourhood_scope(client, reg, other_nb):
    client.force_login(reg.world.a.users["neighbourhood"])
    body = client.get(reverse("registry:index")).content.decode()
    assert "赵二居" not in body
    assert "实有人口 <strong>1</strong>" in body
    client.force_login(reg.world.a.users["leader"])
    body = client.get(reverse("registry:index")).content.decode()
    assert "赵二居" in body and "实有人口 <strong>2</strong>" in body
    assert client.get(reverse("registry:index"), {"q": "赵"}).content.decode().count("赵二居") == 1


@pytest.mark.parametrize("role", ROLES)
def test_resident_card_in_and_out_of_scope(client, reg, other_nb, role):
    user = reg.world.a.users[role]
    inside = _get(client, user, "registry:resident", reg.resident_a.pk)
    assert inside.status_code == (200 if role in VIEWERS else 404)
    assert _get(client, user, "registry:resident", reg.resident_b.pk).status_code == 404
    expected_other = 200 if role in VIEWERS - {"neighbourhood", "gridworker"} else 404
    assert _get(client, user, "registry:resident", other_nb.pk).status_code == expected_other


def test_card_shows_masked_values_and_reveal_only_to_allowed(client, reg):
    body = _get(
        client, reg.world.a.users["gridworker"], "registry:resident", reg.resident_a.pk
    ).content.decode()
    assert "310***********" in body and person_id(1) not in body and "查看完整" not in body
    body = _get(
        client, reg.world.a.users["neighbourhood"], "registry:resident", reg.resident_a.pk
    ).content.decode()
    assert "查看完整" in body


def test_reveal_through_the_page_is_logged(client, reg):
    user = reg.world.a.users["neighbourhood"]
    client.force_login(user)
    url = reverse("registry:reveal", args=["resident", reg.resident_a.pk, "id_number"])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "核实低保资格"})
    assert response.status_code == 200 and person_id(1) in response.content.decode()
    assert {"no-store", "private"} <= {p.strip() for p in response["Cache-Control"].split(",")}
    assert AccessLog.objects.filter(user=user, action="reveal:id_number", reason="核实低保资格").count() == 1


@pytest.mark.parametrize("role", ["gridworker", "dispatcher", "auditor"])
def test_reveal_refused_for_roles_without_right(client, reg, role):
    client.force_login(reg.world.a.users[role])
    url = reverse("registry:reveal", args=["resident", reg.resident_a.pk, "phone"])
    assert client.post(url, {"reason": "想看"}).status_code == 403
    assert not AccessLog.objects.exists()


def test_reveal_of_other_subdistrict_is_not_found(client, reg):
    client.force_login(reg.world.a.users["leader"])
    url = reverse("registry:reveal", args=["resident", reg.resident_b.pk, "phone"])
    assert client.post(url, {"reason": "核实"}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_dwelling_and_organization_pages(client, reg, role):
    org_b = services.create_organization(
        actor=None, area=reg.world.b.neighbourhood, data={"name": "B单位", "kind": "商户"}
    )
    org_a = services.create_organization(
        actor=None, area=reg.world.a.neighbourhood, data={"name": "A单位", "kind": "商户"}
    )
    user = reg.world.a.users[role]
    ok = 200 if role in VIEWERS else 404
    assert _get(client, user, "registry:dwelling", reg.dwelling_a.pk).status_code == ok
    assert _get(client, user, "registry:dwelling", reg.dwelling_b.pk).status_code == 404
    assert _get(client, user, "registry:organization", org_a.pk).status_code == ok
    assert _get(client, user, "registry:organization", org_b.pk).status_code == 404
    listing = _get(client, user, "registry:organizations")
    assert listing.status_code == (200 if role in VIEWERS else 403)
    assert "B单位" not in listing.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_tag_lists_only_for_tag_roles_and_counted_in_scope(client, reg, role):
    services.tag_resident(actor=None, resident=reg.resident_a, tag=reg.alone_a)
    client.force_login(reg.world.a.users[role])
    response = client.get(reverse("registry:tags"), {"tag": reg.alone_a.pk, "min_age": 70})
    if role in {"auditor", "leader", "neighbourhood", "gridworker"}:
        assert response.status_code == 200
        assert '<span id="tag-total">1</span>' in response.content.decode()
    else:
        assert response.status_code == 403


def test_tag_combination_needs_all_tags_and_age(client, reg):
    services.tag_resident(actor=None, resident=reg.resident_a, tag=reg.alone_a)
    client.force_login(reg.world.a.users["leader"])
    both = client.get(reverse("registry:tags"), {"tag": [reg.alone_a.pk, reg.poor_a.pk]})
    assert '<span id="tag-total">0</span>' in both.content.decode()
    too_old = client.get(reverse("registry:tags"), {"tag": reg.alone_a.pk, "min_age": 90})
    assert '<span id="tag-total">0</span>' in too_old.content.decode()
    by_area = client.get(
        reverse("registry:tags"), {"tag": reg.alone_a.pk, "area": reg.world.a.subdistrict.pk}
    )
    assert "A第一网格</a></td><td>1" in by_area.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_import_and_export_pages_by_role(client, reg, role):
    client.force_login(reg.world.a.users[role])
    can_import = role in {"leader", "neighbourhood"}
    can_export = role in {"leader", "neighbourhood", "auditor"}
    assert client.get(reverse("registry:import")).status_code == (200 if can_import else 403)
    assert client.get(reverse("registry:export")).status_code == (200 if can_export else 403)


def test_export_download_is_scoped_and_logged(client, reg):
    client.force_login(reg.world.b.users["leader"])
    response = client.post(reverse("registry:export"), {"kind": "residents", "fmt": "csv"})
    body = response.content.decode("utf-8-sig")
    assert "李建国" in body and "王秀英" not in body and "13900002222" not in body
    assert AccessLog.objects.filter(action="export:masked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_import_wizard_dry_run_then_confirm(client, reg):
    client.force_login(reg.world.a.users["neighbourhood"])
    csv_body = f"楼栋编码,房号,姓名,证件号码\nA-B1,701,新居民,{person_id(77)}\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", csv_body.encode("utf-8"), content_type="text/csv")
    response = client.post(reverse("registry:import"), {"kind": "residents", "file": upload})
    assert response.status_code == 200 and "新增 1" in response.content.decode()
    from gongzhi.registry.models import Resident

    assert not Resident.objects.filter(name="新居民").exists()
    token = client.session["registry_import"]["token"]
    response = client.post(reverse("registry:import_confirm"), {"token": token})
    # The real run goes on beside the request; the wizard shows its progress, then the result.
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_status", args=[token]
    )
    import_jobs.wait(token)
    page = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="import-result"' in page and "新增 1" in page and "every 1s" not in page
    assert Resident.objects.filter(name="新居民").exists()
    # Nobody else may read the job, and the upload is gone.
    client.force_login(reg.world.a.users["leader"])
    assert client.get(reverse("registry:import_status", args=[token])).status_code == 404
    assert not list((settings.VAR_DIR / "imports").glob(f"{token}.csv"))


def test_import_wizard_reports_bad_rows_with_422(client, reg):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(reg.world.a.users["leader"])
    upload = SimpleUploadedFile(
        "r.csv", "楼栋编码,房号,姓名,证件号码\nB-B1,1,某,123\n".encode(), content_type="text/csv"
    )
    response = client.post(reverse("registry:import"), {"kind": "residents", "file": upload})
    body = response.content.decode()
    assert response.status_code == 422
    assert "不在您的管辖范围内" in body and "18 位" in body
    assert "registry_import" not in client.session


def test_templates_download(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    response = client.get(reverse("registry:template", args=["organizations", "csv"]))
    assert response.status_code == 200 and response.content.decode("utf-8-sig").startswith(
        "区域编码,名称,类型"
    )


def test_edit_move_out_and_end_tag_from_the_card(client, reg):
    from gongzhi.registry.models import RegistryChange, Residence, ResidentTag

    rt = services.tag_resident(actor=None, resident=reg.resident_a, tag=reg.alone_a)
    client.force_login(reg.world.a.users["gridworker"])
    card = client.get(reverse("registry:resident", args=[reg.resident_a.pk])).content.decode()
    assert "修改信息" in card and "设为失效" in card
    response = client.post(
        reverse("registry:edit_resident", args=[reg.resident_a.pk]),
        {"phone": "", "living_status": "流动", "note": "常去女儿家"},
    )
    assert response.status_code == 302
    assert RegistryChange.objects.filter(object_id=reg.resident_a.pk, field="living_status").exists()
    assert not RegistryChange.objects.filter(field="phone").exists()  # blank phone = unchanged
    bad = client.post(reverse("registry:edit_resident", args=[reg.resident_a.pk]), {"phone": "123"})
    assert bad.status_code == 400 and "电话号码格式不正确" in bad.content.decode()
    assert client.post(reverse("registry:end_tag", args=[rt.pk])).status_code == 302
    assert ResidentTag.objects.get(pk=rt.pk).valid_until is not None
    assert (
        client.post(reverse("registry:move_out", args=[reg.resident_a.pk]), {"on": "2025-06-01"}).status_code
        == 302
    )
    assert Residence.objects.get(resident=reg.resident_a).moved_out_on.isoformat() == "2025-06-01"


def test_card_edits_refused_for_viewers_and_out_of_scope(client, reg):
    client.force_login(reg.world.a.users["dispatcher"])
    assert (
        "修改信息" not in client.get(reverse("registry:resident", args=[reg.resident_a.pk])).content.decode()
    )
    assert (
        client.post(reverse("registry:edit_resident", args=[reg.resident_a.pk]), {"note": "x"}).status_code
        == 403
    )
    client.force_login(reg.world.b.users["leader"])
    assert (
        client.post(reverse("registry:edit_resident", args=[reg.resident_a.pk]), {"note": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("registry:add_resident", args=[reg.dwelling_a.pk]), {"name": "x"}).status_code
        == 404
    )


def test_register_resident_on_the_dwelling_page(client, reg):
    client.force_login(reg.world.a.users["neighbourhood"])
    page = client.get(reverse("registry:dwelling", args=[reg.dwelling_a.pk])).content.decode()
    assert "登记居民" in page
    response = client.post(
        reverse("registry:add_resident", args=[reg.dwelling_a.pk]),
        {"name": "新生儿", "id_type": "resident_id", "id_number": person_id(55), "relation": "孙子女"},
    )
    assert response.status_code == 302
    duplicate = client.post(
        reverse("registry:add_resident", args=[reg.dwelling_a.pk]),
        {"name": "重复", "id_number": person_id(55)},
    )
    assert duplicate.status_code == 409 and "请勿重复登记" in duplicate.content.decode()


def test_registry_list_has_no_query_per_row(client, reg):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(start, count):
        for i in range(start, start + count):
            services.register_resident(
                actor=None,
                dwelling=reg.dwelling_a,
                data={"name": f"住户{i}", "id_number": person_id(200 + i)},
            )

    add(0, 10)
    client.force_login(reg.world.a.users["leader"])
    client.get(reverse("registry:index"))  # warm the session
    with CaptureQueriesContext(connection) as ten:
        client.get(reverse("registry:index"))
    add(10, 10)
    with CaptureQueriesContext(connection) as twenty:
        body = client.get(reverse("registry:index")).content.decode()
    assert body.count("住户") >= 20
    assert len(twenty) == len(ten)  # the number of queries does not grow with the rows


def test_import_status_polls_while_running(client, reg, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    user = reg.world.a.users["neighbourhood"]
    token = "0" * 32
    from gongzhi.registry.models import ImportJob

    ImportJob.objects.create(
        token=token, user=user, kind="residents", filename="r.csv", message="已检查 5000 行"
    )
    client.force_login(user)
    page = client.get(reverse("registry:import_status", args=[token])).content.decode()
    assert "已检查 5000 行" in page and 'hx-trigger="every 1s"' in page
    assert client.get("/registry/import/..%2F..%2Fetc%2Fpasswd/").status_code == 404
    assert client.get(reverse("registry:import_status", args=["f" * 32])).status_code == 404
