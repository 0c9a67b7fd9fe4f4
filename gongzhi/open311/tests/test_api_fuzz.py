"""A bounded schemathesis run against /api/openapi.json, in process (WSGI): no 500s, responses
match the schema, and an A-subdistrict token never receives a B case.

Bounded on purpose (a few examples per operation) so the suite stays fast; raise
GONGZHI_FUZZ_EXAMPLES for a longer run."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from gongzhi.open311 import services
from gongzhi.open311.tests.helpers import file_staff_case

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
EXAMPLES = int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "3"))


@pytest.fixture
def in_process_wsgi():
    """Keep the test's database connection open across in-process requests (Django's test
    client does the same): a real WSGI call would close it at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(world, in_process_wsgi, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # should a generated upload ever be a valid image
    a_case, b_case = file_staff_case(world, world.a), file_staff_case(world, world.b)
    _token, secret = services.issue_token(user=world.a.users["dispatcher"], name="fuzz")
    return {"token": secret, "a": a_case.number, "b": b_case.number}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_never_leaks(case, fuzz_world):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzz_world['token']}"}
    response = case.call()
    case.validate_response(
        response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
    assert fuzz_world["b"] not in response.text


def test_openapi_schema_names_are_unique():
    """Two routers' schemas with one class name would silently replace each other in OpenAPI."""
    import ninja

    import gongzhi.api  # noqa: F401  (imports every router and its schemas)

    seen: dict[str, str] = {}
    pending = list(ninja.Schema.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("gongzhi."):
            where = f"{model.__module__}.{model.__qualname__}"
            assert seen.setdefault(model.__name__, where) == where, (
                model.__name__,
                seen[model.__name__],
                where,
            )
