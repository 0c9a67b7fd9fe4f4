"""Pages for the public (residents, merchants, couriers): report a problem, follow it, rate it.
No account: a report gets a number; the number plus the phone's last four digits open it."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.cases import forms, pending, phonecodes, photos, selectors, services
from gongzhi.cases.models import Case, PendingPhoto, Source, Status
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.throttle import locked, strike, throttled
from gongzhi.territory.models import Area, AreaKind

REPORTS_PER_HOUR = 20
# Tracking (issue 14): look-ups per client address are limited only generously (an office or a
# mobile carrier puts many residents behind one address); wrong guesses of the phone's last four
# digits are counted per case number, whatever address they come from, and lock that number for
# an hour; look-ups of numbers that do not exist are wrong guesses counted per address.
TRACKS_PER_HOUR = 300
WRONG_GUESSES_PER_NUMBER = 5
WRONG_GUESSES_PER_ADDRESS = 60


def _throttled(request: HttpRequest, bucket: str, limit: int) -> bool:
    return throttled(request, bucket, limit)


def report_page(
    request: HttpRequest,
    *,
    initial: dict | None = None,
    bucket: str = "report",
    limit: int | None = None,
    context: dict | None = None,
) -> HttpResponse:
    """The public report form, shared by /public/report/ and the pages that prefill it (the
    courier map's "report a problem here"): throttle, form, create_case, the number in the
    session and the redirect to the submitted page. Photos of a form that comes back with an
    error are kept server-side under a signed token (cases.pending) and go with the corrected one."""
    limit = REPORTS_PER_HOUR if limit is None else limit
    form = forms.PublicReportForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    kept = None
    if request.method == "POST":
        status = 422
        kept = pending.carried(request)
        new = request.FILES.getlist("photos")
        if _throttled(request, bucket, limit):
            form.add_error(None, _("提交太频繁，请稍后再试。"))
            return render(
                request,
                "cases/public/report.html",
                {**(context or {}), "form": form, "map_centre": _map_centre(request, form)},
                status=429,
            )
        if kept.error:
            _add_once(form, "photos", kept.error)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if len(kept.rows) + len(data["photos"]) > photos.MAX_PHOTOS:
                    raise DomainError(_("最多上传 %(n)d 张照片。") % {"n": photos.MAX_PHOTOS})
                case = services.create_case(
                    actor=None,
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    source=Source.WEB,
                    area=data["area"],
                    lat=data["lat"],
                    lng=data["lng"],
                    address=data["address"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    photos_=pending.as_uploads(kept.rows) + list(data["photos"]),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                pending.discard(kept.rows)
                request.session["reported"] = case.number
                return redirect(reverse("public:submitted") + f"?n={case.number}")
        if message := pending.carry(kept, new):
            _add_once(form, "photos", message)
    page = {
        **(context or {}),
        "form": form,
        "pending_photos": kept.rows if kept else [],
        "photo_token": kept.signed if kept else "",
        "map_centre": _map_centre(request, form),
    }
    return render(request, "cases/public/report.html", page, status=status)


def _add_once(form: forms.PublicReportForm, field: str, message: str) -> None:
    if message not in form.errors.get(field, []) and message not in form.non_field_errors():
        form.add_error(field, message)


def _map_centre(request: HttpRequest, form: forms.PublicReportForm) -> list[float] | None:
    """Where the report map opens: the subdistrict asked for (?subdistrict=code), else the one of
    the chosen neighbourhood, else the first subdistrict, never between two of them."""
    subdistricts = Area.objects.filter(kind=AreaKind.SUBDISTRICT).exclude(centre_lat=None)
    chosen = None
    if code := (request.GET.get("subdistrict") or "").strip()[:40]:
        chosen = subdistricts.filter(code=code).first()
    area = form.data.get("area") if form.is_bound else None
    area = area or getattr(form.initial.get("area"), "pk", None)
    if chosen is None and str(area or "").isdigit():
        neighbourhood = Area.objects.filter(pk=int(area)).select_related("subdistrict").first()
        chosen = neighbourhood.subdistrict if neighbourhood else None
    chosen = chosen or subdistricts.order_by("path").first()
    if chosen is None or chosen.centre_lat is None:
        return None
    return [chosen.centre_lat, chosen.centre_lng]


def pending_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A kept photo's thumbnail, for the visitor whose form it was only."""
    owner = request.session.get(pending.SESSION_KEY)
    row = PendingPhoto.objects.filter(pk=pk, owner=owner).first() if owner else None
    if row is None:
        raise Http404
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    return report_page(request)


def submitted(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("n", "")
    if request.session.get("reported") != number:
        return redirect("public:track")
    return render(request, "cases/public/submitted.html", {"number": number})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    # Looked up by POST only: the number and the phone's last four digits stay out of URLs and logs.
    form = forms.TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")[:24]})
    case = None
    status = 200
    rating_form = None
    if form.is_bound:
        case, status = _look_up(request, form)
    if case is not None and request.method == "POST" and "rating" in request.POST:
        rating_form = forms.RatingForm(request.POST)
        if rating_form.is_valid():
            try:
                services.rate_case(
                    case=case,
                    rating=rating_form.cleaned_data["rating"],
                    solved=rating_form.cleaned_data["solved"],
                    comment=rating_form.cleaned_data["comment"],
                )
            except DomainError as exc:
                rating_form.add_error(None, exc.message)
                status = exc.status
            else:
                case = selectors.track_public(case.number, case.reporter_phone_last4)
                rating_form = None
                events = selectors.public_timeline(case)
                return render(
                    request,
                    "cases/public/track.html",
                    {
                        "form": form,
                        "case": case,
                        "events": events,
                        "photos": _public_photos(case, events),
                        "rated": True,
                    },
                )
        else:
            status = 422
    if case is not None and case.status == Status.CLOSED and rating_form is None:
        rating_form = forms.RatingForm()
    events = selectors.public_timeline(case) if case else []
    if case is not None:
        _remember(request, case)
    context = {
        "form": form,
        "case": case,
        "events": events,
        "photos": _public_photos(case, events) if case else [],
        "rating_form": rating_form,
    }
    return render(request, "cases/public/track.html", context, status=status)


TRACKED_KEY = "tracked_cases"
TRACKED_KEEP = 10


def _remember(request: HttpRequest, case: Case) -> None:
    """The numbers this visitor opened with the right last four digits: their photos may be shown
    to this session (and to no other) without asking for the digits again."""
    numbers = [n for n in request.session.get(TRACKED_KEY, []) if n != case.number]
    request.session[TRACKED_KEY] = [*numbers, case.number][-TRACKED_KEEP:]


def _public_photos(case: Case, events) -> list:
    """The photos of the steps the reporter may see: their own report's, the handler's reply's."""
    shown = {e.pk for e in events}
    return [a for a in case.attachments.all() if a.event_id in shown]


def tracked_photo(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A photo of a case this session has opened on the tracking page."""
    if number not in request.session.get(TRACKED_KEY, []):
        raise Http404
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise Http404
    photo = next((a for a in _public_photos(case, selectors.public_timeline(case)) if a.pk == pk), None)
    if photo is None:
        raise Http404
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _look_up(request: HttpRequest, form: forms.TrackForm) -> tuple[Case | None, int]:
    """One tracking look-up under the limits above; the refusal is put on the form."""
    address = request.META.get("REMOTE_ADDR", "")
    if _throttled(request, "track", TRACKS_PER_HOUR):
        form.add_error(None, _("查询太频繁，请稍后再试。"))
        return None, 429
    if locked("track-address", address):
        form.add_error(None, _("从您的网络查询错误的次数太多，请一小时后再试。"))
        return None, 429
    if not form.is_valid():
        return None, 422
    number = form.cleaned_data["number"].strip()
    if locked("track-number", number):
        form.add_error(None, _("这个工单编号输错手机号后四位的次数太多，已暂停查询，请一小时后再试。"))
        return None, 429
    try:
        return selectors.track_public(number, form.cleaned_data["phone_last4"]), 200
    except (NotFound, DomainError) as exc:
        form.add_error(None, exc.message)
    if Case.objects.filter(number=number).exists():
        strike(request, "track-number", WRONG_GUESSES_PER_NUMBER, key=number)
    # Every wrong guess, of an unknown number or of a known number's phone, counts per address too.
    strike(request, "track-address", WRONG_GUESSES_PER_ADDRESS, key=address)
    return None, 404


def areas_geojson(request: HttpRequest) -> JsonResponse:
    """Outlines of subdistricts and neighbourhoods for the public map (names only, no cases)."""
    features = [
        {
            "type": "Feature",
            "geometry": area.boundary,
            "properties": {"id": area.pk, "name": area.name, "kind": area.kind},
        }
        for area in Area.objects.filter(kind__in=[AreaKind.SUBDISTRICT, AreaKind.NEIGHBOURHOOD]).exclude(
            boundary=None
        )
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_POST
def follow(request: HttpRequest, number: str) -> HttpResponse:
    """ "I have this problem too": follow an open case by phone instead of filing a duplicate.
    Two steps: the phone gets a one-time code, and only the code confirms the follow, so
    nobody subscribes a number that is not theirs."""
    case = Case.objects.filter(number=number).first()
    if case is None:
        return render(request, "cases/public/_follow.html", {"error": _("没有找到这个工单。")}, status=404)
    if _throttled(request, "follow", REPORTS_PER_HOUR):
        return render(
            request, "cases/public/_follow.html", {"error": _("操作太频繁，请稍后再试。")}, status=429
        )
    phone, code = request.POST.get("phone", ""), request.POST.get("code", "").strip()
    purpose = f"follow:{case.number}"
    try:
        if not case.is_open:
            raise DomainError(_("该工单已办结，如问题仍然存在，请重新反映。"))
        if not code:
            phonecodes.send_code(phone=phone, purpose=purpose, subdistrict=case.subdistrict)
            return render(
                request, "cases/public/_follow.html", {"case": case, "code_sent": True, "phone": phone}
            )
        if not phonecodes.verify_code(phone=phone, purpose=purpose, code=code):
            raise DomainError(_("验证码不正确或已过期，请重新获取。"), code="code_refused")
        created = services.follow_case(case=case, phone=phone)
    except DomainError as exc:
        return render(
            request, "cases/public/_follow.html", {"error": exc.message, "case": case}, status=exc.status
        )
    return render(request, "cases/public/_follow.html", {"case": case, "created": created, "done": True})
