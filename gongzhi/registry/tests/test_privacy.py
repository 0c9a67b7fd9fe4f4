import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from gongzhi.accounts.models import AccessLog
from gongzhi.core.errors import NotAllowed
from gongzhi.registry import crypto, services
from gongzhi.registry.models import Resident
from gongzhi.registry.validators import FieldError

from .conftest import person_id


def test_masks():
    assert crypto.mask_id_number("110105194912310021") == "110***********0021"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("02162345678") == "138****5678".replace("138", "021")


def test_database_holds_no_clear_id_or_phone(reg):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_resident")
        dump = repr(cursor.fetchall())
    assert person_id(1) not in dump
    assert "13900001111" not in dump
    assert "139****1111" in dump  # the masked copy is what lists show


def test_sealed_value_bound_to_its_row(reg):
    a, b = reg.resident_a, reg.resident_b
    Resident.objects.filter(pk=b.pk).update(id_number_enc=a.id_number_enc)
    b.refresh_from_db()
    with pytest.raises(crypto.CryptoError):
        b.unseal("id_number")


def test_sm4_keys_work_and_rotation_reseals_with_newest_key(reg, settings):
    old_key = crypto.current_key().kid
    sm4 = base64.b64encode(os.urandom(16)).decode()
    settings.GONGZHI_FIELD_KEYS = f"k2:sm4:{sm4}," + crypto.DEMO_FIELD_KEYS
    assert reg.resident_a.unseal("id_number") == person_id(1)  # old key still readable
    call_command("rotate_field_keys", stdout=io.StringIO())
    resident = Resident.objects.get(pk=reg.resident_a.pk)
    assert crypto.key_id(resident.id_number_enc) == "k2" != old_key
    settings.GONGZHI_FIELD_KEYS = f"k2:sm4:{sm4}"  # the old key can now go
    assert resident.unseal("id_number") == person_id(1)
    assert Resident.objects.filter(id_number_hash=crypto.blind_index(person_id(1), kind="id")).exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("neighbourhood", True),
        ("leader", True),
        ("gridworker", False),
        ("dispatcher", False),
        ("auditor", False),
        ("handler", False),
    ],
)
def test_reveal_by_role(reg, role, allowed):
    user = reg.world.a.users[role]
    if allowed:
        value = services.reveal(actor=user, obj=reg.resident_a, field="id_number", reason="走访核实身份")
        assert value == person_id(1)
    else:
        with pytest.raises(NotAllowed):
            services.reveal(actor=user, obj=reg.resident_a, field="id_number", reason="走访核实身份")


def test_reveal_out_of_scope_refused_and_not_logged(reg):
    with pytest.raises(NotAllowed):
        services.reveal(actor=reg.world.b.users["leader"], obj=reg.resident_a, field="phone", reason="核实")
    assert not AccessLog.objects.exists()


def test_reveal_writes_access_log_with_who_whom_why(reg):
    user = reg.world.a.users["neighbourhood"]
    services.reveal(actor=user, obj=reg.resident_a, field="phone", reason="联系家属", ip="10.0.0.5")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id, log.reason, log.ip) == (
        user,
        "reveal:phone",
        "resident",
        str(reg.resident_a.pk),
        "联系家属",
        "10.0.0.5",
    )


def test_reveal_needs_a_reason(reg):
    with pytest.raises(FieldError, match="查看原因"):
        services.reveal(actor=reg.world.a.users["leader"], obj=reg.resident_a, field="phone", reason=" ")
    assert not AccessLog.objects.exists()


def test_reveals_are_capped_per_day(reg, settings, client):
    from django.urls import reverse

    settings.GONGZHI_REVEAL_DAILY_LIMIT = 2
    user = reg.world.a.users["leader"]
    for _ in range(2):
        services.reveal(actor=user, obj=reg.resident_a, field="phone", reason="核实")
    client.force_login(user)
    url = reverse("registry:reveal", args=["resident", reg.resident_a.pk, "phone"])
    response = client.post(url, {"reason": "再看一次"})
    assert response.status_code == 429 and "上限" in response.content.decode()
    assert AccessLog.objects.count() == 2


def test_no_table_holds_a_clear_id_or_phone_after_import_visit_and_edit(reg):
    import datetime as dt

    from django.db import connection

    from gongzhi.registry import importing
    from gongzhi.visits import services as visits

    row = {
        "楼栋编码": "A-B1",
        "房号": "808",
        "姓名": "明文检查",
        "证件号码": person_id(88),
        "联系电话": "13677778888",
    }
    assert importing.import_rows("residents", [row], None, dry_run=False).ok
    resident = Resident.objects.get(name="明文检查")
    services.update_resident(actor=None, resident=resident, data={"phone": "13566667777"})
    visits.record_visit(
        actor=reg.world.a.users["gridworker"],
        household=resident.household,
        visited_on=dt.date.today(),
        mode="door",
        findings="核实",
        facts=visits.Facts(residents={resident.pk: {"phone": "13455556666"}}),
    )
    secrets = [
        person_id(88),
        "13677778888",
        "13566667777",
        "13455556666",
        person_id(1),
        "13900001111",
        "13812345678",
    ]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith(("registry_", "visits_", "accounts_accesslog")):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                dump = repr(cursor.fetchall())
                assert not [s for s in secrets if s in dump], table
