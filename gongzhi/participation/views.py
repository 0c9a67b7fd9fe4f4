"""Staff pages of participation: suggestions to moderate and triage, topics and their meetings,
lists and projects. Each action is a POST to one view that calls one service; what a page offers
comes from the action table (transitions.actions_from) and the rules."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Unit
from gongzhi.cases.models import Category
from gongzhi.cases.selectors import cases_for
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed, NotFound
from gongzhi.participation import selectors, services, transitions
from gongzhi.participation.models import (
    Channel,
    Consent,
    ItemKind,
    ItemStatus,
    Majority,
    MeetingKind,
    MeetingMode,
    ProjectStage,
    QuorumBase,
    SignIn,
    SuggestionStatus,
    TopicStatus,
    VoteMethod,
)
from gongzhi.registry.web import int_or_none, page_of, staff_page
from gongzhi.territory.models import Area


def _viewer(user) -> None:
    if user.scope_id is None or not permissions.has(user, "participation.view", user.scope):
        raise NotAllowed()


def _offered(machine: str, state: str, user, obj) -> list[tuple[str, str]]:
    """The actions the table allows from `state` that the user may take on `obj`."""
    out = []
    for name in transitions.actions_from(machine, state):
        act = transitions.MACHINES[machine][name]
        if act.permission and permissions.has(user, act.permission, obj):
            out.append((name, str(act.label)))
    return out


def _area(request: HttpRequest, user) -> Area:
    pk = int_or_none(request.POST.get("area"))
    area = Area.objects.filter(pk=pk).first() if pk else user.scope
    if area is None or not permissions.in_scope(user, area):
        raise NotFound()
    return area


def _areas(user):
    return Area.objects.filter(
        path__startswith=user.scope.path, kind__in=["subdistrict", "grid", "neighbourhood", "estate"]
    ).order_by("path")


def _units(user):
    return Unit.objects.filter(
        subdistrict_id=user.scope.subdistrict_id or user.scope_id, active=True
    ).order_by("kind", "name")


def _done(request: HttpRequest, url: str, message: str = "") -> HttpResponse:
    messages.success(request, message or _("已保存。"))
    return redirect(url)


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _viewer(user)
    suggestions = selectors.suggestions_for(user)
    items = selectors.items_for(user)
    return render(
        request,
        "participation/index.html",
        {
            "pending": suggestions.filter(status=SuggestionStatus.PENDING).count(),
            "triage": suggestions.filter(status=SuggestionStatus.TRIAGE).count(),
            "topics_open": selectors.topics_for(user)
            .exclude(status__in=[TopicStatus.CLOSED, TopicStatus.DROPPED])
            .count(),
            "summary": selectors.board_summary(items),
            "overdue": items.filter(due_at__lt=timezone.now())
            .exclude(status__in=["done", "verified", "closed"])
            .count(),
            "campaigns": selectors.campaigns_for(user).select_related("area")[:10],
            "meetings": selectors.meetings_for(user).select_related("topic")[:8],
            "board_area": user.scope,
            "can_campaign": permissions.has(user, "participation.campaign.manage", user.scope),
            "areas": _areas(user),
            "today": timezone.localdate(),
        },
    )


@staff_page
@require_POST
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    post = request.POST
    try:
        starts, ends = parse_date(post.get("starts_on", "") or ""), parse_date(post.get("ends_on", "") or "")
        if starts is None or ends is None:
            raise DomainError(_("请填写征集期。"))
        c = services.create_campaign(
            actor=user,
            area=_area(request, user),
            title=post.get("title", ""),
            question=post.get("question", ""),
            rules=post.get("rules", ""),
            starts_on=starts,
            ends_on=ends,
            support_threshold=int_or_none(post.get("support_threshold")) or 10,
            report_threshold=int_or_none(post.get("report_threshold")) or 3,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("participation:index")
    return _done(request, reverse("participation:public_campaign", args=[c.pk]), _("已发布征集。"))


# ---------------------------------------------------------------- suggestions


@staff_page
def suggestions(request: HttpRequest) -> HttpResponse:
    user = request.user
    _viewer(user)
    qs = selectors.suggestions_for(user).select_related("area", "campaign")
    status = request.GET.get("status", "")
    if status in SuggestionStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "participation/suggestions.html",
        {
            "page": page_of(request, qs, 30),
            "status": status,
            "statuses": SuggestionStatus.choices,
            "can_enter": permissions.has(user, "participation.suggestion.proxy", user.scope),
            # Pending and hidden ones get a tick box; the service checks each one again.
            "can_bulk": permissions.has(user, "participation.suggestion.moderate", user.scope),
            "bulk_states": (SuggestionStatus.PENDING, SuggestionStatus.HIDDEN),
        },
    )


@staff_page
@require_POST
def suggestions_bulk(request: HttpRequest) -> HttpResponse:
    """Approve or decline the ticked pending (or hidden) suggestions at once, with one reason."""
    user = request.user
    _viewer(user)
    url = reverse("participation:suggestions") + "?" + request.GET.urlencode()
    ids = [pk for pk in (int_or_none(v) for v in request.POST.getlist("ids")) if pk]
    try:
        outcome = services.moderate_in_bulk(
            actor=user,
            suggestions=selectors.suggestions_for(user).filter(pk__in=ids),
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    for _pk, why in outcome.skipped:
        messages.warning(request, why)
    return _done(request, url, _("已处理 %(n)d 条建议。") % {"n": len(outcome.done)})


@staff_page
def suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    s = selectors.suggestion_for(user, pk)
    from gongzhi.text.services import suggest as suggest_category

    suggested = suggest_category(s.title, s.body, s.area)
    return render(
        request,
        "participation/suggestion.html",
        {
            "s": s,
            "similar": selectors.similar_suggestions(user, s),
            "suggested_category": suggested.categories[0][0] if suggested and suggested.categories else None,
            "offered": _offered("suggestion", s.status, user, s),
            "see_phone": permissions.has(user, "participation.suggestion.phone", s),
            "timeline": selectors.timeline("suggestion", s.pk),
            "categories": Category.objects.filter(active=True, parent__isnull=False).select_related("parent"),
            "units": _units(user),
            "topics": selectors.topics_for(user).exclude(
                status__in=[TopicStatus.CLOSED, TopicStatus.DROPPED]
            )[:50],
        },
    )


@staff_page
@require_POST
def suggestion_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    s = selectors.suggestion_for(user, pk)
    action, post = request.POST.get("action", ""), request.POST
    url = reverse("participation:suggestion", args=[s.pk])
    try:
        match action:
            case "approve":
                services.approve_suggestion(
                    actor=user,
                    suggestion=s,
                    public_title=post.get("public_title", ""),
                    public_body=post.get("public_body", ""),
                )
            case "decline":
                services.decline_suggestion(actor=user, suggestion=s, reason=post.get("reason", ""))
            case "restore":
                services.restore_suggestion(actor=user, suggestion=s, note=post.get("note", ""))
            case "triage":
                services.triage_suggestion(actor=user, suggestion=s)
            case "to_case":
                category = Category.objects.filter(
                    pk=int_or_none(post.get("category")), parent__isnull=False
                ).first()
                if category is None:
                    raise DomainError(_("请选择工单类别。"))
                services.suggestion_to_case(actor=user, suggestion=s, category=category)
            case "to_topic":
                topic_pk = int_or_none(post.get("topic"))
                topic = selectors.topic_for(user, topic_pk) if topic_pk else None
                services.suggestion_to_topic(
                    actor=user, suggestion=s, topic=topic, title=post.get("title", "")
                )
            case "merge":
                into = selectors.suggestions_for(user).filter(ref=post.get("into", "").strip()).first()
                if into is None:
                    raise DomainError(_("请填写要合并到的建议编号。"))
                services.merge_suggestion(actor=user, suggestion=s, into=into)
            case "refer":
                unit = _units(user).filter(pk=int_or_none(post.get("unit"))).first()
                if unit is None:
                    raise DomainError(_("请选择转交单位。"))
                services.refer_suggestion(
                    actor=user, suggestion=s, unit=unit, days=int_or_none(post.get("days")) or 10
                )
            case "draft_answer":
                services.draft_answer(actor=user, suggestion=s, answer=post.get("answer", ""))
            case "publish_answer":
                services.publish_answer(actor=user, suggestion=s)
            case "reject":
                services.reject_suggestion(actor=user, suggestion=s, reason=post.get("reason", ""))
            case _:
                raise DomainError(_("未知的操作。"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    return _done(request, url)


@staff_page
def suggestion_new(request: HttpRequest) -> HttpResponse:
    """Proxy entry by a worker, or a suggestion raised at a meeting, on a visit or the hotline."""
    user = request.user
    if not permissions.has(user, "participation.suggestion.proxy", user.scope):
        raise NotAllowed()
    status = 200
    if request.method == "POST":
        post = request.POST
        campaign_pk = int_or_none(post.get("campaign"))
        try:
            s = services.enter_suggestion(
                actor=user,
                area=_area(request, user),
                title=post.get("title", ""),
                body=post.get("body", ""),
                channel=post.get("channel", Channel.PROXY),
                author_name=post.get("author_name", ""),
                phone=post.get("phone", ""),
                consent=post.get("consent", ""),
                campaign=selectors.campaign_for(user, campaign_pk) if campaign_pk else None,
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 422
        else:
            return _done(
                request,
                reverse("participation:suggestion", args=[s.pk]),
                _("已登记建议 %(ref)s。") % {"ref": s.ref},
            )
    return render(
        request,
        "participation/suggestion_new.html",
        {
            "areas": _areas(user),
            "campaigns": selectors.campaigns_for(user),
            "channels": [c for c in Channel.choices if c[0] != Channel.WEB],
            "consents": [c for c in Consent.choices if c[0]],
            "post": request.POST,
        },
        status=status,
    )


# ---------------------------------------------------------------- topics and meetings


@staff_page
def topics(request: HttpRequest) -> HttpResponse:
    user = request.user
    _viewer(user)
    qs = selectors.topics_for(user).select_related("area")
    hot = []
    if permissions.has(user, "participation.topic.manage", user.scope) and request.GET.get("hot") == "1":
        from gongzhi.text.selectors import hot_issues_for

        hot = hot_issues_for(user)[:10]
    return render(
        request,
        "participation/topics.html",
        {
            "page": page_of(request, qs, 30),
            "can_manage": permissions.has(user, "participation.topic.manage", user.scope),
            "areas": _areas(user),
            "hot": hot,
        },
    )


@staff_page
@require_POST
def topic_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        numbers = [n for n in request.POST.getlist("case") if n]
        if numbers:
            cases = list(cases_for(user).filter(number__in=numbers).select_related("area", "subdistrict"))
            topic = services.topic_from_hot_issue(actor=user, cases=cases)
        else:
            topic = services.propose_topic(
                actor=user,
                area=_area(request, user),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                board=request.POST.get("board", ""),
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("participation:topics")
    return _done(request, reverse("participation:topic", args=[topic.pk]), _("已提出议题。"))


@staff_page
def topic(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    t = selectors.topic_for(user, pk)
    return render(
        request,
        "participation/topic.html",
        {
            "t": t,
            "offered": _offered("topic", t.status, user, t),
            "meetings": t.meetings.all(),
            "suggestions": t.suggestions.all(),
            "cases": t.cases.all(),
            "items": t.items.select_related("owner"),
            "timeline": selectors.timeline("topic", t.pk),
            "units": _units(user),
            "kinds": MeetingKind.choices,
            "modes": MeetingMode.choices,
            "bases": QuorumBase.choices,
            "default_start": (timezone.localtime() + dt.timedelta(days=4)).strftime("%Y-%m-%dT19:00"),
        },
    )


def _meeting_spec(post) -> services.MeetingSpec:
    starts = parse_datetime(post.get("starts_at", "") or "")
    if starts is None:
        raise DomainError(_("请填写会议时间。"))
    if timezone.is_naive(starts):
        starts = timezone.make_aware(starts)
    return services.MeetingSpec(
        title=post.get("title", ""),
        starts_at=starts,
        kind=post.get("kind", MeetingKind.COUNCIL),
        mode=post.get("mode", MeetingMode.IN_PERSON),
        place=post.get("place", ""),
        notice_days=int_or_none(post.get("notice_days")) or 0,
        notice_to=post.get("notice_to", ""),
        agenda=post.get("agenda", ""),
        speech_seconds=int_or_none(post.get("speech_seconds")) or 180,
        max_speeches=int_or_none(post.get("max_speeches")) or 2,
        quorum_base=post.get("quorum_base", QuorumBase.MEMBERS),
        eligible=int_or_none(post.get("eligible")) or 0,
        quorum_numerator=int_or_none(post.get("quorum_numerator")) or 1,
        quorum_denominator=int_or_none(post.get("quorum_denominator")) or 2,
        quorum_strict=post.get("quorum_strict", "1") == "1",
        quorum_min=int_or_none(post.get("quorum_min")) or 0,
    )


@staff_page
@require_POST
def topic_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    t = selectors.topic_for(user, pk)
    action, post = request.POST.get("action", ""), request.POST
    url = reverse("participation:topic", args=[t.pk])
    try:
        if action == "schedule":
            m = services.schedule_meeting(actor=user, area=t.area, topic=t, spec=_meeting_spec(post))
            return _done(request, reverse("participation:meeting", args=[m.pk]), _("已发出会议通知。"))
        if action == "resolve":
            tasks = []
            for i in range(10):
                title = (post.get(f"task-{i}-title") or "").strip()
                if not title:
                    continue
                owner = _units(user).filter(pk=int_or_none(post.get(f"task-{i}-owner"))).first()
                tasks.append(
                    services.TaskSpec(
                        title=title, owner=owner, due_days=int_or_none(post.get(f"task-{i}-days")) or 20
                    )
                )
            services.resolve_topic(actor=user, topic=t, resolution=post.get("resolution", ""), tasks=tasks)
        else:
            services.act_on_topic(actor=user, topic=t, action=action, note=post.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    return _done(request, url)


@staff_page
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    m = selectors.meeting_for(user, pk)
    sign_url = request.build_absolute_uri(reverse("participation:sign_in", args=[m.sign_in_token]))
    return render(
        request,
        "participation/meeting.html",
        {
            "m": m,
            "offered": _offered("meeting", m.status, user, m),
            "attendance": m.attendance.all(),
            "motions": m.motions.all(),
            "sign_url": sign_url,
            "qr": segno.make(sign_url, error="m").svg_inline(scale=4),
            "methods": [c for c in SignIn.choices if c[0] != SignIn.QR],
            "vote_methods": VoteMethod.choices,
            "majorities": Majority.choices,
            "required": services.deliberation.quorum.quorum_required(
                eligible=m.eligible,
                numerator=m.quorum_numerator,
                denominator=m.quorum_denominator,
                strict=m.quorum_strict,
                minimum=m.quorum_min,
            ),
        },
    )


@staff_page
@require_POST
def meeting_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    m = selectors.meeting_for(user, pk)
    action, post = request.POST.get("action", ""), request.POST
    url = reverse("participation:meeting", args=[m.pk])
    try:
        match action:
            case "sign_in":
                services.sign_in(
                    meeting=m,
                    name=post.get("name", ""),
                    capacity=post.get("capacity", ""),
                    method=post.get("method", SignIn.WORKER),
                    proxy_for=post.get("proxy_for", ""),
                    actor=user,
                )
            case "motion":
                services.record_motion(
                    actor=user,
                    meeting=m,
                    text_=post.get("text", ""),
                    method=post.get("method", VoteMethod.HANDS),
                    majority=post.get("majority", Majority.PRESENT),
                    yes=int_or_none(post.get("yes")) or 0,
                    no=int_or_none(post.get("no")) or 0,
                    abstain=int_or_none(post.get("abstain")) or 0,
                    mover=post.get("mover", ""),
                    seconder=post.get("seconder", ""),
                )
            case "hold":
                services.hold_meeting(actor=user, meeting=m)
            case "publish":
                services.publish_minutes(actor=user, meeting=m, minutes=post.get("minutes", ""))
            case "cancel":
                services.cancel_meeting(actor=user, meeting=m, reason=post.get("reason", ""))
            case _:
                raise DomainError(_("未知的操作。"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    return _done(request, url)


@staff_page
def meeting_qr(request: HttpRequest, pk: int) -> HttpResponse:
    m = selectors.meeting_for(request.user, pk)
    out = io.BytesIO()
    segno.make(request.build_absolute_uri(reverse("participation:sign_in", args=[m.sign_in_token]))).save(
        out, kind="svg", scale=8
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


# ---------------------------------------------------------------- lists and projects


@staff_page
def items(request: HttpRequest) -> HttpResponse:
    user = request.user
    _viewer(user)
    qs = selectors.items_for(user).select_related("owner", "area")
    status, board = request.GET.get("status", ""), request.GET.get("board", "")
    if status in ItemStatus.values:
        qs = qs.filter(status=status)
    if board:
        qs = qs.filter(board=board)
    return render(
        request,
        "participation/items.html",
        {
            "page": page_of(request, qs, 50),
            "status": status,
            "board": board,
            "statuses": ItemStatus.choices,
            "boards": selectors.boards_in(selectors.items_for(user)),
            "summary": selectors.board_summary(qs),
            "can_manage": permissions.has(user, "participation.item.manage", user.scope),
            "areas": _areas(user),
            "units": _units(user),
            "kinds": ItemKind.choices,
            "now": timezone.now(),
        },
    )


@staff_page
@require_POST
def item_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    post = request.POST
    try:
        item = services.add_item(
            actor=user,
            area=_area(request, user),
            title=post.get("title", ""),
            kind=post.get("kind", ItemKind.TASK),
            board=post.get("board", ""),
            owner=_units(user).filter(pk=int_or_none(post.get("owner"))).first(),
            due_days=int_or_none(post.get("due_days")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("participation:items")
    return _done(request, reverse("participation:item", args=[item.pk]))


@staff_page
def item(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    it = selectors.item_for(user, pk)
    offered = [(n, label) for n, label in _offered("item", it.status, user, it) if n != "progress"]
    return render(
        request,
        "participation/item.html",
        {
            "it": it,
            "offered": offered,
            "can_progress": transitions.allowed("item", it.status, "progress")
            and permissions.has(user, "participation.item.progress", it)
            and not it.children.exists(),
            "children": it.children.select_related("owner"),
            "milestones": it.milestones.all(),
            "cases": it.cases.all(),
            "timeline": selectors.timeline("item", it.pk),
            "overdue": it.is_overdue(timezone.now()),
        },
    )


@staff_page
@require_POST
def item_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    it = selectors.item_for(user, pk)
    action, post = request.POST.get("action", ""), request.POST
    url = reverse("participation:item", args=[it.pk])
    try:
        if action == "progress":
            progress = int_or_none(post.get("progress"))
            if progress is None:
                raise DomainError(_("请填写进度。"))
            services.update_progress(actor=user, item=it, progress=progress, note=post.get("note", ""))
        elif action == "before_photo" and request.FILES.get("photo"):
            services.set_before_photo(actor=user, item=it, photo=request.FILES["photo"])
        else:
            services.act_on_item(
                actor=user,
                item=it,
                action=action,
                note=post.get("note", ""),
                photo=request.FILES.get("photo"),
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    return _done(request, url)


@staff_page
def projects(request: HttpRequest) -> HttpResponse:
    user = request.user
    _viewer(user)
    return render(
        request,
        "participation/projects.html",
        {
            "page": page_of(request, selectors.projects_for(user).select_related("area"), 30),
            "stages": ProjectStage.choices,
            "can_manage": permissions.has(user, "participation.project.manage", user.scope),
            "areas": _areas(user),
        },
    )


@staff_page
@require_POST
def project_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        p = services.create_project(
            actor=user,
            area=_area(request, user),
            title=request.POST.get("title", ""),
            summary=request.POST.get("summary", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("participation:projects")
    return _done(request, reverse("participation:project", args=[p.pk]))


@staff_page
def project(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    p = selectors.project_for(user, pk)
    return render(
        request,
        "participation/project.html",
        {
            "p": p,
            "offered": _offered("project", p.stage, user, p),
            "rubric": services.RUBRIC.items(),
            "units": _units(user),
            "timeline": selectors.timeline("project", p.pk),
        },
    )


@staff_page
@require_POST
def project_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    p = selectors.project_for(user, pk)
    action, post = request.POST.get("action", ""), request.POST
    url = reverse("participation:project", args=[p.pk])
    data = {k: v for k, v in post.items() if k not in ("action", "csrfmiddlewaretoken")}
    if action == "review":
        data = {"scores": {k: int_or_none(post.get(f"score-{k}")) for k in services.RUBRIC}}
    if action == "build":
        data["owner"] = _units(user).filter(pk=int_or_none(post.get("owner"))).first()
        data["yes"], data["no"] = int_or_none(post.get("yes")) or 0, int_or_none(post.get("no")) or 0
    try:
        if action == "objection":
            services.record_objection(actor=user, project=p, objection=post.get("objection", ""))
        else:
            services.advance_project(actor=user, project=p, action=action, data=data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    return _done(request, url)
