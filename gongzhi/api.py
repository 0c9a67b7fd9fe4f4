"""The platform's REST API at /api/: one NinjaAPI that mounts each app's router.

Authentication: a staff token (`Authorization: Bearer gzt_…`, from `gongzhi apitoken create`)
or the staff session (the docs page's "try it out" when logged in; CSRF applies).
Errors have one shape, {"code", "message", "details"}: DomainError and its kinds map to their
4xx status, pydantic validation to 422 with the field errors in details.
The docs page at /api/docs is served with the swagger-ui files that ship inside django-ninja,
from this server: nothing is loaded from a CDN (intranets have none).
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

import ninja
from django.conf import settings
from django.db import DataError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, django_auth

from gongzhi.accounts import tokens as api_services
from gongzhi.accounts.api import router as accounts_router
from gongzhi.care.api import router as care_router
from gongzhi.cases.api import router as cases_router
from gongzhi.cobuilding.api import router as cobuilding_router
from gongzhi.committees.api import router as committees_router
from gongzhi.core.errors import DomainError
from gongzhi.events.api import router as events_router
from gongzhi.insight.api import router as insight_router
from gongzhi.mediation.api import router as mediation_router
from gongzhi.open311.api import router as open311_router
from gongzhi.participation.api import router as participation_router
from gongzhi.registry.api import router as registry_router
from gongzhi.renewal.api import router as renewal_router
from gongzhi.territory.api import router as areas_router
from gongzhi.text.api import router as text_router
from gongzhi.visits.api import router as visits_router
from gongzhi.volunteers.api import router as volunteers_router

NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png"}


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = api_services.authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class StaffSession:
    """Ninja's session auth, limited to active staff with a scope (not Open311 service accounts)."""

    def __init__(self) -> None:
        self.inner = django_auth

    def __call__(self, request: HttpRequest):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session at all: an unauthenticated request (401), not a CSRF failure (403).
            return None
        user = self.inner(request)
        if user and user.scope_id and not user.username.startswith(api_services.SERVICE_ACCOUNT_PREFIX):
            return user
        return None


class LocalSwagger(DocsBase):
    """Swagger UI from this server's own copy of the files (django-ninja ships them)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        def asset(name: str) -> str:
            return reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": name})

        config = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        # Script content is raw text: JSON with "<" escaped cannot close the element.
        settings_json = json.dumps(config).replace("<", "\\u003c")
        html = f"""<!DOCTYPE html>
<html lang="zh-hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="{asset("swagger-ui.css")}">
<link rel="icon" href="{asset("favicon.png")}">
<title>{escape(api.title)}</title></head>
<body data-csrf-token="" data-api-csrf="">
<script type="application/json" id="swagger-settings">{settings_json}</script>
<div id="swagger-ui"></div>
<script src="{asset("swagger-ui-bundle.js")}"></script>
<script src="{asset("swagger-ui-init.js")}"></script>
</body></html>"""
        return HttpResponse(html)


api = NinjaAPI(
    title="gongzhi API",
    version="1",
    description="共治平台 REST API：工单、区域。认证：Authorization: Bearer <令牌>（gongzhi apitoken create）。",
    urls_namespace="api",
    docs_url="/docs",
    docs=LocalSwagger(),
    auth=[BearerToken(), StaffSession()],
)


def _error(request: HttpRequest, status: int, code: str, message: str, details: dict | None = None):
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    errors = json.loads(json.dumps(exc.errors, default=str))
    return _error(
        request, 422, "validation", _("请求内容不符合要求，请检查 details 中列出的字段。"), {"errors": errors}
    )


@api.exception_handler(ValueError)
@api.exception_handler(DataError)
def nul_in_text(request: HttpRequest, exc: Exception):
    # PostgreSQL refuses text holding NUL characters; a caller sending them made a bad request.
    if "NUL" in str(exc):
        return _error(request, 400, "invalid_characters", _("请求中含有不允许的控制字符（NUL）。"))
    raise exc


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError):
    return _error(request, 401, "unauthorized", _("需要登录或有效的 API 令牌（Authorization: Bearer …）。"))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return _error(request, 404, "not_found", _("未找到。"))


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")
def docs_asset(request: HttpRequest, name: str):
    if name not in DOCS_ASSETS:
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse((NINJA_STATIC / name).open("rb"), content_type=content_type)


api.add_router("/cases/", cases_router)
api.add_router("/areas/", areas_router)
api.add_router("/text/", text_router)
api.add_router("/registry/", registry_router)
api.add_router("/accounts/", accounts_router)
api.add_router("/visits/", visits_router)
api.add_router("/open311/", open311_router)
api.add_router("/participation/", participation_router)
api.add_router("/cobuilding/", cobuilding_router)
api.add_router("/volunteers/", volunteers_router)
api.add_router("/committees/", committees_router)
api.add_router("/mediation/", mediation_router)
api.add_router("/care/", care_router)
api.add_router("/events/", events_router)
api.add_router("/renewal/", renewal_router)
api.add_router("/insight/", insight_router)
