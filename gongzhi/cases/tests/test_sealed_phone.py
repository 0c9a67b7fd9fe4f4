"""Reporters' phones are sealed at rest like the registry's (issue 12): the column holds an
AES-GCM blob, a keyed blind index serves look-ups, and the model's users still read the number."""

import importlib

import pytest
from django.db import connection

from gongzhi.cases.models import Case
from gongzhi.cases.selectors import reporter_phone_for
from gongzhi.cases.tests.helpers import public_report
from gongzhi.registry import crypto

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _raw(case: Case) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone, reporter_phone_hash FROM cases_case WHERE id = %s", [case.pk])
        return cursor.fetchone()


def test_reporter_phone_is_stored_sealed_and_read_in_clear(world):
    case = public_report(world, reporter_phone=PHONE)
    stored, index = _raw(case)
    assert PHONE not in stored and stored.startswith("g1:")
    assert crypto.decrypt(stored, context="cases.case.reporter_phone") == PHONE
    assert index == crypto.blind_index(PHONE, kind="phone")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.reporter_phone == PHONE and fresh.reporter_phone_last4 == "5678"
    # Masking is unchanged: a grid worker sees 138****5678.
    assert reporter_phone_for(world.a.users["gridworker"], fresh.reporter_phone) == "138****5678"


def test_lookups_by_phone_use_the_blind_index(world):
    case = public_report(world, reporter_phone=PHONE)
    other = public_report(world, reporter_phone="13900001111")
    assert list(Case.objects.filter(reporter_phone=PHONE)) == [case]
    assert set(Case.objects.filter(reporter_phone__in=[PHONE, "13900001111"])) == {case, other}
    assert not Case.objects.filter(reporter_phone="13700000000").exists()
    assert [r["reporter_phone"] for r in Case.objects.filter(pk=case.pk).values("reporter_phone")] == [PHONE]


def test_saving_again_keeps_one_seal_and_the_index(world):
    case = public_report(world, reporter_phone=PHONE)
    case.reporter_phone = "13900002222"
    case.save()
    stored, index = _raw(case)
    assert crypto.decrypt(stored, context="cases.case.reporter_phone") == "13900002222"
    assert index == crypto.blind_index("13900002222", kind="phone")
    case.refresh_from_db()
    case.save()
    assert crypto.decrypt(_raw(case)[0], context="cases.case.reporter_phone") == "13900002222"


def test_migration_seals_rows_stored_in_clear(world):
    case = public_report(world, reporter_phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET reporter_phone = %s, reporter_phone_hash = '' WHERE id = %s",
            [PHONE, case.pk],
        )
    assert Case.objects.get(pk=case.pk).reporter_phone == PHONE  # a clear legacy value still reads
    migration = importlib.import_module("gongzhi.cases.migrations.0013_sealed_reporter_phone")
    migration.seal_existing(None, connection.schema_editor())
    stored, index = _raw(case)
    assert stored.startswith("g1:") and PHONE not in stored
    assert index == crypto.blind_index(PHONE, kind="phone")
    assert Case.objects.get(reporter_phone=PHONE).pk == case.pk
    migration.unseal_existing(None, connection.schema_editor())
    assert _raw(case)[0] == PHONE
