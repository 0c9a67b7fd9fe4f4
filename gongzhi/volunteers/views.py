"""志愿+ pages. Staff: volunteers with hours, stars and balances, activities with their QR code
and sign-ups, small good deeds, the points shop, the export for the city platform. Volunteers
(no staff account): a phone-code sign-in, their own page, the scan page of an activity, the shop."""

from __future__ import annotations

import datetime as dt
from functools import wraps

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import phonecodes
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import client_ip, int_or_none, page_of, staff_page
from gongzhi.volunteers import export as export_rows
from gongzhi.volunteers import ledger, party, selectors, services, transitions
from gongzhi.volunteers.models import (
    CredentialKind,
    DeedState,
    Opportunity,
    OpportunityState,
    Redemption,
    RedemptionState,
    Reward,
    Signup,
    SignupState,
    Volunteer,
)

SESSION_KEY = "volunteer_id"
PURPOSE = "volunteer:login"


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


# ---------------------------------------------------------------- staff pages


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "volunteer.view")
    qs = selectors.with_totals(selectors.volunteers_for(user).filter(active=True).select_related("area"))
    query = (request.GET.get("q") or "").strip()
    if query:
        qs = qs.filter(name__icontains=query)
    page = page_of(request, qs, 30)
    for v in page:
        v.stars = selectors.stars(v.total_hours)
    now = timezone.now()
    return render(
        request,
        "volunteers/index.html",
        {
            "page": page,
            "query": query,
            "figures": selectors.figures(user),
            "opportunities": selectors.opportunities_for(user)
            .filter(state=OpportunityState.OPEN, ends_at__gte=now)
            .select_related("scenario")
            .order_by("starts_at")[:20],
            "can_export": permissions.has(user, "volunteer.export", user.scope),
            "can_send_party": permissions.has(user, "party_summary.send", user.scope),
            "last_year": timezone.localdate().year - 1,
        },
    )


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    volunteer = selectors.volunteer_for(user, pk)
    hours = selectors.hours_of(volunteer)
    return render(
        request,
        "volunteers/detail.html",
        {
            "volunteer": volunteer,
            "balance": ledger.balance(volunteer),
            "hours": hours,
            "stars": selectors.stars(hours),
            "entries": selectors.entries_for(user)
            .filter(volunteer=volunteer)
            .order_by("-created_at", "-id")[:100],
            "records": selectors.records_for(user).filter(volunteer=volunteer)[:100],
            "credentials": selectors.credentials_for(user).filter(volunteer=volunteer),
            "skills": volunteer.skills.all(),
        },
    )


@staff_page
def credentials(request: HttpRequest, pk: int) -> HttpResponse:
    """A volunteer's training, awards and evaluations: listed for every reader, added (one form)
    by those who manage volunteers. A refusal shows its message above the form, kept filled."""
    user = request.user
    volunteer = selectors.volunteer_for(user, pk)
    can_add = permissions.has(user, "credential.add", volunteer)
    error, form, status = None, {}, 200
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in ("kind", "title", "on", "note")}
        try:
            services.add_credential(
                actor=user,
                volunteer=volunteer,
                kind=form["kind"],
                title=form["title"],
                on=_date_or_none(form["on"], "on"),
                note=form["note"],
            )
            messages.success(request, _("已登记。"))
            return redirect("volunteers:credentials", pk=volunteer.pk)
        except DomainError as exc:
            error, status = exc.message, exc.status
    return render(
        request,
        "volunteers/credentials.html",
        {
            "volunteer": volunteer,
            "credentials": selectors.credentials_for(user)
            .filter(volunteer=volunteer)
            .select_related("recorded_by"),
            "kinds": CredentialKind.choices,
            "can_add": can_add,
            "form": form,
            "error": error,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5)


@staff_page
def opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.opportunity_for(user, pk)
    if request.method == "POST":
        signup = Signup.objects.filter(opportunity=item, pk=int_or_none(request.POST.get("signup"))).first()
        try:
            if signup is None:
                raise DomainError(_("未找到该报名。"))
            services.act(actor=user, signup=signup, action=request.POST.get("action", ""))
            if (
                request.POST.get("action") == transitions.SignupAction.VERIFY
                and request.POST.get("credit") == "1"
            ):
                services.act(actor=user, signup=signup, action=transitions.SignupAction.CREDIT)
            messages.success(request, _("已处理。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:opportunity", pk=item.pk)
    scan_url = request.build_absolute_uri(reverse("volunteers:scan", args=[item.code]))
    signups = list(item.signups.select_related("volunteer").order_by("created_at"))
    can_manage = permissions.has(user, "opportunity.manage", item)
    for s in signups:
        s.actions = (
            [
                (a, transitions.LABELS[a])
                for a in transitions.staff_actions_from(s.state)
                if a != transitions.SignupAction.CREDIT
            ]
            if can_manage
            else []
        )
    return render(
        request,
        "volunteers/opportunity.html",
        {"opportunity": item, "signups": signups, "qr": _qr_svg(scan_url), "scan_url": scan_url},
    )


@staff_page
def deeds(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "volunteer.view")
    if request.method == "POST":
        try:
            if request.POST.get("deed"):
                deed = selectors.deeds_for(user).filter(pk=int_or_none(request.POST.get("deed"))).first()
                if deed is None:
                    raise DomainError(_("未找到该善举。"))
                services.confirm_deed(actor=user, deed=deed, accept=request.POST.get("accept") == "1")
            else:
                volunteer = selectors.volunteer_for(user, int_or_none(request.POST.get("volunteer")) or 0)
                services.report_deed(
                    actor=user,
                    volunteer=volunteer,
                    description=request.POST.get("description", ""),
                    happened_on=timezone.localdate(),
                    reporter_name=request.POST.get("reporter_name", ""),
                )
            messages.success(request, _("已保存。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:deeds")
    qs = selectors.deeds_for(user).select_related("volunteer", "reported_by", "confirmed_by")
    return render(
        request,
        "volunteers/deeds.html",
        {
            "pending": qs.filter(state=DeedState.REPORTED)[:50],
            "done": qs.exclude(state=DeedState.REPORTED)[:30],
            "volunteers": selectors.volunteers_for(user).filter(active=True).order_by("name")[:300],
            "can_report": permissions.has(user, "deed.report", user.scope),
            "can_confirm": permissions.has(user, "deed.confirm", user.scope),
        },
    )


@staff_page
def shop(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "volunteer.view")
    if request.method == "POST":
        redemption = (
            selectors.redemptions_for(user).filter(pk=int_or_none(request.POST.get("redemption"))).first()
        )
        try:
            if redemption is None:
                raise DomainError(_("未找到该兑换。"))
            if request.POST.get("action") == "cancel":
                services.cancel_redemption(
                    redemption=redemption, actor=user, note=request.POST.get("note", "")
                )
            else:
                services.fulfil_redemption(actor=user, redemption=redemption)
            messages.success(request, _("已处理。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:shop")
    return render(
        request,
        "volunteers/shop.html",
        {
            "rewards": selectors.rewards_for(user).select_related("provider"),
            "requested": selectors.redemptions_for(user)
            .filter(state=RedemptionState.REQUESTED)
            .select_related("reward", "volunteer")[:100],
            "can_handle": permissions.has(user, "redemption.handle", user.scope),
        },
    )


def _date_or_none(value: str | None, field: str = "date") -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise FieldError(field, _("日期格式应为 2026-01-31。")) from None


@staff_page
def export(request: HttpRequest) -> HttpResponse:
    """Service records for the city volunteer platform (CSV, or xlsx with ?format=xlsx; ?from=
    and ?to= limit the dates); ?kind=credentials the training, awards and evaluations;
    ?kind=party&year= the yearly summary of 在职党员, ?kind=party_units the same per unit."""
    _require(request.user, "volunteer.export")  # refused before any input is read
    data, content_type, name = export_rows.download(
        request.user,
        kind=request.GET.get("kind", "records"),
        fmt="xlsx" if request.GET.get("format") == "xlsx" else "csv",
        year=int_or_none(request.GET.get("year")),
        since=_date_or_none(request.GET.get("from"), "from"),
        until=_date_or_none(request.GET.get("to"), "to"),
        ip=client_ip(request),
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_page
def party_summary(request: HttpRequest) -> HttpResponse:
    """POST: send the year's 在职党员双报到 summary to each unit's party organisation (notices)."""
    if request.method != "POST":
        return redirect("volunteers:index")
    try:
        year = int_or_none(request.POST.get("year"))
        if year is None:
            raise FieldError("year", _("请填写年度。"))
        result = party.send_party_summaries(actor=request.user, year=year)
        messages.success(
            request,
            _("%(year)s年汇总：新发送%(sent)s个单位党组织，此前已发送%(already)s个。")
            % {"year": year, "sent": len(result.sent), "already": len(result.already)},
        )
        if result.without_account:
            messages.warning(
                request,
                _("以下党组织没有平台账号，请下载汇总表后另行送达：%(names)s")
                % {"names": "、".join(result.without_account)},
            )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    return redirect("volunteers:index")


# ---------------------------------------------------------------- the volunteers' own pages


def _current(request: HttpRequest) -> Volunteer | None:
    pk = request.session.get(SESSION_KEY)
    return Volunteer.objects.filter(pk=pk, active=True).select_related("area").first() if pk else None


def volunteer_page(view):
    """The volunteer signed in with their phone; a DomainError becomes a message on the page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        volunteer = _current(request)
        if volunteer is None:
            return redirect(reverse("volunteers:login") + "?next=" + request.get_full_path())
        response = view(request, volunteer, *args, **kwargs)
        response.setdefault("Cache-Control", "no-store")
        return response

    return wrapper


def login(request: HttpRequest) -> HttpResponse:
    context = {
        "phone": request.POST.get("phone", ""),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    if request.method == "POST":
        phone = (request.POST.get("phone") or "").strip()
        volunteer = services.volunteer_by_phone(phone)
        if request.POST.get("code"):
            if volunteer is not None and phonecodes.verify_code(
                phone=phone, purpose=PURPOSE, code=request.POST["code"]
            ):
                request.session.cycle_key()
                request.session[SESSION_KEY] = volunteer.pk
                target = (
                    context["next"]
                    if context["next"].startswith("/volunteers/")
                    else reverse("volunteers:me")
                )
                return redirect(target)
            context["error"] = _("验证码不正确或已过期。")
            context["sent"] = True
        else:
            try:
                if volunteer is not None:
                    phonecodes.send_code(phone=phone, purpose=PURPOSE, subdistrict=volunteer.subdistrict)
                else:
                    phonecodes.normalise_phone(phone)
                context["sent"] = True
                context["info"] = _("如该手机号已登记为志愿者，验证码已发送。")
            except DomainError as exc:
                context["error"] = exc.message
    return render(request, "volunteers/login.html", context)


def logout(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("volunteers:login")


@volunteer_page
def me(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("reward"):
                reward = Reward.objects.filter(
                    pk=int_or_none(request.POST["reward"]),
                    subdistrict_id=volunteer.subdistrict_id,
                    active=True,
                ).first()
                if reward is None:
                    raise DomainError(_("未找到该商品。"))
                services.redeem(volunteer=volunteer, reward=reward)
                messages.success(
                    request,
                    _("兑换成功，请到%(place)s领取“%(name)s”。")
                    % {"place": reward.area, "name": reward.name},
                )
            elif request.POST.get("opportunity"):
                item = Opportunity.objects.filter(
                    pk=int_or_none(request.POST["opportunity"]), subdistrict_id=volunteer.subdistrict_id
                ).first()
                if item is None:
                    raise DomainError(_("未找到该活动。"))
                services.apply(volunteer=volunteer, opportunity=item)
                messages.success(request, _("已报名“%(title)s”，等待确认。") % {"title": item.title})
            elif request.POST.get("cancel_redemption"):
                redemption = Redemption.objects.filter(
                    pk=int_or_none(request.POST["cancel_redemption"]), volunteer=volunteer
                ).first()
                if redemption is None:
                    raise DomainError(_("未找到该兑换。"))
                services.cancel_redemption(redemption=redemption, volunteer=volunteer)
                messages.success(request, _("已取消兑换，积分已退回。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("volunteers:me")
    now = timezone.now()
    hours = selectors.hours_of(volunteer)
    signed = Signup.objects.filter(volunteer=volunteer).exclude(state=SignupState.CANCELLED)
    return render(
        request,
        "volunteers/me.html",
        {
            "volunteer": volunteer,
            "balance": ledger.balance(volunteer),
            "hours": hours,
            "stars": selectors.stars(hours),
            "signups": signed.select_related("opportunity").order_by("-opportunity__starts_at")[:20],
            "open": Opportunity.objects.filter(
                subdistrict_id=volunteer.subdistrict_id, state=OpportunityState.OPEN, ends_at__gt=now
            )
            .exclude(pk__in=signed.values("opportunity_id"))
            .order_by("starts_at")[:20],
            "rewards": Reward.objects.filter(subdistrict_id=volunteer.subdistrict_id, active=True).order_by(
                "points"
            ),
            "redemptions": volunteer.redemptions.select_related("reward").order_by("-created_at")[:10],
            "entries": volunteer.entries.order_by("-created_at", "-id")[:20],
        },
    )


@volunteer_page
def scan(request: HttpRequest, volunteer: Volunteer, code: str) -> HttpResponse:
    """What the activity's QR code opens: check in on arrival, check out when leaving."""
    item = Opportunity.objects.filter(code=code).first()
    signup = Signup.objects.filter(opportunity=item, volunteer=volunteer).first() if item else None
    error = None
    if request.method == "POST" and item is not None:
        try:
            if request.POST.get("action") == "check_out":
                signup = services.check_out(
                    volunteer=volunteer,
                    code=code,
                    travel_minutes=int_or_none(request.POST.get("travel_minutes")) or 0,
                )
                messages.success(request, _("签退成功，感谢您的服务！时长待组织方核实后记入。"))
            else:
                signup = services.check_in(volunteer=volunteer, code=code)
                messages.success(request, _("签到成功。"))
            return redirect("volunteers:scan", code=code)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "volunteers/scan.html",
        {"opportunity": item, "signup": signup, "error": error, "volunteer": volunteer},
        status=400 if error else 200,
    )
