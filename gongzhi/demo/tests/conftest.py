import io

import pytest
from django.core.management import call_command
from django.db import transaction

from gongzhi.territory import geo

DEMO_CASES = 30


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """The demo, built once per module by the command itself and rolled back afterwards."""
    out = io.StringIO()
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("demo", "--cases", str(DEMO_CASES), "--seed", "7", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)
        geo.invalidate()  # the outline index must not outlive the rolled-back areas


@pytest.fixture
def demo(demo_output, db):
    return demo_output
