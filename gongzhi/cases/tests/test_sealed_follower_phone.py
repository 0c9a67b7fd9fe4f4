"""Followers' phones are sealed at rest like the reporters' (issue 20, A13): the column holds a
blob bound to the column, a keyed blind index finds a follower by phone and keeps one phone
from following a case twice, and the messages still go to the number."""

import importlib

import pytest
from django.db import IntegrityError, connection, transaction

from gongzhi.cases import services
from gongzhi.cases.models import CaseFollower, OutboundMessage
from gongzhi.cases.tests.helpers import assigned_case
from gongzhi.registry import crypto

pytestmark = pytest.mark.django_db

PHONE = "13600003333"
CONTEXT = "cases.casefollower.phone"


def _raw(follower: CaseFollower) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM cases_casefollower WHERE id = %s", [follower.pk])
        return cursor.fetchone()


def test_follower_phone_is_stored_sealed_and_read_in_clear(world):
    case = assigned_case(world)
    assert services.follow_case(case=case, phone="136 0000 3333")
    follower = CaseFollower.objects.get(case=case)
    stored, index = _raw(follower)
    assert PHONE not in stored and stored.startswith(crypto.VERSION + ":")
    assert crypto.decrypt(stored, context=CONTEXT) == PHONE
    assert index == crypto.blind_index(PHONE, kind="phone")
    assert follower.phone == PHONE
    # Bound to its column: the blob does not open as a reporter's phone.
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(stored, context="cases.case.reporter_phone")


def test_a_follower_is_found_by_phone_and_follows_once(world):
    case = assigned_case(world)
    assert services.follow_case(case=case, phone=PHONE) is True
    assert services.follow_case(case=case, phone="136-0000-3333") is False  # found by its index
    assert services.follow_case(case=case, phone="13900001111") is True
    assert CaseFollower.objects.filter(case=case).count() == 2
    assert CaseFollower.objects.get(case=case, phone=PHONE).phone == PHONE
    assert CaseFollower.objects.filter(phone__in=[PHONE, "13900001111"]).count() == 2
    assert not CaseFollower.objects.filter(phone="13700000000").exists()


def test_the_database_refuses_the_same_phone_twice_on_a_case(world):
    """The unique key is on the blind index: two sealed blobs of one number differ, their
    indexes do not."""
    case = assigned_case(world)
    CaseFollower.objects.create(case=case, phone=PHONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFollower.objects.create(case=case, phone=PHONE)


def test_followers_are_told_in_clear_and_the_reporter_once(world, django_capture_on_commit_callbacks):
    case = assigned_case(world)
    services.follow_case(case=case, phone=PHONE)
    services.follow_case(case=case, phone=case.reporter_phone)  # the reporter follows too
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_case(case=case, actor=world.a.users["neighbourhood"], text="已拆除飞线")
    told = list(OutboundMessage.objects.filter(case=case, kind="replied").values_list("to", flat=True))
    assert sorted(told) == sorted([case.reporter_phone, PHONE])


def test_migration_seals_follower_rows_stored_in_clear(world):
    case = assigned_case(world)
    services.follow_case(case=case, phone=PHONE)
    follower = CaseFollower.objects.get(case=case)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_casefollower SET phone = %s, phone_hash = '' WHERE id = %s", [PHONE, follower.pk]
        )
    assert CaseFollower.objects.get(pk=follower.pk).phone == PHONE  # a clear legacy value still reads
    migration = importlib.import_module("gongzhi.cases.migrations.0015_sealed_follower_phone")
    migration.seal_existing(None, connection.schema_editor())
    stored, index = _raw(follower)
    assert stored.startswith(crypto.VERSION + ":") and PHONE not in stored
    assert index == crypto.blind_index(PHONE, kind="phone")
    assert CaseFollower.objects.get(phone=PHONE).pk == follower.pk
    migration.seal_existing(None, connection.schema_editor())  # a second run leaves sealed rows alone
    assert crypto.decrypt(_raw(follower)[0], context=CONTEXT) == PHONE
    migration.unseal_existing(None, connection.schema_editor())
    assert _raw(follower)[0] == PHONE
