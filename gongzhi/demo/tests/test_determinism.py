import datetime as dt
import io

import pytest
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.demo.builder import build_demo
from gongzhi.territory.models import Area

NOW = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC)


def fingerprint(seed: int) -> tuple:
    """Build a small demo, describe it, and roll it back."""
    with transaction.atomic():
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
