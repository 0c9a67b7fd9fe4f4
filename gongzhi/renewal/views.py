"""Renewal pages: the projects, a project's live figure and grid, and the phone page of one
certificate where a cadre records a visit, an answer or a signature."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import int_or_none, staff_page
from gongzhi.renewal import documents, editing, selectors, services, sheets, transitions
from gongzhi.renewal.models import Kind, Obstacle, ObstacleKind, ProjectState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    return render(request, "renewal/index.html", {"rows": _rows(user), **_new_form(user)})


def _rows(user) -> list:
    # Fixed number of queries whatever the number of projects: rounds prefetched, every shown
    # round's figure in one aggregate (services.figures_of).
    projects = list(selectors.projects_for(user).select_related("area").prefetch_related("rounds"))
    shown = {project.pk: _shown_round(project) for project in projects}
    figures = services.figures_of([round_ for round_ in shown.values() if round_])
    return [(p, figures[shown[p.pk].pk] if shown[p.pk] else None) for p in projects]


def _new_form(user, **values) -> dict:
    can_create = permissions.has(user, "renewal.manage", user.scope)
    return {
        "can_create": can_create,
        "areas": list(selectors.project_areas_for(user)) if can_create else [],
        "kinds": Kind.choices,
        "form": values,
    }


@require_POST
@staff_page
def new(request: HttpRequest) -> HttpResponse:
    """Create a project (a leader, on the projects page); a bad field re-shows the form."""
    user = request.user
    values = {k: request.POST.get(k, "").strip() for k in ("name", "kind", "area")}
    area = selectors.project_areas_for(user).filter(pk=int_or_none(values["area"])).first()
    try:
        if area is None:
            raise FieldError("area", _("请选择居民区、小区或楼栋。"))
        project = services.create_project(actor=user, area=area, name=values["name"], kind=values["kind"])
    except DomainError as exc:
        context = {**_new_form(user, **values), "error": exc.message}
        if request.htmx:  # htmx swaps only 2xx answers
            return render(request, "renewal/_new_project.html", context)
        return render(request, "renewal/index.html", {"rows": _rows(user), **context}, status=exc.status)
    messages.success(request, _("项目已创建，请导入或登记权证。"))
    url = reverse("renewal:project", args=[project.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


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
            **_manage_context(user, project),
        },
    )


def _manage_context(user, project) -> dict:
    """What the project page offers a leader: the next round, closing it, the register."""
    if not permissions.has(user, "renewal.manage", project):
        return {"can_manage": False}
    next_round = {
        ProjectState.PREPARED: [1, 2],
        ProjectState.ROUND1_PASSED: [2],
    }.get(project.state, [])
    defaults = services.DEFAULT_THRESHOLDS.get(project.kind, {})
    register_open = project.state == ProjectState.PREPARED
    return {
        "can_manage": True,
        "open_round": services.current_round(project),
        "project_areas": _areas_around(user, project) if project.state != ProjectState.CLEARED else [],
        "can_import_plans": project.state != ProjectState.CLEARED,
        "next_rounds": [(n, *defaults.get(n, ("85", False))) for n in next_round],
        "can_close": project.state in services.OPEN_ROUND,
        "can_clear": project.state == ProjectState.EFFECTIVE,
        "register_open": register_open,
        "register": list(
            selectors.certificates_for(user)
            .filter(project=project)
            .select_related("area", "cadre")
            .order_by("area__name", "number")[:1000]
        )
        if register_open
        else [],
        "buildings_in": list(
            selectors.project_areas_for(user).filter(path__startswith=project.area.path, kind="building")[
                :500
            ]
        )
        if register_open
        else [],
        "today": timezone.localdate(),
    }


def _areas_around(user, project) -> list:
    """Where a project may move: its area's ancestors and the areas inside it (the only ones that
    can hold its certificates), its own area always among them."""
    ancestors = [int(part) for part in project.area.path.strip("/").split("/") if part.isdigit()]
    return list(
        selectors.project_areas_for(user).filter(
            Q(pk__in=ancestors) | Q(pk=project.area_id) | Q(path__startswith=project.area.path)
        )[:300]
    )


@require_POST
@staff_page
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader's actions on a project: open or close a round, end it, add or remove a certificate."""
    user = request.user
    project = selectors.project_for(user, pk)
    what = request.POST.get("what", "")
    post = request.POST
    try:
        if what == "open_round":
            number = int_or_none(post.get("number"))
            if number not in (1, 2):
                raise FieldError("number", _("请选择轮次。"))
            opens_on = _date(post.get("opens_on"))
            closes_on = _date(post.get("closes_on"))
            services.open_round(
                actor=user,
                project=project,
                number=number,
                opens_on=opens_on,
                closes_on=closes_on,
                threshold=post.get("threshold") or None,
                strict=post.get("strict") == "on",
            )
        elif what == "close_round":
            services.close_round(actor=user, project=project, on=_date(post.get("on")))
        elif what == "clear":
            services.clear_project(actor=user, project=project)
        elif what == "edit_project":
            area = None
            if post.get("area"):
                area = selectors.project_areas_for(user).filter(pk=int_or_none(post.get("area"))).first()
                if area is None:
                    raise FieldError("area", _("请选择居民区、小区或楼栋。"))
            editing.update_project(actor=user, project=project, name=post.get("name", ""), area=area)
        elif what == "edit_round":
            number = int_or_none(post.get("number"))
            if number not in (1, 2):
                raise FieldError("number", _("请选择轮次。"))
            editing.update_round(
                actor=user,
                project=project,
                number=number,
                opens_on=_date(post.get("opens_on")),
                closes_on=_date(post.get("closes_on")),
            )
        elif what == "add_certificate":
            area = (
                selectors.project_areas_for(user)
                .filter(pk=int_or_none(post.get("area")), path__startswith=project.area.path)
                .first()
            )
            if area is None:
                raise FieldError("area", _("请选择项目范围内的楼栋。"))
            numbers = {}
            for name, label in (("floor", _("楼层")), ("households", _("户数")), ("persons", _("人数"))):
                text = post.get(name, "").strip()
                numbers[name] = int_or_none(text)
                if text and numbers[name] is None:
                    raise FieldError(name, _("%(f)s须为整数。") % {"f": label})
                if name != "floor" and numbers[name] is not None and not 1 <= numbers[name] <= 999:
                    raise FieldError(name, _("%(f)s须为 1 到 999 的整数。") % {"f": label})
            services.add_certificate(
                actor=user,
                project=project,
                area=area,
                number=post.get("number", ""),
                holders=post.get("holders", ""),
                kind=post.get("kind") or "title",
                households=numbers["households"] or 1,
                persons=numbers["persons"] or 1,
                floor=numbers["floor"],
            )
        elif what == "remove_certificate":
            certificate = selectors.certificates_for(user).filter(
                project=project, pk=int_or_none(post.get("certificate"))
            )
            if not certificate.exists():
                raise FieldError("certificate", _("请选择权证。"))
            services.remove_certificate(
                actor=user, certificate=certificate.get(), reason=post.get("reason", "")
            )
        else:
            raise DomainError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("renewal:project", pk=project.pk)


