"""Two cadres recording (or withdrawing) the same household's signature at once: one wins."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from gongzhi.accounts.models import AuditEvent
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


def _race(world, action):
    barrier = threading.Barrier(2)
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            action(user)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(world.a.users[r],)) for r in ("gridworker", "neighbourhood")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_two_cadres_withdrawing_one_signature(world):
    leader = world.a.users["leader"]
    project, certs = project_with(world.a, 2, kind="retrofit")
    services.open_round(
        actor=leader, project=project, number=2, opens_on=dt.date(2026, 7, 1), closes_on=dt.date(2026, 7, 31)
    )
    services.respond(actor=leader, certificate=certs[0], answer="signed", on=dt.date(2026, 7, 2))
    outcomes = _race(
        world, lambda user: services.withdraw_response(actor=user, certificate=certs[0], reason="误录")
    )
    assert outcomes == ["nothing_to_withdraw", "ok"]
    assert not Response.objects.filter(certificate=certs[0]).exists()
    assert AuditEvent.objects.filter(action="renewal.withdraw").count() == 1
    certs[0].refresh_from_db()
    assert certs[0].state == "unvisited"


@time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)
def test_one_cadre_signs_while_another_withdraws(world):
    """A signature and a withdrawal of the same household at once end consistently: either the
    withdrawal found nothing (and the signature stands) or it took back the signature."""
    leader = world.a.users["leader"]
    project, certs = project_with(world.a, 2, kind="retrofit")
    services.open_round(
        actor=leader, project=project, number=2, opens_on=dt.date(2026, 7, 1), closes_on=dt.date(2026, 7, 31)
    )

    def act(user):
        if user.username == "a_gridworker":
            services.respond(actor=user, certificate=certs[0], answer="signed", on=dt.date(2026, 7, 2))
        else:
            services.withdraw_response(actor=user, certificate=certs[0], reason="户主反悔")

    outcomes = _race(world, act)
    certs[0].refresh_from_db()
    signed = Response.objects.filter(certificate=certs[0]).count()
    if outcomes == ["nothing_to_withdraw", "ok"]:
        assert signed == 1 and certs[0].state == "signed"
    else:
        assert outcomes == ["ok", "ok"] and signed == 0 and certs[0].state == "unvisited"


def test_two_leaders_importing_the_same_sheet_at_once(world, site):
    """The project row is locked for the whole import: the second import waits, then finds every
    row already there and changes nothing."""
    from gongzhi.renewal.tests.helpers import GOOD, xlsx
    from gongzhi.testing.world import make_user

    leader, _block, project = site
    other = make_user("a_leader2", roles=["leader"], scope=world.a.subdistrict)
    data = xlsx(GOOD)
    barrier = threading.Barrier(2)
    results = []

    def run(user):
        try:
            barrier.wait()
            r = services.import_certificates(actor=user, project=project, data=data)
            results.append((r.created, r.unchanged))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (leader, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [(0, 3), (3, 0)]
    assert project.certificates.count() == 3
    assert AuditEvent.objects.filter(action="renewal.import").count() == 2
