import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.demo.builder import build_demo
from gongzhi.territory.models import Area

NOW = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC)


def fingerprint(seed: int) -> tuple:
    """Build a small demo, describe it, and roll it back. The clock stands still at NOW: the
    apps' demo modules date what they add by the clock, as their services do."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        build_demo(seed=seed, cases=10, now=NOW, stdout=io.StringIO())
        described = (
            list(Area.objects.order_by("code").values_list("code", "name", "boundary")),
            list(User.objects.order_by("username").values_list("username", "display_name", "scope__code")),
            list(
                Case.objects.order_by("number").values_list(
                    "number", "title", "status", "tier", "lat", "lng", "created_at", "assigned_unit__name"
                )
            ),
            list(
                CaseEvent.objects.order_by("case__number", "seq").values_list("action", "created_at", "note")
            ),
        )
        transaction.set_rollback(True)
    return described


@pytest.mark.django_db
def test_same_seed_builds_the_same_demo():
    first = fingerprint(11)
    assert len(first[2]) >= 10
    assert fingerprint(11) == first


@pytest.mark.django_db
def test_clashing_username_stops_the_demo_with_a_clear_message_and_writes_nothing():
    User.objects.create_user(username="admin", password="Some-long-password-1")
    with pytest.raises(CommandError, match="admin"):
        call_command("demo", "--cases", "5", stdout=io.StringIO())
    assert not Area.objects.exists()
    assert User.objects.count() == 1
