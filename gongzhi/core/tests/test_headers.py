"""A19: no inline script anywhere (so the CSP needs no 'unsafe-inline'), the policy as served, and
`Cache-Control: no-store` on pages with personal data."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from gongzhi.care import services as care_services
from gongzhi.care.models import Recipient
from gongzhi.care.tests.conftest import MONDAY, Care
from gongzhi.cases.tests.helpers import public_report
from gongzhi.core.headers import NoStoreForPersonalData, policy

ROOT = Path(__file__).resolve().parents[2]  # the gongzhi package
TEMPLATES = sorted(p for p in ROOT.rglob("templates/**/*.html"))
HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=[\"']application/(ld\+)?json)[^>]*>", re.I)

CSP = "csp.middleware.CSPMiddleware"
NO_STORE = "gongzhi.core.headers.NoStoreForPersonalData"


def with_headers():
    """The settings the deployment lists (see the lead's settings change in docs/security.md)."""
    middleware = [m for m in settings.MIDDLEWARE if m not in (CSP, NO_STORE)]
    at = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    middleware[at:at] = [CSP, NO_STORE]
    return override_settings(MIDDLEWARE=middleware, CONTENT_SECURITY_POLICY=policy())


def test_no_template_has_an_inline_script_an_event_handler_or_a_javascript_url():
    assert len(TEMPLATES) > 100
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (INLINE_SCRIPT, "inline <script>"),
            (HANDLER, "on* attribute"),
            ("javascript:", "javascript: URL"),
        ):
            hits = re.findall(pattern, text) if isinstance(pattern, str) else list(pattern.finditer(text))
            if hits:
                found.append(f"{path.relative_to(ROOT)}: {what}")
    assert found == []


@pytest.mark.parametrize(
    "snippet, bad",
    [
        ('<select name="s" onchange="this.form.submit()">', True),
        ("<button\n  onclick='x()'>", True),
        ("<script>alert(1)</script>", True),
        ('<script type="text/javascript">x()</script>', True),
        ('<script src="/static/a.js" defer></script>', False),
        ('<script id="d" type="application/json">{}</script>', False),
        ('<input name="once" data-autosubmit>', False),
        ("<p>只有 online 与 one= 字样</p>", False),
    ],
)
def test_the_scan_finds_what_the_csp_would_block(snippet, bad):
    assert bool(INLINE_SCRIPT.search(snippet) or HANDLER.search(snippet)) is bad


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline, self.handlers = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.inline.append(attrs)
        self.handlers += [(tag, k) for k in attrs if k.startswith("on")]


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def pages(world):
    with time_machine.travel(MONDAY, tick=False):
        care = Care(world)
        care_services.sync_population(today=MONDAY.date())
    case = public_report(world)
    recipient = Recipient.objects.filter(subdistrict=world.a.subdistrict).first()
    return {
        "registry": reverse("registry:index"),
        "resident": reverse("registry:resident", args=[care.elders[0].pk]),
        "case": reverse("cases:detail", args=[case.number]),
        "queue": reverse("cases:queue"),
        "care": reverse("care:index"),
        "care_person": reverse("care:recipient", args=[recipient.pk]),
        "events": reverse("events:index"),
    }


@pytest.mark.django_db
def test_main_pages_carry_the_policy_and_run_no_inline_script(client, world, pages):
    client.force_login(world.a.users["leader"])
    with with_headers():
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, name
            rules = _directives(response["Content-Security-Policy"])
            assert rules["script-src"] == ["'self'"], name
            assert "'unsafe-inline'" not in rules.get("default-src", []) and "'unsafe-eval'" not in str(rules)
            assert rules["frame-ancestors"] == ["'none'"] and rules["object-src"] == ["'none'"]
            parser = _Scripts()
            parser.feed(response.content.decode())
            assert (parser.inline, parser.handlers) == ([], []), name


@pytest.mark.django_db
def test_pages_with_personal_data_are_not_stored(client, world, pages):
    client.force_login(world.a.users["leader"])
    with with_headers():
        for name in ("registry", "resident", "case", "care", "care_person"):
            response = client.get(pages[name])
            assert response.status_code == 200, name
            cache = {d.strip() for d in response["Cache-Control"].split(",")}
            assert {"no-store", "private"} <= cache and response["Pragma"] == "no-cache", name


def _through(path, response, user=None):
    request = RequestFactory().get(path)
    if user is not None:
        request.user = user
    return NoStoreForPersonalData(lambda r: response)(request)


@pytest.mark.django_db
def test_no_store_overrides_caching_for_signed_in_users_and_data_paths(world):
    cached = HttpResponse("x")
    cached["Cache-Control"] = "public, max-age=600"
    out = _through("/registry/", cached, world.a.users["gridworker"])
    assert out["Cache-Control"] in ("no-store, private", "private, no-store")
    for path in ("/api/cases/", "/open311/v2/requests.json", "/public/track/"):
        fresh = HttpResponse("x")
        fresh["Cache-Control"] = "max-age=60"
        assert "no-store" in _through(path, fresh)["Cache-Control"]
    # An anonymous page that chose its own caching keeps it; one that said nothing is not stored.
    public = HttpResponse("map")
    public["Cache-Control"] = "public, max-age=300"
    assert _through("/cobuilding/map/", public)["Cache-Control"] == "public, max-age=300"
    assert "no-store" in _through("/cobuilding/map/", HttpResponse("x"))["Cache-Control"]


def test_tile_host_is_allowed_for_images_only():
    rules = policy(tile_url="https://{s}.tiles.example.cn/{z}/{x}/{y}.png")["DIRECTIVES"]
    assert "https://*.tiles.example.cn" in rules["img-src"]
    assert rules["script-src"] == ["'self'"] and rules["connect-src"] == ["'self'"]
    assert policy(tile_url="https://tiles.example.cn/{z}/{x}/{y}.png")["DIRECTIVES"]["img-src"][-1] == (
        "https://tiles.example.cn"
    )
