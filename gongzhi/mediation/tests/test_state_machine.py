"""Any sequence of actions leaves a dispute in a state the action table allows, with a gapless
timeline whose last row is the dispute's status."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from gongzhi.core.errors import DomainError
from gongzhi.mediation import agreements, services, transitions
from gongzhi.mediation.models import Action, Dispute, Performance, Referral
from gongzhi.mediation.tests.helpers import MONDAY, new_dispute

pytestmark = pytest.mark.django_db

STEPS = [
    "accept",
    "decline",
    "session",
    "extend",
    "agree",
    "fail",
    "withdraw",
    "follow_up",
    "close",
    "broken",
    "confirm",
    "court_result",
    "scan",
]


def _scan():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 30), (255, 255, 255)).save(buffer, "PNG")
    return SimpleUploadedFile("scan.png", buffer.getvalue(), content_type="image/png")


def _do(step, dispute, actor, now):
    day = now.date()
    match step:
        case "accept":
            services.accept_dispute(dispute=dispute, actor=actor, now=now)
        case "decline":
            services.decline_dispute(dispute=dispute, actor=actor, reason="一方拒绝调解", now=now)
        case "session":
            services.record_session(
                dispute=dispute,
                actor=actor,
                held_at=now,
                place="调解室",
                attendees="双方",
                summary="沟通",
                now=now,
            )
        case "extend":
            services.extend_dispute(dispute=dispute, actor=actor, reason="双方同意", now=now)
        case "agree":
            services.sign_agreement(
                dispute=dispute, actor=actor, terms="赔偿", signed_on=day, signed_by="双方", now=now
            )
        case "fail":
            services.fail_dispute(
                dispute=dispute, actor=actor, reason="分歧大", referral=Referral.LITIGATION, now=now
            )
        case "withdraw":
            services.withdraw_dispute(dispute=dispute, actor=actor, reason="已自行和解", now=now)
        case "follow_up":
            services.record_follow_up(
                dispute=dispute,
                actor=actor,
                on=day,
                performance=Performance.PERFORMED,
                note="已履行",
                now=now,
            )
        case "close":
            services.close_held(dispute=dispute, actor=actor, now=now)
        case "confirm":
            services.apply_confirmation(dispute=dispute, actor=actor, applied_on=day, now=now)
        case "court_result":
            agreements.record_court_result(
                dispute=dispute,
                actor=actor,
                result="confirmed",
                decided_on=day,
                case_number="（2030）沪0101民特1号",
                now=now,
            )
        case "scan":
            agreements.upload_scan(dispute=dispute, actor=actor, upload=_scan(), now=now)
        case "broken":
            services.report_broken(
                dispute=dispute, actor=actor, reason="未赔偿", referral=Referral.CIRCUIT_COURT, now=now
            )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), max_size=10))
def test_any_sequence_keeps_the_dispute_consistent(world, steps):
    dispute = new_dispute(world)
    actor = world.a.users["neighbourhood"]
    now = MONDAY
    for step in steps:
        now += dt.timedelta(days=20)
        before = Dispute.objects.get(pk=dispute.pk).status
        try:
            _do(step, dispute, actor, now)
        except DomainError:
            assert Dispute.objects.get(pk=dispute.pk).status == before
    dispute = Dispute.objects.get(pk=dispute.pk)
    events = list(dispute.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].to_status == dispute.status
    for previous, event in zip(events, events[1:], strict=False):
        assert event.from_status == previous.to_status
        assert transitions.target(event.from_status, event.action) == event.to_status
    if dispute.status in ("agreed", "held", "broken"):
        assert dispute.agreement and dispute.sessions.exists()
        agreement = dispute.agreement
        # a court result only after an application, never before it; a scan only with its step
        assert not agreement.court_result or (
            agreement.confirmation_applied_on is not None
            and agreement.court_result_on >= agreement.confirmation_applied_on
        )
        assert bool(agreement.scan) == any(e.action == Action.SCAN for e in events)
    assert events[0].action == Action.APPLY
