"""Registry pages: search, resident card, dwelling and organisation pages, reveal, tag lists,
import wizard, templates and export. Thin: each parses input, calls a selector or service, renders."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import rules as permissions
from gongzhi.core.dbrouter import replica_reads
from gongzhi.core.errors import DomainError, NotAllowed, NotFound
from gongzhi.registry import exporting, import_jobs, importing, selectors, services
from gongzhi.registry.models import (
    IdType,
    LivingStatus,
    OrganizationKind,
    RegistrationType,
    Relation,
    Resident,
)
from gongzhi.registry.web import client_ip, int_or_none, page_of, staff_page
from gongzhi.territory.models import Area

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _can_view(user) -> None:
    if user.scope_id is None or not permissions.has(user, "resident.view", user.scope):
        raise NotAllowed()


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _can_view(user)
    query = request.GET.get("q", "")
    moved = request.GET.get("moved") == "1"
    page = page_of(request, selectors.search_residents(user, query, include_moved_out=moved))
    context = {
        "query": query,
        "moved": moved,
        "page": page,
        "counts": {
            "residents": selectors.residents_for(user).filter(moved_out_on__isnull=True).count(),
            "dwellings": selectors.dwellings_for(user).count(),
            "organizations": selectors.organizations_for(user).count(),
        },
        "can_import": permissions.has(user, "registry.import", user.scope),
        "can_export": permissions.has(user, "registry.export", user.scope),
        "can_tags": permissions.has(user, "resident.tags", user.scope),
    }
    if request.htmx:
        return render(request, "registry/_results.html", context)
    return render(request, "registry/index.html", context)


def _choices() -> dict:
    return {
        "registration_type": RegistrationType.choices,
        "living_status": LivingStatus.choices,
        "relation": Relation.choices,
        "id_type": IdType.choices,
    }


@staff_page
def resident(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = selectors.resident_for(user, pk)
    stays, changes = selectors.history_of(person)
    members = (
        Resident.objects.filter(household_id=person.household_id).exclude(pk=person.pk)
        if person.household_id
        else []
    )
    can_tags = permissions.has(user, "resident.tags", person)
    context = {
        "person": person,
        "age": person.age(),
        "members": members,
        "stays": stays,
        "changes": changes[:50],
        "tags": selectors.tags_of(user, person) if can_tags else None,
        "tag_choices": selectors.tags_for(user).filter(subdistrict_id=person.subdistrict_id)
        if permissions.has(user, "tag.assign", person)
        else [],
        "can_see_visits": permissions.has(user, "visit.view", person),
        "can_reveal": permissions.has(user, "resident.reveal", person),
        "can_visit": permissions.has(user, "visit.create", person),
        "can_edit": permissions.has(user, "resident.edit", person),
        "choices": _choices(),
        "today": timezone.localdate(),
    }
    return render(request, "registry/resident.html", context)


_REVEAL = {
    "resident": (selectors.resident_for, ("id_number", "phone")),
    "dwelling": (selectors.dwelling_for, ("owner_phone",)),
    "organization": (selectors.organization_for, ("contact_phone",)),
}


@staff_page
@require_POST
def reveal(request: HttpRequest, kind: str, pk: int, field: str) -> HttpResponse:
    if kind not in _REVEAL or field not in _REVEAL[kind][1]:
        raise NotFound()
    obj = _REVEAL[kind][0](request.user, pk)
    try:
        value = services.reveal(
            actor=request.user,
            obj=obj,
            field=field,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except DomainError as exc:
        if not request.htmx:
            raise
        # htmx swaps only 2xx answers: say why in place of the value instead.
        return render(request, "registry/_revealed.html", {"error": exc.message})
    return render(request, "registry/_revealed.html", {"value": value})


@staff_page
@require_POST
def add_tag(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.resident_for(request.user, pk)
    tag = selectors.tags_for(request.user).filter(pk=int_or_none(request.POST.get("tag"))).first()
    if tag is None:
        raise DomainError(_("请选择标签。"))
    valid_until = request.POST.get("valid_until") or None
    services.tag_resident(
        actor=request.user,
        resident=person,
        tag=tag,
        valid_until=dt.date.fromisoformat(valid_until) if valid_until else None,
        note=request.POST.get("note", ""),
    )
    messages.success(request, _("已添加标签“%(tag)s”。") % {"tag": tag.name})
    return redirect("registry:resident", pk=person.pk)


@staff_page
def dwelling(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    place = selectors.dwelling_for(user, pk)
    households = (
        selectors.households_for(user)
        .filter(dwelling=place)
        .select_related("head")
        .prefetch_related("members")
    )
    return render(
        request,
        "registry/dwelling.html",
        {
            "place": place,
            "households": households,
            "can_reveal": permissions.has(user, "resident.reveal", place),
            "can_visit": permissions.has(user, "visit.create", place),
            "can_edit": permissions.has(user, "resident.edit", place),
            "choices": _choices(),
        },
    )


@staff_page
def organizations(request: HttpRequest) -> HttpResponse:
    _can_view(request.user)
    query, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    page = page_of(request, selectors.search_organizations(request.user, query, kind=kind))
    return render(
        request,
        "registry/organizations.html",
        {"page": page, "query": query, "kind": kind, "kinds": OrganizationKind.choices},
    )


@staff_page
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    org = selectors.organization_for(user, pk)
    return render(
        request,
        "registry/organization.html",
        {
            "org": org,
            "covered": selectors.organizations_for(user).filter(party_organization=org),
            "can_see_visits": permissions.has(user, "visit.view", org),
            "can_reveal": permissions.has(user, "resident.reveal", org),
            "can_visit": permissions.has(user, "visit.create", org),
        },
    )


@staff_page
def tag_lists(request: HttpRequest) -> HttpResponse:
    """People by tag combination (all of the chosen tags), optionally over an age, with counts
    for each area under the chosen one."""
    user = request.user
    if not permissions.has(user, "resident.tags", user.scope):
        raise NotAllowed()
    tags = list(selectors.tags_for(user))
    chosen = [t for t in tags if str(t.pk) in request.GET.getlist("tag")]
    area = user.scope
    area_id = int_or_none(request.GET.get("area"))
    if area_id:
        area = Area.objects.filter(pk=area_id, path__startswith=user.scope.path).first() or user.scope
    min_age = int_or_none(request.GET.get("min_age"))
    result, counts, total = None, [], 0
    if chosen or min_age:
        qs = selectors.residents_with_tags(
            user, selectors.TagQuery([t.pk for t in chosen], area=area, min_age=min_age)
        )
        if request.GET.get("export") in ("csv", "xlsx"):
            fmt = request.GET["export"]
            label = "tags:" + ",".join(str(t.pk) for t in chosen)
            data = exporting.export_bytes(
                "residents", fmt, user=user, ip=client_ip(request), only=qs, label=label
            )
            response = HttpResponse(data, content_type=_CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="gongzhi-tag-list.{fmt}"'
            return response
        total = qs.count()
        counts = selectors.counts_by_child_area(user, qs, area)
        result = page_of(request, qs.select_related("dwelling").order_by("area_id", "name"), 50)
    areas = Area.objects.filter(path__startswith=user.scope.path).exclude(kind="building").order_by("path")
    return render(
        request,
        "registry/tags.html",
        {
            "tags": tags,
            "chosen": chosen,
            "area": area,
            "areas": areas,
            "min_age": min_age or "",
            "result": result,
            "counts": counts,
            "total": total,
            "can_manage": permissions.has(user, "tag.manage", user.scope),
            "can_export": permissions.has(user, "registry.export", user.scope),
            "query_string": request.GET.urlencode(),
        },
    )


# ---------------------------------------------------------------- import wizard


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    # Uploads that passed the dry run but were never confirmed hold personal data: keep a day.
    stale = timezone.now().timestamp() - 24 * 3600
    for old in path.iterdir():
        if old.is_file() and old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    return path


@staff_page
def import_start(request: HttpRequest) -> HttpResponse:
    """Step 1: choose kind and file; step 2 (POST): the dry-run report, and a confirm button."""
    user = request.user
    if not permissions.has(user, "registry.import", user.scope):
        raise NotAllowed()
    context = {"kinds": [(k, importing.KIND_LABELS[k]) for k in importing.KINDS], "report": None}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        if kind not in importing.KINDS or upload is None:
            raise DomainError(_("请选择导入类型和文件。"))
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise DomainError(_("只支持 .xlsx 和 .csv 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise DomainError(_("文件过大（上限 50 MB），请分批导入或使用命令行。"))
        token = secrets.token_hex(16)
        path = _upload_dir() / f"{token}{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        report = importing.import_file(kind, path, user, dry_run=True)
        if report.ok:
            request.session["registry_import"] = {
                "token": token,
                "suffix": suffix,
                "kind": kind,
                "name": upload.name,
            }
        else:
            path.unlink(missing_ok=True)
        context.update(report=report, kind=kind, filename=upload.name)
        return render(request, "registry/import.html", context, status=200 if report.ok else 422)
    return render(request, "registry/import.html", context)


@staff_page
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 3: the real, all-or-nothing run of the file that passed the dry run."""
    user = request.user
    if not permissions.has(user, "registry.import", user.scope):
        raise NotAllowed()
    pending = request.session.pop("registry_import", None)
    if not pending or pending.get("token") != request.POST.get("token"):
        raise DomainError(_("导入已过期，请重新上传文件。"))
    import_jobs.start(
        directory=_upload_dir(),
        token=pending["token"],
        upload=_upload_dir() / f"{pending['token']}{pending['suffix']}",
        kind=pending["kind"],
        user=user,
        filename=pending["name"],
    )
    return redirect("registry:import_status", token=pending["token"])


