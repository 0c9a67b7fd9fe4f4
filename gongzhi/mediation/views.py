"""Mediation pages: the dispute ledger with its figures, registering a dispute (or turning a
case into one), a dispute with the actions its status allows, and the agreement as a document."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.models import Category
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.mediation import agreements, selectors, services, transitions
from gongzhi.mediation.models import (
    Action,
    AgreementForm,
    CourtResult,
    Kind,
    PartyRole,
    Performance,
    Referral,
    Status,
)
from gongzhi.registry.web import page_of, staff_page
from gongzhi.territory.models import Area, AreaKind


def _require_viewer(user) -> None:
    if user.scope_id is None or not permissions.has(user, "dispute.view", user.scope):
        raise NotAllowed()


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    disputes = selectors.listing_for(user, status=status, kind=kind)
    page = page_of(request, disputes, 30)
    now = timezone.now()
    rows = [
        {
            "dispute": d,
            "parties": "、".join(selectors.party_name(user, p, d) for p in d.parties.all()),
            "overdue": d.is_overdue(now),
        }
        for d in page
    ]
    year_start = timezone.localdate().replace(month=1, day=1)
    return render(
        request,
        "mediation/index.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "kind": kind,
            "statuses": Status.choices,
            "kinds": Kind.choices,
            "figures": selectors.figures_for(user, since=year_start),
            "overdue": selectors.overdue_for(user, now).count(),
            "checks_due": selectors.follow_ups_due_for(user).count(),
            "can_create": permissions.has(user, "dispute.create", user.scope),
        },
    )


def _areas(user) -> list[Area]:
    qs = Area.objects.filter(
        path__startswith=user.scope.path,
        kind__in=[AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.GRID, AreaKind.SUBDISTRICT],
    ).order_by("path")
    return list(qs[:300])


@staff_page
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.scope_id is None or not permissions.has(user, "dispute.create", user.scope):
        raise NotAllowed()
    case = None
    number = request.GET.get("case") or request.POST.get("case") or ""
    if number:
        case = case_selectors.case_for(user, number)
    error = None
    if request.method == "POST":
        post = request.POST
        respondent = services.PartySpec(
            role=PartyRole.RESPONDENT,
            name=post.get("respondent_name", ""),
            phone=post.get("respondent_phone", ""),
            address=post.get("respondent_address", ""),
        )
        try:
            if case is not None:
                dispute = services.dispute_from_case(
                    actor=user, case=case, kind=post.get("kind", ""), respondent=respondent
                )
            else:
                area = Area.objects.filter(pk=_int(post.get("area"))).first()
                if area is None or not area.path.startswith(user.scope.path):
                    raise DomainError(_("请选择纠纷发生的区域。"))
                applicant = services.PartySpec(
                    role=PartyRole.APPLICANT,
                    name=post.get("applicant_name", ""),
                    phone=post.get("applicant_phone", ""),
                    address=post.get("applicant_address", ""),
                )
                dispute = services.register_dispute(
                    actor=user,
                    area=area,
                    kind=post.get("kind", ""),
                    title=post.get("title", ""),
                    matter=post.get("matter", ""),
                    address=post.get("address", ""),
                    source=post.get("source", "application"),
                    parties=[applicant, respondent],
                )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("已登记纠纷 %(number)s。") % {"number": dispute.number})
            return redirect("mediation:detail", dispute.pk)
    return render(
        request,
        "mediation/new.html",
        {
            "case": case,
            "areas": _areas(user),
            "kinds": Kind.choices,
            "error": error,
            "post": request.POST,
        },
        status=400 if error else 200,
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    dispute = selectors.dispute_for(user, pk)
    can_mediate = permissions.has(user, "dispute.mediate", dispute)
    actions = agreements.offered(
        dispute, [a for a in transitions.actions_from(dispute.status) if can_mediate]
    )
    parties = [(p, selectors.party_name(user, p, dispute)) for p in dispute.parties.all()]
    agreement = (
        getattr(dispute, "agreement", None) if dispute.status in ("agreed", "held", "broken") else None
    )
    return render(
        request,
        "mediation/detail.html",
        {
            "dispute": dispute,
            "parties": parties,
            "sessions": dispute.sessions.select_related("mediator"),
            "agreement": agreement,
            "follow_ups": dispute.follow_ups.select_related("by"),
            "events": dispute.events.select_related("actor"),
            "actions": actions,
            "action_labels": dict(Action.choices),
            "now": timezone.now(),
            "today": timezone.localdate(),
            "overdue": dispute.is_overdue(timezone.now()),
            "referrals": [r for r in Referral.choices if r[0]],
            "performances": Performance.choices,
            "forms": AgreementForm.choices,
            "court_results": CourtResult.choices,
            "can_see_scan": permissions.has(user, "dispute.parties", dispute),
            "categories": Category.objects.filter(active=True, parent__isnull=False).order_by("code")[:200],
        },
    )


def _date(value: str, field: str) -> dt.date:
    parsed = parse_date(value or "")
    if parsed is None:
        raise DomainError(_("请填写有效的日期（%(field)s）。") % {"field": field})
    return parsed


def _moment(value: str) -> dt.datetime:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise DomainError(_("请填写有效的调解时间。"))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _category(value) -> Category | None:
    return Category.objects.filter(pk=_int(value), active=True).first() if value else None


@require_POST
@staff_page
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    dispute = selectors.dispute_for(user, pk)
    post = request.POST
    try:
        match action:
            case Action.ACCEPT:
                services.accept_dispute(
                    dispute=dispute, actor=user, expected_version=_int(post.get("version"))
                )
            case Action.DECLINE:
                services.decline_dispute(dispute=dispute, actor=user, reason=post.get("reason", ""))
            case Action.SESSION:
                services.record_session(
                    dispute=dispute,
                    actor=user,
                    held_at=_moment(post.get("held_at", "")),
                    place=post.get("place", ""),
                    attendees=post.get("attendees", ""),
                    summary=post.get("summary", ""),
                )
            case Action.EXTEND:
                services.extend_dispute(dispute=dispute, actor=user, reason=post.get("reason", ""))
            case Action.AGREE:
                services.sign_agreement(
                    dispute=dispute,
                    actor=user,
                    terms=post.get("terms", ""),
                    signed_on=_date(post.get("signed_on", ""), _("签订日期")),
                    signed_by=post.get("signed_by", ""),
                    form=post.get("form", AgreementForm.WRITTEN),
                    perform_by=parse_date(post.get("perform_by", "") or "") or None,
                )
            case Action.FAIL:
                services.fail_dispute(
                    dispute=dispute,
                    actor=user,
                    reason=post.get("reason", ""),
                    referral=post.get("referral", ""),
                    category=_category(post.get("category")),
                )
            case Action.WITHDRAW:
                services.withdraw_dispute(dispute=dispute, actor=user, reason=post.get("reason", ""))
            case Action.CONFIRM:
                services.apply_confirmation(
                    dispute=dispute, actor=user, applied_on=_date(post.get("applied_on", ""), _("申请日期"))
                )
            case Action.SCAN:
                agreements.upload_scan(dispute=dispute, actor=user, upload=request.FILES.get("scan"))
            case Action.COURT_RESULT:
                agreements.record_court_result(
                    dispute=dispute,
                    actor=user,
                    result=post.get("result", ""),
                    decided_on=_date(post.get("decided_on", ""), _("裁定日期")),
                    case_number=post.get("case_number", ""),
                )
            case Action.FOLLOW_UP:
                services.record_follow_up(
                    dispute=dispute,
                    actor=user,
                    on=_date(post.get("on", ""), _("回访日期")),
                    performance=post.get("performance", ""),
                    note=post.get("note", ""),
                )
            case Action.CLOSE_HELD:
                services.close_held(dispute=dispute, actor=user)
            case Action.REPORT_BROKEN:
                services.report_broken(
                    dispute=dispute,
                    actor=user,
                    reason=post.get("reason", ""),
                    referral=post.get("referral", ""),
                    category=_category(post.get("category")),
                )
            case _:
                raise DomainError(_("未知的操作。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已%(action)s。") % {"action": Action(action).label})
    return redirect("mediation:detail", dispute.pk)


@staff_page
def agreement_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed agreement's scan, for those who may see the parties' names."""
    user = request.user
    dispute = selectors.dispute_for(user, pk)
    if not permissions.has(user, "dispute.parties", dispute):
        raise NotAllowed()
    agreement = getattr(dispute, "agreement", None)
    if agreement is None or not agreement.scan:
        raise Http404
    response = FileResponse(agreement.scan.open("rb"), content_type=agreement.scan_content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_page
def agreement_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement as a Word document to print and sign (人民调解协议书)."""
    from docx import Document

    user = request.user
    dispute = selectors.dispute_for(user, pk)
    if not permissions.has(user, "dispute.parties", dispute):
        raise NotAllowed()
    agreement = getattr(dispute, "agreement", None)
    if agreement is None:
        raise DomainError(_("该纠纷尚未达成调解协议。"), code="not_found")
    document = Document()
    document.add_heading(_("人民调解协议书"), level=1)
    document.add_paragraph(_("编号：%(number)s") % {"number": dispute.number})
    for party in dispute.parties.all():
        document.add_paragraph(
            f"{party.get_role_display()}：{party.name}　{party.address}　{_('电话')}：{party.phone_mask}"
        )
    document.add_heading(_("纠纷主要事实、争议事项"), level=2)
    document.add_paragraph(dispute.matter)
    document.add_heading(_("经调解，自愿达成如下协议"), level=2)
    document.add_paragraph(agreement.terms)
    if agreement.perform_by:
        document.add_paragraph(_("履行期限：%(date)s 前") % {"date": agreement.perform_by.isoformat()})
    document.add_paragraph(
        _(
            "本协议自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。双方可自协议生效之日起三十日内共同向人民法院申请司法确认。"
        )
    )
    document.add_paragraph(_("当事人（签名）：%(names)s") % {"names": agreement.signed_by})
    document.add_paragraph(_("人民调解员（签名）：%(name)s") % {"name": dispute.mediator or ""})
    document.add_paragraph(_("签订日期：%(date)s") % {"date": agreement.signed_on.isoformat()})
    buffer = io.BytesIO()
    document.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="agreement-{dispute.number}.docx"'
    return response
