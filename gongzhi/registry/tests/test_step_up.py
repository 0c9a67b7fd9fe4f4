"""Reveals and clear exports need a fresh second-factor code outside demo mode (A4, A13)."""

import time

import pytest

from gongzhi.accounts.models import AccessLog
from gongzhi.accounts.otp import StepUpRequired
from gongzhi.registry import exporting, services


@pytest.fixture
def production(settings):
    settings.GONGZHI_DEMO_MODE = False
    return settings


def test_reveal_without_a_fresh_code_is_refused_and_not_logged(reg, production):
    committee = reg.world.a.users["neighbourhood"]
    with pytest.raises(StepUpRequired):
        services.reveal(actor=committee, obj=reg.resident_a, field="phone", reason="走访核实")
    assert AccessLog.objects.count() == 0
    committee.otp_verified_at = time.time()
    assert (
        services.reveal(actor=committee, obj=reg.resident_a, field="phone", reason="走访核实")
        == "13900001111"
    )
    assert AccessLog.objects.count() == 1


def test_clear_export_without_a_fresh_code_is_refused(reg, production):
    leader = reg.world.a.users["leader"]
    with pytest.raises(StepUpRequired):
        exporting.export_bytes("residents", "csv", user=leader, clear=True, reason="低保年审")
    assert AccessLog.objects.count() == 0
    leader.otp_verified_at = time.time() - 4 * 60
    assert exporting.export_bytes("residents", "csv", user=leader, clear=True, reason="低保年审")
