"""Renewal pages: the projects, a project's live figure and grid, and the phone page of one
certificate where a cadre records a visit, an answer or a signature."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import staff_page
from gongzhi.renewal import documents, selectors, services, transitions
from gongzhi.renewal.models import Obstacle, ObstacleKind


def _date(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError("on", _("日期格式应为 YYYY-MM-DD。")) from None


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.scope_id is None or not permissions.has(user, "renewal.view", user.scope):
        raise NotAllowed()
    # Fixed number of queries whatever the number of projects: rounds prefetched, every shown
    # round's figure in one aggregate (services.figures_of).
    projects = list(selectors.projects_for(user).select_related("area").prefetch_related("rounds"))
    shown = {project.pk: _shown_round(project) for project in projects}
    figures = services.figures_of([round_ for round_ in shown.values() if round_])
    rows = [(p, figures[shown[p.pk].pk] if shown[p.pk] else None) for p in projects]
    return render(request, "renewal/index.html", {"rows": rows})


def _shown_round(project):
    """`_figures`' round from the prefetched rounds: the open one, else the latest."""
    rounds = sorted(project.rounds.all(), key=lambda round_: round_.number)
    number = services.OPEN_ROUND.get(project.state)
    current = next((round_ for round_ in rounds if round_.number == number), None)
    return current or (rounds[-1] if rounds else None)


def _figures(user, project):
    round_ = services.current_round(project) or project.rounds.order_by("-number").first()
    return round_, (services.figure_of(round_) if round_ else None)


@staff_page
def project(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_for(user, pk)
    round_, figure = _figures(user, project)
    peak = max([n for _d, n in figure.curve], default=0) if figure else 0
    return render(
        request,
        "renewal/project.html",
        {
            "project": project,
            "round": round_,
            "figure": figure,
            "curve": [
                (d, n, f"{100 * n / peak:.0f}" if peak else "0") for d, n in (figure.curve if figure else [])
            ],
            "buildings": selectors.by_building(user, project),
            "by_obstacle": selectors.holdouts_by_obstacle(user, project),
            "by_cadre": selectors.holdouts_by_cadre(user, project),
            "holdouts": list(selectors.holdouts(user, project)[:200]),
            "lift": selectors.lift_tally(project) if project.kind == "lift" else None,
        },
    )


@staff_page
def bulletin(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_for(user, pk)
    _round, figure = _figures(user, project)
    data = documents.bulletin(
        project,
        figure,
        on=timezone.localdate(),
        buildings=selectors.by_building(user, project),
        by_obstacle=selectors.holdouts_by_obstacle(user, project),
        by_cadre=selectors.holdouts_by_cadre(user, project),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{project.pk}.docx"'
    return response


@staff_page
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cert = selectors.certificate_for(user, pk)
    round_, figure = _figures(user, cert.project)
    return render(
        request,
        "renewal/certificate.html",
        {
            "c": cert,
            "round": services.current_round(cert.project),
            "figure": figure,
            "can_record": permissions.has(user, "renewal.record", cert),
            "actions": transitions.certificate_actions(cert.state),
            "obstacle_kinds": ObstacleKind.choices,
            "today": timezone.localdate(),
        },
    )


@require_POST
@staff_page
def record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cert = selectors.certificate_for(user, pk)
    what = request.POST.get("what", "")
    try:
        on = _date(request.POST.get("on"))
        if what == "contact":
            services.record_contact(actor=user, certificate=cert, note=request.POST.get("note", ""), on=on)
        elif what in ("agree", "disagree", "signed"):
            services.respond(actor=user, certificate=cert, answer=what, on=on)
        elif what == "move_out":
            services.move_out(actor=user, certificate=cert, on=on)
        elif what == "obstacle":
            services.add_obstacle(
                actor=user,
                certificate=cert,
                kind=request.POST.get("kind", ""),
                note=request.POST.get("note", ""),
                on=on,
            )
        elif what == "resolve":
            obstacle = Obstacle.objects.filter(certificate=cert, pk=request.POST.get("obstacle") or 0).first()
            if obstacle is None:
                raise FieldError("obstacle", _("请选择难点。"))
            services.resolve_obstacle(
                actor=user,
                obstacle=obstacle,
                resolution=request.POST.get("resolution", ""),
                mediation_ref=request.POST.get("mediation_ref", ""),
                on=on,
            )
        elif what == "plan":
            services.set_plan(actor=user, certificate=cert, plan=request.POST.get("plan", ""))
        else:
            raise DomainError(_("未知的操作。"))
        messages.success(request, _("已记录。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("renewal:certificate", pk=cert.pk)
