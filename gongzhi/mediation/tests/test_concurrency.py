"""Two mediators accepting the same dispute at the same moment: exactly one wins."""

import pytest

from gongzhi.cases.tests.test_concurrency import race
from gongzhi.mediation import services
from gongzhi.mediation.models import Action, Dispute
from gongzhi.mediation.tests.helpers import new_dispute

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_mediators_accepting_at_once(world):
    dispute = new_dispute(world)
    outcomes = race(
        lambda: services.accept_dispute(
            dispute=dispute, actor=world.a.users["neighbourhood"], expected_version=dispute.version
        ),
        lambda: services.accept_dispute(
            dispute=dispute, actor=world.a.users["leader"], expected_version=dispute.version
        ),
    )
    assert sorted(outcomes) in (["conflict", "ok"], ["invalid_transition", "ok"])
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.events.filter(action=Action.ACCEPT).count() == 1
    assert dispute.version == 1
