"""GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2) and the mySociety
`servicerequestupdates` extension, in XML and JSON. Thin: parse, call a selector or
`services.submit_request`, render. Errors are the spec's list with 400/403/404 (429 when a
key's minute budget is spent)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.accounts.idempotency import run_once
from gongzhi.core.errors import DomainError
from gongzhi.open311 import formats, selectors, services
from gongzhi.open311.models import ApiKey
from gongzhi.territory.models import Area, AreaKind

MAX_RANGE = dt.timedelta(days=90)
MAX_RESULTS = 1000


class Refused(Exception):
    def __init__(self, status: int, description: str):
        self.status = status
        self.description = description
        super().__init__(description)


def _public_read() -> bool:
    return getattr(settings, "GONGZHI_OPEN311_PUBLIC_READ", True)


def _key(request: HttpRequest, *, required: bool) -> ApiKey | None:
    secret = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not secret:
        if required:
            raise Refused(403, _("缺少 api_key。"))
        return None
    # The actor's scope too: filing checks it (case.create), one JOIN instead of a SELECT.
    key = ApiKey.objects.select_related("subdistrict", "actor__scope").matching(secret)
    if key is None:
        raise Refused(403, _("api_key 无效或已吊销。"))
    if not services.take_rate(key):
        raise Refused(429, _("请求过于频繁：每分钟最多 %(n)d 次。") % {"n": key.rate_limit})
    return key


def _jurisdiction(request: HttpRequest, key: ApiKey | None) -> Area | None:
    code = (request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    if not code:
        return None
    area = Area.objects.filter(code=code, kind=AreaKind.SUBDISTRICT).first()
    if area is None:
        raise Refused(404, _("jurisdiction_id 不存在：%(code)s") % {"code": code})
    if key is not None and key.subdistrict_id != area.pk:
        raise Refused(403, _("api_key 不属于 jurisdiction_id 所指的街道。"))
    return area


def endpoint(*methods: str) -> Callable:
    """Wrap a GeoReport view: format check, allowed methods, errors in the spec's shape."""

    def wrap(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def handle(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = formats.errors(
                    fmt, 405, (405, _("不支持的请求方法：%(m)s") % {"m": request.method})
                )
                response["Allow"] = ", ".join(methods)
                return response
            if any("\x00" in v for q in (request.GET, request.POST) for vs in q.lists() for v in vs[1]):
                # PostgreSQL cannot store or compare text with NUL; refuse it up front.
                return formats.errors(fmt, 400, (400, _("参数中含有不允许的控制字符。")))
            try:
                return view(request, fmt, **kwargs)
            except Refused as refused:
                return formats.errors(fmt, refused.status, (refused.status, refused.description))
            except DomainError as error:
                status = error.status if error.status in (400, 403, 404, 409) else 400
                return formats.errors(fmt, status, (status, error.message))

        return handle

    return wrap


# ---------------------------------------------------------------- discovery and services


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", args=["xml"])).rsplit("/", 1)[0]
    return formats.render(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-25T00:00:00+08:00",
            "contact": getattr(settings, "GONGZHI_OPEN311_CONTACT", "") or _("请联系本平台的系统管理员。"),
            "key_service": _("接口密钥由街道系统管理员发放（页面或 gongzhi apikey create）。"),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-11-25T00:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    _jurisdiction(request, None)
    return formats.render(fmt, "services", [selectors.service_dict(c) for c in selectors.services()])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    _jurisdiction(request, None)
    category = selectors.services().filter(code=code).first()
    if category is None:
        raise Refused(404, _("没有这个服务：%(code)s") % {"code": code})
    return formats.render(fmt, "service_definition", selectors.definition_dict(category))


# ---------------------------------------------------------------- requests


_UNESCAPED_PLUS = re.compile(r"(?<=\d) (\d{2}(?::?\d{2})?)$")


def _moment(value: str, name: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        # A "+" left unescaped in a query string arrives as " ": "…T08:00:00 08:00".
        moment = parse_datetime(_UNESCAPED_PLUS.sub(r"+\1", value))
        if moment is None and (day := parse_date(value)):
            moment = dt.datetime.combine(day, dt.time())
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(
            400, _("%(name)s 不是 W3C 日期时间（例如 2026-01-01T00:00:00+08:00）。") % {"name": name}
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _date_range(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    start = _moment(request.GET.get("start_date", ""), "start_date")
    end = _moment(request.GET.get("end_date", ""), "end_date")
    if start and not end:
        end = start + MAX_RANGE
    elif end and not start:
        start = end - MAX_RANGE
    elif not start and not end:
        end = timezone.now()
        start = end - MAX_RANGE
    if end < start:
        raise Refused(400, _("end_date 早于 start_date。"))
    if end - start > MAX_RANGE:
        raise Refused(400, _("start_date 与 end_date 相隔不能超过 90 天。"))
    return start, end


def _positive_int(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise Refused(400, _("%(name)s 必须是正整数。") % {"name": name})
    return min(int(raw), maximum)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _reader(request: HttpRequest) -> tuple[ApiKey | None, Area | None]:
    key = _key(request, required=not _public_read())
    return key, _jurisdiction(request, key)


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    key, jurisdiction = _reader(request)
    cases = selectors.visible_cases(key=key, jurisdiction=jurisdiction)
    ids = _csv(request.GET.get("service_request_id", ""))
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Refused(400, _("一次最多查询 %(n)d 个 service_request_id。") % {"n": MAX_RESULTS})
        rows = list(cases.filter(number__in=ids).order_by("-created_at", "-id"))
        return formats.render(fmt, "service_requests", selectors.requests_list(rows))
    start, end = _date_range(request)
    cases = cases.filter(created_at__gte=start, created_at__lte=end)
    codes = _csv(request.GET.get("service_code", ""))
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = _csv(request.GET.get("status", "").lower())
    if any(s not in ("open", "closed") for s in statuses):
        raise Refused(400, _("status 只能是 open 或 closed。"))
    if statuses and len(set(statuses)) == 1:
        finished = selectors.FINISHED_STATUSES
        cases = (
            cases.filter(status__in=finished)
            if statuses[0] == "closed"
            else cases.exclude(status__in=finished)
        )
    page_size = _positive_int(request, "page_size", MAX_RESULTS, MAX_RESULTS)
    page = _positive_int(request, "page", 1, 10**6)
    offset = (page - 1) * page_size
    rows = list(cases.order_by("-created_at", "-id")[offset : offset + page_size])
    return formats.render(fmt, "service_requests", selectors.requests_list(rows))


_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _number(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Refused(400, _("%(name)s 必须是数字。") % {"name": name}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Refused(400, _("%(name)s 必须是数字。") % {"name": name})
    return value


def _submission(request: HttpRequest) -> services.Submission:
    data = request.POST
    code = data.get("service_code", "").strip()
    if not code:
        raise Refused(400, _("缺少 service_code。"))
    lat, lng = _number(request, "lat"), _number(request, "long")
    if (lat is None) != (lng is None):
        raise Refused(400, _("lat 和 long 必须同时提供。"))
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Refused(400, _("lat/long 超出范围。"))
    email = data.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Refused(400, _("email 格式不正确。")) from None
    media_url = data.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Refused(400, _("media_url 必须是 http(s) 网址。")) from None
    description = data.get("description", "")
    if len(description) > 4000:
        raise Refused(400, _("description 不能超过 4000 字。"))
    attributes: dict[str, list[str]] = {}
    for name in data:
        match = _ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).extend(data.getlist(name))
    return services.Submission(
        service_code=code,
        lat=lat,
        lng=lng,
        address_string=data.get("address_string", "")[:200],
        address_id=data.get("address_id", ""),
        description=description,
        email=email,
        device_id=data.get("device_id", ""),
        account_id=data.get("account_id", ""),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        media_url=media_url,
        attributes=attributes,
    )


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _key(request, required=True)
    _jurisdiction(request, key)

    def create() -> tuple[int, list]:
        record = services.submit_request(key=key, submission=_submission(request))
        notice = _("已受理登记，编号 %(n)s，将在 %(due)s 前响应。") % {
            "n": record.case.number,
            "due": selectors.iso(record.case.response_due),
        }
        body = [
            {
                "service_request_id": record.case.number,
                "token": record.token,
                "service_notice": notice,
                "account_id": record.account_id or None,
            }
        ]
        return 201, body

    # A retrying client (a 12345 platform) sends the same Idempotency-Key: it gets the first
    # answer again, not a second case; the same key with another body is a 409 (as the REST API).
    status, body, replayed = run_once(
        user=key.actor,
        key=request.headers.get("Idempotency-Key"),
        scope="open311.requests",
        # The parsed fields, sorted: form-encoded and multipart retries of one request agree.
        body=json.dumps(sorted(request.POST.lists()), ensure_ascii=False).encode(),
        create=create,
    )
    response = formats.render(fmt, "service_requests", body, status=status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    key, jurisdiction = _reader(request)
    case = selectors.visible_cases(key=key, jurisdiction=jurisdiction).filter(number=number).first()
    if case is None:
        raise Refused(404, _("没有这个 service_request_id：%(n)s") % {"n": number})
    return formats.render(fmt, "service_requests", selectors.requests_list([case]))


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    key, jurisdiction = _reader(request)
    case = selectors.visible_cases(key=key, jurisdiction=jurisdiction).filter(open311__token=token).first()
    if case is None:
        raise Refused(404, _("没有这个 token。"))
    return formats.render(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])


@endpoint("GET")
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety extension: status changes between start_date and end_date (default 90 days)."""
    key, jurisdiction = _reader(request)
    start, end = _date_range(request)
    cases = selectors.visible_cases(key=key, jurisdiction=jurisdiction)
    return formats.render(
        fmt, "service_request_updates", selectors.updates(cases, start=start, end=end, limit=MAX_RESULTS)
    )