@staff_page
def sheet_template(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    response = HttpResponse(sheets.template(project), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="renewal-{project.pk}-template.xlsx"'
    return response


@require_POST
@staff_page
def import_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the households' sheet: every row checked first; bad rows listed, nothing written."""
    user = request.user
    project = selectors.project_for(user, pk)
    upload = request.FILES.get("file")
    errors, message = [], ""
    try:
        if upload is None:
            raise FieldError("file", _("请选择要导入的 .xlsx 文件。"))
        if upload.size > sheets.MAX_BYTES:
            raise FieldError("file", _("文件超过 5 MB，请分批导入。"))
        if request.POST.get("what") == "plans":
            result = editing.import_plans(actor=user, project=project, data=upload.read())
            done = _("导入完成：一户一策 %(p)s 证，难点 %(o)s 项，未变 %(n)s 证。") % {
                "p": result.plans,
                "o": result.obstacles,
                "n": result.unchanged,
            }
        else:
            result = services.import_certificates(actor=user, project=project, data=upload.read())
            done = _("导入完成：新增 %(c)s 证，更新 %(u)s 证，未变 %(n)s 证。") % {
                "c": result.created,
                "u": result.updated,
                "n": result.unchanged,
            }
    except sheets.RowsRejected as exc:
        errors, message = exc.errors, exc.message
    except DomainError as exc:
        message = exc.message
    else:
        messages.success(request, done)
        url = reverse("renewal:project", args=[project.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    context = {"project": project, "errors": errors, "message": message}
    if request.htmx:  # htmx swaps only 2xx answers: the errors replace the result box
        return render(request, "renewal/_import_result.html", context)
    return render(request, "renewal/import_result.html", context, status=400)


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
            "withdrawable": _withdrawable(cert),
            "obstacle_kinds": ObstacleKind.choices,
            "today": timezone.localdate(),
        },
    )


def _withdrawable(cert):
    """The open round's answer of this certificate, if any (what 撤回 would take back)."""
    round_ = services.current_round(cert.project)
    if round_ is None:
        return None
    return next((r for r in cert.responses.all() if r.round_id == round_.pk), None)


@require_POST
@staff_page
def record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    cert = selectors.certificate_for(user, pk)
    what = request.POST.get("what", "")
    try:
        on = _date(request.POST.get("on")) if what != "withdraw" else None
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
        elif what == "withdraw":
            services.withdraw_response(actor=user, certificate=cert, reason=request.POST.get("reason", ""))
        elif what == "plan":
            services.set_plan(actor=user, certificate=cert, plan=request.POST.get("plan", ""))
        else:
            raise DomainError(_("未知的操作。"))
        messages.success(request, _("已记录。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("renewal:certificate", pk=cert.pk)
