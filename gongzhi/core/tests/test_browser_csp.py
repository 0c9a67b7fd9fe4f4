"""In a real browser with the Content-Security-Policy on: the pages' behaviours still work (a
filter that submits itself, the command centre's script) and the browser reports no violation."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from gongzhi.core.headers import policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def _reload_middleware(live_server) -> None:
    """The live server built its handler's middleware chain at start; build it again."""
    handler = live_server.thread.httpd.get_app()
    while hasattr(handler, "application"):  # inside the static and media files handlers
        handler = handler.application
    handler.load_middleware()


@pytest.fixture
def csp_on(settings, live_server):
    vendor = settings.BASE_DIR / "gongzhi" / "static"
    if vendor not in [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]:
        settings.STATICFILES_DIRS = [*getattr(settings, "STATICFILES_DIRS", []), vendor]
    original = list(settings.MIDDLEWARE)
    middleware = list(original)
    at = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    middleware[at:at] = ["csp.middleware.CSPMiddleware", "gongzhi.core.headers.NoStoreForPersonalData"]
    settings.MIDDLEWARE = middleware
    settings.CONTENT_SECURITY_POLICY = policy()
    _reload_middleware(live_server)
    yield
    settings.MIDDLEWARE = original
    _reload_middleware(live_server)


def page_for(browser, live_server, user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )
    context.add_init_script(WATCH)
    return context.new_page()


def test_pages_work_under_the_policy_without_violations(browser, live_server, world, csp_on):
    page = page_for(browser, live_server, world.a.users["leader"])
    response = page.goto(f"{live_server.url}/events/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "no-store" in response.headers["cache-control"]
    options = page.locator("select[name=status] option")
    value = options.nth(1).get_attribute("value")
    page.select_option("select[name=status]", value)
    page.wait_for_url(f"**/events/?status={value}")
    assert page.evaluate("window.__csp") == []

    page.goto(f"{live_server.url}/insight/cockpit/")
    page.wait_for_selector("#clock:not(:empty)", timeout=15000)  # (wait_for_function would need eval)
    page.wait_for_selector("#p-rates[data-filled='1']", timeout=15000)
    assert page.evaluate("window.__csp") == []
