"""Public pages (no account, phone first): campaigns, submitting a suggestion with a one-time
code, supporting one, a suggestion's state, the progress board per area or committee (with its
xlsx and printable PDF 公示), published minutes, and the QR sign-in of a meeting. Only what passed
moderation is shown, and only its redacted text."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.cases import phonecodes
from gongzhi.core.errors import DomainError
from gongzhi.core.throttle import throttled
from gongzhi.participation import exports, selectors, services
from gongzhi.participation.models import Campaign, ItemKind, ItemStatus, Meeting, MeetingStatus, SignIn
from gongzhi.territory.models import Area, AreaKind

SUBMITS_PER_HOUR = 10
CODES_PER_HOUR = 10


def _throttled(request: HttpRequest, bucket: str, limit: int) -> bool:
    return throttled(request, f"participation:{bucket}", limit)


def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    campaigns = selectors.public_campaigns().order_by("-starts_on")
    return render(
        request,
        "participation/public/home.html",
        {
            "open": [c for c in campaigns if c.starts_on <= today <= c.ends_on],
            "past": [c for c in campaigns if c.ends_on < today][:10],
            "subdistricts": Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("code"),
        },
    )


def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    c = Campaign.objects.select_related("area").filter(pk=pk).first()
    if c is None:
        raise Http404
    suggestions = selectors.public_suggestions().filter(campaign=c).order_by("-supports_count", "-id")
    today = timezone.localdate()
    return render(
        request,
        "participation/public/campaign.html",
        {
            "c": c,
            "suggestions": suggestions[:100],
            "total": suggestions.count(),
            "open": c.starts_on <= today <= c.ends_on,
        },
    )


@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """Send a one-time code for submitting (purpose "suggest") or supporting (ref given)."""
    ref = request.POST.get("ref", "")
    error = ""
    try:
        if _throttled(request, "code", CODES_PER_HOUR):
            raise DomainError(_("获取验证码太频繁，请稍后再试。"))
        if ref:
            s = selectors.public_suggestion(ref)
            purpose, subdistrict = services.support_purpose(s.ref), s.subdistrict
        else:
            area = Area.objects.filter(pk=request.POST.get("area") or 0).first()
            if area is None or area.subdistrict_id is None:
                raise DomainError(_("请先选择所在的居民区。"))
            purpose, subdistrict = services.SUGGEST_PURPOSE, area.subdistrict
        phonecodes.send_code(phone=request.POST.get("phone", ""), purpose=purpose, subdistrict=subdistrict)
    except DomainError as exc:
        error = exc.message
    return render(request, "participation/public/_code_sent.html", {"error": error})


def _campaign_areas(c: Campaign | None):
    qs = Area.objects.filter(kind__in=[AreaKind.NEIGHBOURHOOD]).order_by("path")
    return qs.filter(path__startswith=c.area.path) if c else qs


@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, pk: int) -> HttpResponse:
    c = Campaign.objects.select_related("area").filter(pk=pk).first()
    if c is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        status = 422
        post = request.POST
        try:
            if _throttled(request, "submit", SUBMITS_PER_HOUR):
                raise DomainError(_("提交太频繁，请稍后再试。"))
            area = _campaign_areas(c).filter(pk=post.get("area") or 0).first()
            if area is None:
                raise DomainError(_("请选择所在的居民区。"))
            lat, lng = _float(post.get("lat")), _float(post.get("lng"))
            s = services.submit_suggestion(
                area=area,
                campaign=c,
                title=post.get("title", ""),
                body=post.get("body", ""),
                phone=post.get("phone", ""),
                code=post.get("code", ""),
                lat=lat,
                lng=lng,
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(reverse("participation:public_suggestion", args=[s.ref]) + "?new=1")
    return render(
        request,
        "participation/public/suggest.html",
        {"c": c, "areas": _campaign_areas(c), "error": error, "post": request.POST},
        status=status,
    )


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def suggestion(request: HttpRequest, ref: str) -> HttpResponse:
    """The public page of a suggestion. Before approval only its state shows (the author follows
    it by its number); its text never appears until a moderator has approved it."""
    from gongzhi.participation.models import Suggestion

    s = Suggestion.objects.select_related("campaign", "topic", "case", "area").filter(ref=ref).first()
    if s is None:
        raise Http404
    return render(
        request,
        "participation/public/suggestion.html",
        {
            "s": s,
            "new": request.GET.get("new") == "1",
            "can_support": s.status in ("published", "triage"),
            "entries": selectors.timeline("suggestion", s.pk, public_only=True) if s.is_public else [],
        },
    )


@require_POST
def support(request: HttpRequest, ref: str) -> HttpResponse:
    error = ""
    counted = False
    try:
        s = selectors.public_suggestion(ref)
        counted = services.support_suggestion(
            suggestion=s, phone=request.POST.get("phone", ""), code=request.POST.get("code", "")
        )
        s.refresh_from_db()
    except DomainError as exc:
        error = exc.message
        s = None
    return render(
        request, "participation/public/_supported.html", {"error": error, "counted": counted, "s": s}
    )


@require_POST
def report(request: HttpRequest, ref: str) -> HttpResponse:
    """A resident reports a public suggestion (one report per verified phone)."""
    error, counted = "", False
    try:
        s = selectors.public_suggestion(ref)
        counted = services.report_suggestion(
            suggestion=s,
            phone=request.POST.get("phone", ""),
            code=request.POST.get("code", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        error = exc.message
    return render(request, "participation/public/_reported.html", {"error": error, "counted": counted})


def _board_area(pk: int) -> Area:
    area = Area.objects.filter(pk=pk).first()
    if area is None:
        raise Http404
    return area


def board(request: HttpRequest, area_pk: int) -> HttpResponse:
    """The public progress board of an area (and, with ?board=, of one committee's lists)."""
    area = _board_area(area_pk)
    all_items = selectors.public_items(area)
    items = all_items
    chosen = request.GET.get("board", "")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    if chosen:
        items = items.filter(board=chosen)
    if status in ItemStatus.values:
        items = items.filter(status=status)
    if kind in ItemKind.values:
        items = items.filter(kind=kind)
    fmt = request.GET.get("format", "")
    title = f"{area.name}{chosen or ''}清单公示"
    if fmt == "xlsx":
        return exports.xlsx_response(items, title)
    if fmt == "pdf":
        return exports.pdf_response(items, title, selectors.board_summary(items))
    return render(
        request,
        "participation/public/board.html",
        {
            "area": area,
            "items": items,
            "summary": selectors.board_summary(items),
            "boards": selectors.boards_in(all_items),
            "chosen": chosen,
            "status": status,
            "kind": kind,
            "statuses": ItemStatus.choices,
            "kinds": ItemKind.choices,
            "meetings": selectors.public_meetings(area)[:10],
            "now": timezone.now(),
            "query": request.GET.urlencode(),
        },
    )


def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    m = Meeting.objects.select_related("topic", "area").filter(pk=pk, status=MeetingStatus.PUBLISHED).first()
    if m is None:
        raise Http404
    return render(request, "participation/public/minutes.html", {"m": m, "motions": m.motions.all()})


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    m = Meeting.objects.filter(sign_in_token=token).first()
    if m is None:
        raise Http404
    error, done = "", None
    if request.method == "POST":
        try:
            done = services.sign_in(
                meeting=m,
                name=request.POST.get("name", ""),
                capacity=request.POST.get("capacity", ""),
                proxy_for=request.POST.get("proxy_for", ""),
                method=SignIn.QR,
            )
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "participation/public/sign_in.html",
        {"m": m, "error": error, "done": done},
        status=422 if error else 200,
    )
