"""API conformance (issue 12): an unauthenticated POST is a 401 in the error shape, not a 403
"CSRF check Failed"; a session without the CSRF token is still refused."""

import json

from django.test import Client

from gongzhi.cases.models import Case
from gongzhi.open311.tests.test_rest_api import new_case_body


def test_unauthenticated_post_is_a_401(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/cases/", json.dumps(new_case_body(world)), content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert not Case.objects.exists()


def test_session_post_without_csrf_token_is_still_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.users["dispatcher"])
    response = client.post("/api/cases/", json.dumps(new_case_body(world)), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Case.objects.exists()
