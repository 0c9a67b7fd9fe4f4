"""Two cadres recording the same household's signature at once: one wins."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from gongzhi.core.errors import DomainError
from gongzhi.renewal import services
from gongzhi.renewal.models import Response
from gongzhi.renewal.tests.helpers import project_with

pytestmark = pytest.mark.django_db(transaction=True)


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_two_cadres_signing_one_certificate(world):
    leader = world.a.users["leader"]
    project, certs = project_with(world.a, 3, kind="retrofit")
    services.open_round(
        actor=leader, project=project, number=2, opens_on=dt.date(2026, 7, 1), closes_on=dt.date(2026, 7, 31)
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def sign(user):
        try:
            barrier.wait()
            services.respond(actor=user, certificate=certs[0], answer="signed", on=dt.date(2026, 7, 10))
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign, args=(world.a.users[r],)) for r in ("gridworker", "neighbourhood")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Response.objects.filter(certificate=certs[0]).count() == 1
