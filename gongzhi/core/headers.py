"""Response headers for pages that hold personal data, and the Content-Security-Policy
(research note A19; ASVS 14.4, 8.2.1).

`NoStoreForPersonalData` marks responses `Cache-Control: no-store, private` (and `Pragma:
no-cache` for old proxies), so no browser or proxy cache keeps a resident's ID, phone or tags:
every response to a signed-in user (every staff page: registry, cases, care…), every response
under the paths that may carry someone's data without a session (the API, Open311, a resident's
own case pages under /public/), and any other response that did not choose its own caching. Only
a page for anonymous visitors outside those paths that set its own Cache-Control keeps it. It is
active once listed in MIDDLEWARE (after AuthenticationMiddleware).

`policy()` is the django-csp 4 `CONTENT_SECURITY_POLICY` value: scripts only from the site
itself (no 'unsafe-inline', no 'unsafe-eval': templates hold no inline script or on* handler,
gongzhi/core/tests/test_headers.py scans them), frames refused, forms posted only to the site.
Styles keep 'unsafe-inline' (style attributes in templates and Leaflet's positioned elements;
no script runs from a style)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Paths whose answers can carry personal data without a signed-in session.
DEFAULT_NO_STORE_PREFIXES = ("/api/", "/open311/", "/public/")


def _prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "GONGZHI_NO_STORE_PREFIXES", DEFAULT_NO_STORE_PREFIXES))


def needs_no_store(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.path.startswith(_prefixes()):
        return True
    return not response.has_header("Cache-Control")


class NoStoreForPersonalData:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if needs_no_store(request, response):
            for key in ("public", "max-age", "s-maxage"):
                _drop_directive(response, key)
            patch_cache_control(response, no_store=True, private=True)
            response["Pragma"] = "no-cache"
        return response


def _drop_directive(response: HttpResponse, name: str) -> None:
    header = response.get("Cache-Control")
    if not header:
        return
    kept = [d.strip() for d in header.split(",") if d.strip() and d.strip().split("=")[0].lower() != name]
    if kept:
        response["Cache-Control"] = ", ".join(kept)
    else:
        del response["Cache-Control"]


def policy(*, tile_url: str = "") -> dict:
    """The CONTENT_SECURITY_POLICY setting for django-csp 4 (csp.middleware.CSPMiddleware)."""
    from csp.constants import NONE, SELF, UNSAFE_INLINE

    images = [SELF, "data:", "blob:"]
    if tile_url:
        parts = urlsplit(
            tile_url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
        )
        if parts.scheme and parts.netloc:
            host = parts.netloc.split(".", 1)[1] if "{s}" in tile_url else parts.netloc
            images.append(f"{parts.scheme}://{'*.' if '{s}' in tile_url else ''}{host}")
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF, UNSAFE_INLINE],
            "img-src": images,
            "font-src": [SELF, "data:"],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }
