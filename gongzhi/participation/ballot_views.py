"""Pages of 民生实事票决 (ballots): staff set up, open, close, enter paper votes and publish;
residents vote on a phone page with a one-time code and see the result once published."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.cases import phonecodes
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.throttle import throttled
from gongzhi.participation import selectors, services
from gongzhi.participation.models import BallotStatus
from gongzhi.participation.views import _area, _areas, _done, _offered, _viewer
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import int_or_none, page_of, staff_page

VOTES_PER_HOUR = 30
CODES_PER_HOUR = 10


@staff_page
def ballots(request: HttpRequest) -> HttpResponse:
    user = request.user
    _viewer(user)
    return render(
        request,
        "participation/ballots.html",
        {
            "page": page_of(request, selectors.ballots_for(user).select_related("area"), 30),
            "can_manage": permissions.has(user, "participation.ballot.manage", user.scope),
            "areas": _areas(user),
            "today": timezone.localdate(),
        },
    )


@staff_page
@require_POST
def ballot_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    post = request.POST
    try:
        ballot = services.create_ballot(
            actor=user,
            area=_area(request, user),
            title=post.get("title", ""),
            question=post.get("question", ""),
            pick=int_or_none(post.get("pick")) or 0,
            per_household=post.get("per_household") == "1",
            budget_limit=post.get("budget_limit", "").strip() or None,
            opens_on=parse_date(post.get("opens_on") or ""),
            closes_on=parse_date(post.get("closes_on") or ""),
        )
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("请填写有效的日期。")))
        return redirect("participation:ballots")
    return _done(request, reverse("participation:ballot", args=[ballot.pk]))


@staff_page
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.ballot_for(user, pk)
    can_manage = permissions.has(user, "participation.ballot.manage", item)
    return render(
        request,
        "participation/ballot.html",
        {
            "b": item,
            "options": list(item.options.all()),
            "ranked": services.result(item) if item.status in ("closed", "published") else [],
            "offered": _offered("ballot", item.status, user, item),
            "can_manage": can_manage,
            "projects": selectors.projects_for(user).filter(subdistrict_id=item.subdistrict_id)[:50]
            if can_manage and item.status == BallotStatus.DRAFT
            else [],
            "timeline": selectors.timeline("ballot", item.pk),
        },
    )


@staff_page
@require_POST
def ballot_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.ballot_for(user, pk)
    post = request.POST
    action = post.get("action", "")
    url = reverse("participation:ballot", args=[item.pk])
    try:
        if action == "option":
            project = None
            if project_id := int_or_none(post.get("project")):
                project = selectors.projects_for(user).filter(pk=project_id).first()
            services.add_option(
                actor=user,
                ballot=item,
                title=post.get("title", "") or (project.title if project else ""),
                description=post.get("description", ""),
                budget=post.get("budget", ""),
                project=project,
            )
        elif action == "paper":
            counts = {}
            for option in item.options.all():
                raw = (post.get(f"paper-{option.pk}") or "0").strip() or "0"
                if not raw.isdigit():
                    raise FieldError("counts", _("每个项目的票数应为不小于 0 的整数。"))
                counts[option.pk] = int(raw)
            raw_total = (post.get("paper_ballots") or "0").strip() or "0"
            if not raw_total.isdigit():
                raise FieldError("paper_ballots", _("纸质选票张数应为不小于 0 的整数。"))
            services.record_paper_votes(
                actor=user, ballot=item, ballots_counted=int(raw_total), counts=counts
            )
        else:
            services.act_on_ballot(actor=user, ballot=item, action=action)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    return _done(request, url)


# ---------------------------------------------------------------- public


def _public(ref: str):
    found = selectors.public_ballots().filter(ref=ref).first()
    if found is None:
        raise Http404
    return found


def public_ballots(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/public/ballots.html",
        {"ballots": selectors.public_ballots().order_by("-opens_on", "-id")[:30]},
    )


def public_ballot(request: HttpRequest, ref: str) -> HttpResponse:
    """The ballot on a phone: candidates, the vote form while open, the result once published."""
    item = _public(ref)
    status, error, voted, chosen = 200, "", False, []
    if request.method == "POST":
        chosen = [int(i) for i in request.POST.getlist("option") if i.isdigit()]
        if throttled(request, "ballot-vote", VOTES_PER_HOUR):
            error, status = _("提交太频繁，请稍后再试。"), 429
        else:
            try:
                services.cast_vote(
                    ballot=item,
                    phone=request.POST.get("phone", ""),
                    code=request.POST.get("code", ""),
                    option_ids=chosen,
                )
            except DomainError as exc:
                error, status = exc.message, 409 if exc.code in ("already_voted", "household_voted") else 422
            else:
                voted = True
                item.refresh_from_db()
    today = timezone.localdate()
    return render(
        request,
        "participation/public/ballot.html",
        {
            "b": item,
            "options": list(item.options.all()),
            "open": item.status == BallotStatus.OPEN and item.opens_on <= today <= item.closes_on,
            "ranked": services.result(item) if item.status == BallotStatus.PUBLISHED else [],
            "error": error,
            "voted": voted,
            "chosen": chosen,
            "phone": request.POST.get("phone", "") if error else "",
        },
        status=status,
    )


@require_POST
def public_ballot_code(request: HttpRequest, ref: str) -> HttpResponse:
    item = _public(ref)
    error = ""
    try:
        if throttled(request, "code", CODES_PER_HOUR):
            raise DomainError(_("获取验证码太频繁，请稍后再试。"))
        phonecodes.send_code(
            phone=request.POST.get("phone", ""),
            purpose=services.vote_purpose(item.ref),
            subdistrict=item.subdistrict,
        )
    except DomainError as exc:
        error = exc.message
    return render(request, "participation/public/_code_sent.html", {"error": error})