@staff_page
def import_status(request: HttpRequest, token: str) -> HttpResponse:
    """Step 3: the real run's progress, then its result (polled by htmx while it runs)."""
    job = import_jobs.status(directory=_upload_dir(), token=token, user=request.user)
    if job is None:
        raise NotFound()
    context = {
        "kinds": [(k, importing.KIND_LABELS[k]) for k in importing.KINDS],
        "job": job,
        "token": token,
        "report": job if job["state"] == "done" else None,
        "done": True,
        "kind": job["kind"],
        "filename": job["filename"],
    }
    if request.htmx:
        return render(request, "registry/_import_job.html", context)
    return render(request, "registry/import.html", context)


@staff_page
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in importing.KINDS or fmt not in ("xlsx", "csv"):
        raise NotFound()
    if fmt == "xlsx":
        data, content_type = (
            importing.template_xlsx(kind, user=request.user),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        data, content_type = importing.template_csv(kind), "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="gongzhi-{kind}-template.{fmt}"'
    return response


@staff_page
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.has(user, "registry.export", user.scope):
        raise NotAllowed()
    if request.method != "POST":
        return render(
            request,
            "registry/export.html",
            {
                "kinds": [(k, importing.KIND_LABELS[k]) for k in importing.KINDS],
                "can_clear": permissions.has(user, "resident.reveal", user.scope),
            },
        )
    kind, fmt = request.POST.get("kind", ""), request.POST.get("fmt", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise DomainError(_("请选择导出格式。"))
    clear = request.POST.get("clear") == "1"
    with replica_reads():  # the rows from a streaming replica where there is one; the log to the primary
        data = exporting.export_bytes(
            kind, fmt, user=user, clear=clear, reason=request.POST.get("reason", ""), ip=client_ip(request)
        )
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # The file says whose scope it holds.
    scope = re.sub(r"[^A-Za-z0-9_-]", "", user.scope.code) or str(user.scope_id)
    response["Content-Disposition"] = f'attachment; filename="gongzhi-{kind}-{scope}-{stamp}.{fmt}"'
    return response


# ---------------------------------------------------------------- edits from the pages

EDITABLE = ("phone", "registration_type", "living_status", "relation", "note")


@staff_page
@require_POST
def edit_resident(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a resident's contact and status; blank phone means "unchanged"."""
    person = selectors.resident_for(request.user, pk)
    data = {
        f: request.POST[f]
        for f in EDITABLE
        if f in request.POST and (f != "phone" or request.POST[f].strip())
    }
    services.update_resident(actor=request.user, resident=person, data=data)
    messages.success(request, _("已保存。"))
    return redirect("registry:resident", pk=person.pk)


@staff_page
@require_POST
def move_out(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.resident_for(request.user, pk)
    try:
        on = dt.date.fromisoformat(request.POST.get("on") or "")
    except ValueError:
        raise DomainError(_("请填写有效的迁出日期。")) from None
    services.move_resident(actor=request.user, resident=person, on=on)
    messages.success(request, _("已登记迁出。"))
    return redirect("registry:resident", pk=person.pk)


@staff_page
@require_POST
def end_tag(request: HttpRequest, pk: int) -> HttpResponse:
    resident_tag = selectors.resident_tags_for(request.user).select_related("resident").filter(pk=pk).first()
    if resident_tag is None:
        raise NotFound()
    services.end_tag(actor=request.user, resident_tag=resident_tag)
    messages.success(request, _("标签已失效。"))
    return redirect("registry:resident", pk=resident_tag.resident_id)


@staff_page
@require_POST
def add_resident(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a person in a dwelling (the card's "登记居民" form)."""
    place = selectors.dwelling_for(request.user, pk)
    fields = (
        "name",
        "id_type",
        "id_number",
        "phone",
        "registration_type",
        "living_status",
        "relation",
        "moved_in_on",
    )
    person = services.register_resident(
        actor=request.user,
        dwelling=place,
        data={f: request.POST.get(f, "") for f in fields},
        household_label=(request.POST.get("household") or "1").strip()[:20],
    )
    messages.success(request, _("已登记 %(name)s。") % {"name": person.name})
    return redirect("registry:resident", pk=person.pk)


@staff_page
def manage_tags(request: HttpRequest) -> HttpResponse:
    """The leadership's configuration of the 9+1+N tags: add a tag, stop or resume offering one."""
    user = request.user
    if not permissions.has(user, "tag.manage", user.scope):
        raise NotAllowed()
    groups = selectors.tag_groups_for(user)
    if request.method == "POST":
        if tag_id := int_or_none(request.POST.get("toggle")):
            tag = next((t for g in groups for t in g.tags.all() if t.pk == tag_id), None)
            if tag is None:
                raise NotFound()
            services.set_tag_active(actor=user, tag=tag, active=not tag.active)
        else:
            group = groups.filter(pk=int_or_none(request.POST.get("group"))).first()
            if group is None:
                raise NotFound()
            tag = services.create_tag(actor=user, group=group, name=request.POST.get("name", ""))
            messages.success(request, _("已添加标签“%(name)s”。") % {"name": tag.name})
        return redirect("registry:manage_tags")
    groups = list(groups)
    holders = selectors.holders_by_tag(user)
    for group in groups:
        for tag in group.tags.all():
            tag.holders = holders.get(tag.pk, 0)
    return render(request, "registry/manage_tags.html", {"groups": groups})
