"""The demo ledger: a dispute held after three months carries its signed scan, its application
for judicial confirmation and the court's ruling."""

import random

import pytest

from gongzhi.mediation import demo
from gongzhi.mediation.models import Agreement

pytestmark = pytest.mark.django_db


def test_held_disputes_have_their_scan_and_the_courts_ruling(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.seed(rng=random.Random(3), subdistricts=[world.a.subdistrict])
    held = list(Agreement.objects.filter(dispute__status="held"))
    assert held
    for agreement in held:
        assert agreement.scan and agreement.scan_content_type == "image/jpeg"
        assert agreement.court_result == "confirmed" and "民特" in agreement.court_case_number
        assert agreement.confirmation_applied_on <= agreement.court_result_on
