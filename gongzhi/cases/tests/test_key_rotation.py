"""Key rotation re-seals the case app's sealed phones too (issue 20, A11): after
`rotate_field_keys` a reporter's and a follower's phone name the newest key, and they still read
once the older key is gone."""

import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseFollower
from gongzhi.cases.tests.helpers import assigned_case
from gongzhi.registry import crypto, rotation

pytestmark = pytest.mark.django_db


def _stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def test_every_sealed_column_is_found_for_rotation():
    found = {f"{model._meta.label}.{name}" for model, name in rotation.sealed_columns()}
    assert {"cases.Case.reporter_phone", "cases.CaseFollower.phone"} <= found


def test_rotation_reseals_case_phones_with_the_newest_key(world, settings):
    case = assigned_case(world)
    Case.objects.filter(pk=case.pk).update(reporter_phone="13500001111")
    assert services.follow_case(case=case, phone="13600002222")
    follower = CaseFollower.objects.get(case=case)
    old = crypto.key_id(_stored("cases_case", "reporter_phone", case.pk))

    sm4 = base64.b64encode(os.urandom(16)).decode()
    settings.GONGZHI_FIELD_KEYS = f"k9:sm4:{sm4}," + crypto.DEMO_FIELD_KEYS
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert crypto.key_id(_stored("cases_case", "reporter_phone", case.pk)) == "k9" != old
    assert crypto.key_id(_stored("cases_casefollower", "phone", follower.pk)) == "k9"
    # A second run finds nothing older.
    assert rotation.rotate_column(Case, "reporter_phone") == 0

    settings.GONGZHI_FIELD_KEYS = f"k9:sm4:{sm4}"  # the older key can now go
    assert Case.objects.get(pk=case.pk).reporter_phone == "13500001111"
    assert CaseFollower.objects.get(pk=follower.pk).phone == "13600002222"
    assert CaseFollower.objects.filter(case=case, phone="13600002222").exists()  # blind index kept
