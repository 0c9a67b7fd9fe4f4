"""A suggestion's author phone is sealed at rest like the registry's phones (issue 15): the
column holds an AES-GCM blob, the keyed blind index `phone_hash` recognises the author, and the
supports stay one per verified phone through their own digest."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.core.errors import DomainError
from gongzhi.participation import services
from gongzhi.participation.models import Suggestion, SuggestionStatus, Support
from gongzhi.participation.tests.helpers import PHONE, approved, code_for, public_suggestion, support
from gongzhi.registry import crypto

pytestmark = pytest.mark.django_db

CONTEXT = "participation.suggestion.phone"


def _raw(suggestion: Suggestion) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, phone_hash FROM participation_suggestion WHERE id = %s", [suggestion.pk]
        )
        return cursor.fetchone()


def test_the_author_phone_is_stored_sealed_and_read_in_clear(world):
    s = public_suggestion(world)
    stored, index = _raw(s)
    assert PHONE not in stored and stored.startswith("g1:")
    assert crypto.decrypt(stored, context=CONTEXT) == PHONE
    assert index == crypto.blind_index(PHONE, kind="phone")
    assert Suggestion.objects.get(pk=s.pk).phone == PHONE
    assert list(Suggestion.objects.filter(phone=PHONE)) == [s]
    assert not Suggestion.objects.filter(phone="13700000000").exists()


def test_a_proxy_entry_without_a_phone_stores_nothing(world):
    s = services.enter_suggestion(
        actor=world.a.users["gridworker"],
        area=world.a.neighbourhood,
        title="楼道灯坏了",
        body="3号楼2单元楼道灯不亮",
        author_name="王阿姨",
        consent="verbal_recorded",
    )
    assert _raw(s) == ("", "")


def test_the_author_withdraws_through_the_blind_index_and_nobody_else_can(world):
    s = approved(world)
    other = "13811112222"
    with pytest.raises(DomainError, match="只有提出人本人"):
        services.withdraw_suggestion(
            suggestion=s, phone=other, code=code_for(world, other, services.support_purpose(s.ref))
        )
    s.refresh_from_db()
    assert s.status == SuggestionStatus.PUBLISHED
    services.withdraw_suggestion(
        suggestion=s, phone=PHONE, code=code_for(world, PHONE, services.support_purpose(s.ref))
    )
    s.refresh_from_db()
    assert s.status == SuggestionStatus.WITHDRAWN


def test_supports_stay_one_per_verified_phone_and_keep_no_phone(world):
    s = approved(world)
    assert support(world, s, "13811112222") is True
    assert support(world, s, "13811112222", now=timezone.now() + dt.timedelta(minutes=2)) is False
    assert support(world, s, "13811113333") is True
    assert Support.objects.filter(suggestion=s).count() == 2
    digests = list(Support.objects.filter(suggestion=s).values_list("phone_digest", flat=True))
    assert all("1381111" not in d for d in digests)


def test_migration_seals_rows_stored_in_clear(world):
    s = public_suggestion(world)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE participation_suggestion SET phone = %s, phone_hash = '' WHERE id = %s", [PHONE, s.pk]
        )
    assert Suggestion.objects.get(pk=s.pk).phone == PHONE  # a clear legacy value still reads
    migration = importlib.import_module("gongzhi.participation.migrations.0003_sealed_suggestion_phone")
    migration.seal_existing(None, connection.schema_editor())
    stored, index = _raw(s)
    assert stored.startswith("g1:") and PHONE not in stored
    assert index == crypto.blind_index(PHONE, kind="phone")
    assert Suggestion.objects.get(phone=PHONE).pk == s.pk
    # Running it again leaves sealed rows alone.
    migration.seal_existing(None, connection.schema_editor())
    assert _raw(s) == (stored, index)
