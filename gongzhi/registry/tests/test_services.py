import datetime as dt

import pytest

from gongzhi.core.errors import Conflict, NotAllowed
from gongzhi.registry import services
from gongzhi.registry.models import Gender, RegistryChange, Residence, ResidentTag
from gongzhi.registry.validators import FieldError

from .conftest import person_id


def test_register_derives_gender_and_birth_date(reg):
    assert reg.resident_a.gender == Gender.MALE or reg.resident_a.gender == Gender.FEMALE
    assert reg.resident_a.birth_date == dt.date(1950, 5, 17)
    assert reg.resident_a.household.head_id is None or reg.resident_a.household.head_id == reg.resident_a.pk
    assert reg.resident_a.subdistrict == reg.world.a.subdistrict


def test_same_id_twice_in_a_subdistrict_refused(reg):
    with pytest.raises(Conflict):
        services.register_resident(
            actor=None, dwelling=reg.dwelling_a, data={"name": "重复", "id_number": person_id(1)}
        )


def test_gridworker_out_of_scope_cannot_register(reg):
    with pytest.raises(NotAllowed):
        services.register_resident(
            actor=reg.world.b.users["gridworker"],
            dwelling=reg.dwelling_a,
            data={"name": "某", "id_number": person_id(9)},
        )


def test_update_keeps_history_with_masked_values(reg):
    user = reg.world.a.users["gridworker"]
    services.update_resident(
        actor=user, resident=reg.resident_a, data={"phone": "13700007777", "living_status": "流动"}
    )
    rows = {c.field: c for c in RegistryChange.objects.filter(object_id=reg.resident_a.pk)}
    assert rows["phone"].old_value == "139****1111" and rows["phone"].new_value == "137****7777"
    assert rows["living_status"].new_value == "floating"
    assert rows["phone"].actor == user


def test_update_with_bad_value_writes_nothing(reg):
    with pytest.raises(FieldError):
        services.update_resident(
            actor=None, resident=reg.resident_a, data={"living_status": "流动", "phone": "12"}
        )
    reg.resident_a.refresh_from_db()
    assert reg.resident_a.living_status == "resident"
    assert not RegistryChange.objects.exists()


def test_move_keeps_every_stay(reg):
    other = services.create_dwelling(actor=None, area=reg.building_a, data={"room": "102"})
    services.move_resident(actor=None, resident=reg.resident_a, to=other, on=dt.date(2025, 1, 1))
    services.move_resident(actor=None, resident=reg.resident_a, on=dt.date(2025, 6, 1))
    stays = list(Residence.objects.filter(resident=reg.resident_a).order_by("id"))
    assert [(s.dwelling_id, s.moved_out_on) for s in stays] == [
        (reg.dwelling_a.pk, dt.date(2025, 1, 1)),
        (other.pk, dt.date(2025, 6, 1)),
    ]
    reg.resident_a.refresh_from_db()
    assert reg.resident_a.moved_out_on == dt.date(2025, 6, 1)


def test_tag_records_verifier_and_period(reg):
    user = reg.world.a.users["neighbourhood"]
    rt = services.tag_resident(
        actor=user, resident=reg.resident_a, tag=reg.alone_a, valid_from=dt.date(2025, 1, 1)
    )
    assert rt.verified_by == user and rt.current()
    with pytest.raises(Conflict):
        services.tag_resident(actor=user, resident=reg.resident_a, tag=reg.alone_a)
    services.end_tag(actor=user, resident_tag=rt, on=dt.date(2025, 2, 1))
    assert not ResidentTag.objects.get(pk=rt.pk).current()


def test_tag_of_another_subdistrict_refused(reg):
    from gongzhi.core.errors import DomainError

    with pytest.raises(DomainError):
        services.tag_resident(actor=None, resident=reg.resident_b, tag=reg.alone_a)


def test_organization_credit_code_validated_and_unique(reg):
    area = reg.world.a.neighbourhood
    org = services.create_organization(
        actor=None,
        area=area,
        data={"name": "某科技公司", "kind": "企业", "credit_code": "91350100M000100Y43"},
    )
    assert org.subdistrict == reg.world.a.subdistrict
    with pytest.raises(Conflict):
        services.create_organization(
            actor=None,
            area=area,
            data={"name": "另一家", "kind": "企业", "credit_code": "91350100M000100Y43"},
        )
    with pytest.raises(FieldError, match="校验位"):
        services.create_organization(
            actor=None, area=area, data={"name": "错码", "kind": "企业", "credit_code": "91350100M000100Y44"}
        )
