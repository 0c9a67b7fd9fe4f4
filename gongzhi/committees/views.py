"""Owners' committee pages: the list with what is overdue and due, a committee with its steps,
terms, votes and audits, and a vote with its ballots and result."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.committees import counting, documents, selectors, services, transitions
from gongzhi.committees import works as works_services
from gongzhi.committees.models import AuditKind, Choice, FundingSource, Matter, MemberRole, Stage, WorksStatus
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry.models import Dwelling
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import page_of, staff_page


def _require_viewer(user) -> None:
    if user.scope_id is None or not permissions.has(user, "committee.view", user.scope):
        raise NotAllowed()


def _date(value: str | None, default: dt.date | None = None) -> dt.date:
    if not value:
        return default or timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError("on", _("日期格式应为 YYYY-MM-DD。")) from None


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    today = timezone.localdate()
    committees = selectors.committees_for(user).select_related("area", "property_manager")
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        committees = committees.filter(stage=stage)
    return render(
        request,
        "committees/index.html",
        {
            "page": page_of(request, committees, 30),
            "overdue": list(selectors.overdue_for(user, today)[:50]),
            "due_soon": list(selectors.due_within(user, 30, today)[:50]),
            "audit_year": today.year - 1,
            "audit_due": list(selectors.audit_due(user, today.year - 1)[:50]),
            "stages": Stage.choices,
            "stage": stage,
            "today": today,
        },
    )


SPECIAL = {
    "hand_over": services.hand_over,
    "file": services.file,
    "start_by_election": services.start_by_election,
    "form_election_group": services.form_election_group,
}


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    committee = selectors.committee_for(user, pk)
    term = services.current_term(committee)
    can_manage = permissions.has(user, "committee.manage", committee)
    return render(
        request,
        "committees/detail.html",
        {
            "committee": committee,
            "term": term,
            "members": list(term.members.all()) if term else [],
            "steps": list(committee.steps.select_related("actor").order_by("-id")[:50]),
            "actions": [a for a in transitions.actions_from(committee.stage) if a.code != "elect"]
            if can_manage
            else [],
            "can_elect": can_manage
            and "elect" in [a.code for a in transitions.actions_from(committee.stage)],
            "can_manage": can_manage,
            "can_vote": permissions.has(user, "committee.vote", committee),
            "votes": list(selectors.votes_for(user).filter(committee=committee)),
            "audits": list(
                selectors.audits_for(user).filter(committee=committee).prefetch_related("findings")
            ),
            "matters": Matter.choices,
            "roles": MemberRole.choices,
            "works": list(selectors.works_for(user).filter(committee=committee)[:50]),
            "can_works": permissions.has(user, "committee.works", committee),
            "can_audit": permissions.has(user, "committee.audit", committee),
            "fundings": FundingSource.choices,
            "audit_kinds": AuditKind.choices,
            "line": works_services.price_review_above(),
            "today": timezone.localdate(),
            "overdue": committee.due_on is not None and committee.due_on < timezone.localdate(),
        },
    )


@require_POST
@staff_page
def act(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_for(request.user, pk)
    action = request.POST.get("action", "")
    on = _date(request.POST.get("on"))
    note = request.POST.get("note", "")
    try:
        if action in SPECIAL:
            SPECIAL[action](actor=request.user, committee=committee, on=on, note=note)
        elif action in transitions.ACTIONS and action != "elect":
            services.advance(actor=request.user, committee=committee, action=action, on=on, note=note)
        else:
            raise DomainError(_("未知的操作。"))
        messages.success(request, _("已记录。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:detail", pk=committee.pk)


@require_POST
@staff_page
def elect(request: HttpRequest, pk: int) -> HttpResponse:
    """Members one per line: "姓名 职务" (主任/副主任/委员); the checks are confirmed on the form."""
    committee = selectors.committee_for(request.user, pk)
    on = _date(request.POST.get("on"))
    checked = request.POST.get("checked") == "1"
    labels = {str(label): code for code, label in MemberRole.choices}
    specs = []
    for line in request.POST.get("members", "").splitlines():
        parts = line.split()
        if not parts:
            continue
        specs.append(
            services.MemberSpec(
                name=parts[0],
                role=labels.get(parts[1], MemberRole.MEMBER) if len(parts) > 1 else MemberRole.MEMBER,
                party_member=bool({"党员", "party"} & {part.lower() for part in parts[2:]}),
                pledge_signed_on=on if checked else None,
                not_employed_by_manager=checked,
                no_illegal_building=checked,
                no_structural_damage=checked,
                no_illegal_letting=checked,
            )
        )
    try:
        services.elect(actor=request.user, committee=committee, on=on, members=specs)
        messages.success(request, _("已登记选举结果。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:detail", pk=committee.pk)


@require_POST
@staff_page
def vote_new(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_for(request.user, pk)
    try:
        vote = services.open_vote(
            actor=request.user,
            committee=committee,
            title=request.POST.get("title", ""),
            matter=request.POST.get("matter", ""),
            opens_on=_date(request.POST.get("opens_on")),
            closes_on=_date(request.POST.get("closes_on")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("committees:detail", pk=committee.pk)
    return redirect("committees:vote", pk=vote.pk)


@staff_page
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    vote = selectors.vote_for(user, pk)
    tally = services.tally_of(vote)
    voted = set(vote.ballots.values_list("dwelling_id", flat=True))
    can_vote = permissions.has(user, "committee.vote", vote)
    pending = []
    if can_vote and vote.state == "open":
        pending = list(services.eligible_dwellings(vote.area).exclude(pk__in=voted).order_by("address")[:300])
    return render(
        request,
        "committees/vote.html",
        {
            "vote": vote,
            "tally": tally,
            "shares": {
                "voted_area": counting.percent(tally.voted_area, tally.eligible_area),
                "voted_count": counting.percent(tally.voted_count, tally.eligible_count),
                "for_area": counting.percent(tally.for_area, tally.voted_area),
                "for_count": counting.percent(tally.for_count, tally.voted_count),
            },
            "ballots": list(vote.ballots.select_related("dwelling").order_by("-id")[:100]),
            "pending": pending,
            "choices": Choice.choices,
            "can_vote": can_vote,
        },
    )


@require_POST
@staff_page
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.vote_for(request.user, pk)
    dwelling = Dwelling.objects.filter(pk=request.POST.get("dwelling") or 0).select_related("area").first()
    try:
        if dwelling is None:
            raise FieldError("dwelling", _("请选择房屋。"))
        services.cast_ballot(
            actor=request.user,
            vote=vote,
            dwelling=dwelling,
            voter_name=request.POST.get("voter_name", ""),
            choice=request.POST.get("choice", ""),
            floor_area=request.POST.get("floor_area") or None,
            paper=request.POST.get("paper") == "1",
            photo=request.FILES.get("photo"),
        )
        messages.success(request, _("已录入选票。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:vote", pk=vote.pk)


@require_POST
@staff_page
def vote_close(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.vote_for(request.user, pk)
    try:
        services.close_vote(actor=request.user, vote=vote)
        messages.success(request, _("已计票。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:vote", pk=vote.pk)


@staff_page
def vote_notice(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.vote_for(request.user, pk)
    data = documents.vote_notice(vote, services.tally_of(vote))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}.docx"'
    return response


# --- works (维修/改造工程) ------------------------------------------------------------------------


def _require(user, permission: str) -> None:
    if user.scope_id is None or not permissions.has(user, permission, user.scope):
        raise NotAllowed()


@staff_page
def works_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(user, "works.view")
    rows = selectors.works_for(user).select_related("committee")
    status = request.GET.get("status", "")
    if status in WorksStatus.values:
        rows = rows.filter(status=status)
    line = works_services.price_review_above()
    return render(
        request,
        "committees/works_index.html",
        {
            "page": page_of(request, rows, 30),
            "statuses": WorksStatus.choices,
            "status": status,
            "line": line,
            "waiting_review": list(
                selectors.works_for(user)
                .filter(status=WorksStatus.PROPOSED, amount__gt=line)
                .select_related("committee")[:50]
            ),
        },
    )


@require_POST
@staff_page
def works_new(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_for(request.user, pk)
    post = request.POST
    try:
        vote = None
        if post.get("vote"):
            vote = selectors.votes_for(request.user).filter(pk=post.get("vote")).first()
            if vote is None:
                raise FieldError("vote", _("请选择本业委会的业主表决。"))
        works = works_services.create_works(
            actor=request.user,
            committee=committee,
            title=post.get("title", ""),
            contractor=post.get("contractor", ""),
            amount=post.get("amount", ""),
            funding=post.get("funding", ""),
            proposed_on=_date(post.get("proposed_on")),
            vote=vote,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("committees:detail", pk=committee.pk)
    messages.success(request, _("已登记维修工程。"))
    return redirect("committees:works", pk=works.pk)


@staff_page
def works_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    works = selectors.works_one_for(user, pk)
    can_act = permissions.has(user, "committee.works", works)
    line = works_services.price_review_above()
    return render(
        request,
        "committees/works.html",
        {
            "works": works,
            "steps": list(works.steps.select_related("actor").order_by("-id")),
            "actions": transitions.works_actions_of(works) if can_act else [],
            "changes": list(works.changes.order_by("-id")),
            "line": line,
            "needs_review": works.amount > line,
            "votes": list(
                selectors.votes_for(user)
                .filter(committee=works.committee_id, state="closed")
                .exclude(matter=Matter.ELECTION)
            ),
            "today": timezone.localdate(),
        },
    )


@require_POST
@staff_page
def works_act(request: HttpRequest, pk: int) -> HttpResponse:
    works = selectors.works_one_for(request.user, pk)
    post = request.POST
    try:
        vote = None
        if post.get("vote"):
            vote = selectors.votes_for(request.user).filter(pk=post.get("vote")).first()
            if vote is None:
                raise FieldError("vote", _("请选择本业委会的业主表决。"))
        works_services.act(
            actor=request.user,
            works=works,
            action=post.get("action", ""),
            data={
                "on": _date(post.get("on")),
                "note": post.get("note", ""),
                "firm": post.get("firm", ""),
                "reviewed_amount": post.get("reviewed_amount", ""),
                "paid_amount": post.get("paid_amount", ""),
                "amount": post.get("amount", ""),
                "reason": post.get("reason", ""),
                "attachment_name": post.get("attachment_name", ""),
                "vote": vote,
            },
        )
        messages.success(request, _("已记录。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:works", pk=works.pk)


# --- audits (审计) and their findings -----------------------------------------------------------


@require_POST
@staff_page
def audit_new(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_for(request.user, pk)
    post = request.POST
    try:
        year = post.get("year", "").strip()
        if not year.isdigit():
            raise FieldError("year", _("请填写有效的审计年度。"))
        record = services.record_audit(
            actor=request.user,
            committee=committee,
            kind=post.get("kind", ""),
            year=int(year),
            firm=post.get("firm", ""),
            done_on=_date(post.get("done_on")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("committees:detail", pk=committee.pk)
    messages.success(request, _("已登记审计。"))
    return redirect("committees:audit", pk=record.pk)


@staff_page
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    record = selectors.audit_for(user, pk)
    findings = list(record.findings.all())
    line = works_services.price_review_above()
    for finding in findings:
        finding.needs_review = services.needs_price_review(finding)
    return render(
        request,
        "committees/audit.html",
        {
            "audit": record,
            "findings": findings,
            "line": line,
            "can_audit": permissions.has(user, "committee.audit", record),
            "can_remedy": permissions.has(user, "committee.manage", record),
            "today": timezone.localdate(),
        },
    )


@require_POST
@staff_page
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.audit_for(request.user, pk)
    post = request.POST
    try:
        if not post.get("due_on"):
            raise FieldError("due_on", _("请填写整改期限。"))
        services.add_finding(
            actor=request.user,
            audit_record=record,
            text=post.get("text", ""),
            remedy=post.get("remedy", ""),
            amount=post.get("amount", ""),
            due_on=_date(post.get("due_on")),
        )
        messages.success(request, _("已添加审计发现。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:audit", pk=record.pk)


@require_POST
@staff_page
def finding_remedy(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_for(request.user, pk)
    try:
        services.remedy_finding(actor=request.user, finding=finding, on=_date(request.POST.get("on")))
        messages.success(request, _("已登记整改完成。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("committees:audit", pk=finding.audit_id)
