"""Visit pages: the list, the mobile visit form (which can raise cases and correct the registry),
a visit, campaigns and their coverage."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import pending
from gongzhi.cases.models import Category
from gongzhi.cases.selectors import cases_for, category_tree
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.registry import selectors as registry
from gongzhi.registry.models import DwellingUse, LivingStatus, RegistrationType, Relation, Resident
from gongzhi.registry.validators import FieldError
from gongzhi.registry.web import int_or_none, page_of, staff_page
from gongzhi.territory.models import Area
from gongzhi.visits import selectors, services
from gongzhi.visits.models import Mode, Target

MAX_CASES = 10


def _require_viewer(user) -> None:
    if user.scope_id is None or not permissions.has(user, "visit.view", user.scope):
        raise NotAllowed()


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_viewer(user)
    visits = selectors.visits_for(user).select_related("household__dwelling", "organization", "visitor")
    if request.GET.get("mine") == "1":
        visits = visits.filter(visitor=user)
    today = timezone.localdate()
    return render(
        request,
        "visits/index.html",
        {
            "page": page_of(request, visits, 30),
            "mine": request.GET.get("mine") == "1",
            "campaigns": selectors.campaigns_for(user)
            .select_related("area")
            .filter(ends_on__gte=today - dt.timedelta(days=90))[:20],
            "can_create": permissions.has(user, "visit.create", user.scope),
            "can_manage": permissions.has(user, "campaign.manage", user.scope),
            "today": today,
        },
    )


def _target(request: HttpRequest, source) -> tuple:
    user = request.user
    household = organization = None
    if pk := int_or_none(source.get("household")):
        household = registry.household_for(user, pk)
    elif pk := int_or_none(source.get("organization")):
        organization = registry.organization_for(user, pk)
    return household, organization


def _cases_from(post) -> list[services.CaseSpec]:
    specs = []
    leaves = {c.pk: c for c in Category.objects.filter(active=True, parent__isnull=False)}
    for i in range(MAX_CASES):
        title = (post.get(f"case-{i}-title") or "").strip()
        description = (post.get(f"case-{i}-description") or "").strip()
        if not title and not description:
            continue
        category = leaves.get(int_or_none(post.get(f"case-{i}-category")))
        if category is None:
            raise FieldError("cases", _("第 %(n)d 个问题请选择具体类别。") % {"n": i + 1})
        specs.append(
            services.CaseSpec(
                category=category, title=title or description[:30], description=description or title
            )
        )
    return specs


def _facts_from(post, household, members: list[Resident], organization=None) -> services.Facts:
    facts = services.Facts()
    if organization is not None:
        for key in ("employees", "contact_name", "contact_phone"):
            value = (post.get(f"org_{key}") or "").strip()
            if value and str(value) != str(getattr(organization, key, "") or ""):
                facts.organization[key] = value
        covered = post.get("org_party_covered")
        if covered in ("是", "否") and (covered == "是") != organization.party_covered:
            facts.organization["party_covered"] = covered
    if household is not None:
        use = post.get("dwelling_use", "")
        if use and use != household.dwelling.use:
            facts.dwelling["use"] = use
    for m in members:
        data = {}
        status = post.get(f"member-{m.pk}-living_status", "")
        if status and status != m.living_status:
            data["living_status"] = status
        phone = (post.get(f"member-{m.pk}-phone") or "").strip()
        if phone:
            data["phone"] = phone
        if data:
            facts.residents[m.pk] = data
        if post.get(f"member-{m.pk}-moved_out") == "1":
            facts.moved_out.append(m.pk)
    name = (post.get("new-name") or "").strip()
    if household is not None and name:
        facts.new_residents.append(
            {
                "name": name,
                "id_number": post.get("new-id_number", ""),
                "phone": post.get("new-phone", ""),
                "relation": post.get("new-relation", ""),
                "registration_type": post.get("new-registration_type", ""),
            }
        )
    return facts


@staff_page
def new(request: HttpRequest) -> HttpResponse:
    """The visit form. Without a target it offers a search for one."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    household, organization = _target(request, source)
    target = household or organization
    if target is None:
        _require_viewer(user)
        query = request.GET.get("q", "")
        found = registry.search_residents(user, query).select_related("household")[:30] if query else []
        orgs = registry.search_organizations(user, query)[:10] if query else []
        return render(request, "visits/pick.html", {"query": query, "found": found, "orgs": orgs})
    permissions.require(user, "visit.create", target)
    members = (
        list(Resident.objects.filter(household=household, moved_out_on__isnull=True)) if household else []
    )
    today = timezone.localdate()
    campaigns = [
        c
        for c in selectors.campaigns_for(user).filter(starts_on__lte=today, ends_on__gte=today)
        if target.area.path.startswith(c.area.path)
    ]
    context = {
        "household": household,
        "organization": organization,
        "members": members,
        "campaigns": campaigns,
        "modes": Mode.choices,
        "uses": DwellingUse.choices,
        "statuses": LivingStatus.choices,
        "relations": Relation.choices,
        "registrations": RegistrationType.choices,
        "categories": category_tree(),
        "today": today,
        "form": source,
        "next_case": 1,
    }
    if request.method == "POST":
        kept = pending.carried(request)
        new_photos = request.FILES.getlist("photos")
        try:
            visited_on = dt.date.fromisoformat(request.POST.get("visited_on") or "")
        except ValueError:
            visited_on = None
        try:
            if visited_on is None:
                raise FieldError("visited_on", _("请填写有效的走访日期。"))
            campaign_id = int_or_none(request.POST.get("campaign"))
            met_id = int_or_none(request.POST.get("met"))
            visit = services.record_visit(
                actor=user,
                household=household,
                organization=organization,
                visited_on=visited_on,
                mode=request.POST.get("mode", ""),
                findings=request.POST.get("findings", ""),
                needs=request.POST.get("needs", ""),
                met=next((m for m in members if m.pk == met_id), None),
                campaign=next((c for c in campaigns if c.pk == campaign_id), None),
                cases=_cases_from(request.POST),
                facts=_facts_from(request.POST, household, members, organization),
                photos=pending.as_uploads(kept.rows) + list(new_photos),
            )
        except DomainError as exc:
            context["error"] = exc.message
            # The photos chosen are kept for the corrected form (cases.pending), unless they
            # are what is wrong.
            if getattr(exc, "field", "") != "photos":
                context["photo_error"] = pending.carry(kept, new_photos)
            else:
                context["photo_error"] = exc.message
            context["pending_photos"] = kept.rows
            context["photo_token"] = kept.signed
            return render(request, "visits/form.html", context, status=exc.status)
        pending.discard(kept.rows)
        raised = visit.cases.count()
        messages.success(
            request,
            _("走访已登记。") + (_("已生成 %(n)d 张工单。") % {"n": raised} if raised else ""),
        )
        return redirect("visits:detail", pk=visit.pk)
    return render(request, "visits/form.html", context)


@staff_page
def case_row(request: HttpRequest) -> HttpResponse:
    """One more "problem found" block for the visit form (htmx)."""
    n = min(int_or_none(request.GET.get("n")) or 1, MAX_CASES - 1)
    return render(
        request,
        "visits/_case_row.html",
        {"i": n, "next_case": n + 1, "categories": category_tree(), "max_cases": MAX_CASES},
    )


@staff_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_for(request.user, pk)
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "photos": list(visit.photos.all()),
            "cases": cases_for(request.user).filter(visits=visit).select_related("category"),
            "changes": registry.changes_by_reference(
                f"visit:{visit.pk}", subdistrict_id=visit.subdistrict_id
            ),
        },
    )


@staff_page
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A visit's photo, for those who may see the visit."""
    visit = selectors.visit_for(request.user, pk)
    item = visit.photos.filter(pk=photo_pk).first()
    if item is None:
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _list_for(request: HttpRequest, **filters) -> HttpResponse:
    visits = (
        selectors.visits_for(request.user)
        .filter(**filters)
        .select_related("visitor")
        .prefetch_related("cases")[:20]
    )
    return render(request, "visits/_list.html", {"visits": visits})


@staff_page
def for_household(request: HttpRequest, pk: int) -> HttpResponse:
    household = registry.household_for(request.user, pk)
    return _list_for(request, household=household)


@staff_page
def for_organization(request: HttpRequest, pk: int) -> HttpResponse:
    organization = registry.organization_for(request.user, pk)
    return _list_for(request, organization=organization)


@staff_page
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.has(user, "campaign.manage", user.scope):
        raise NotAllowed()
    areas = Area.objects.filter(path__startswith=user.scope.path).exclude(kind="building").order_by("path")
    context = {"areas": areas, "targets": Target.choices, "form": request.POST}
    if request.method == "POST":
        area = areas.filter(pk=int_or_none(request.POST.get("area"))).first()
        try:
            if area is None:
                raise FieldError("area", _("请选择范围。"))
            starts_on = dt.date.fromisoformat(request.POST.get("starts_on") or "")
            ends_on = dt.date.fromisoformat(request.POST.get("ends_on") or "")
        except ValueError:
            context["error"] = _("请填写有效的开始和截止日期。")
            return render(request, "visits/campaign_new.html", context, status=400)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "visits/campaign_new.html", context, status=400)
        try:
            campaign = services.create_campaign(
                actor=user,
                area=area,
                name=request.POST.get("name", ""),
                starts_on=starts_on,
                ends_on=ends_on,
                target=request.POST.get("target", Target.HOUSEHOLDS),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "visits/campaign_new.html", context, status=exc.status)
        return redirect("visits:campaign", pk=campaign.pk)
    return render(request, "visits/campaign_new.html", context)


@staff_page
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.campaign_for(user, pk)
    level = request.GET.get("level", "neighbourhood")
    if level not in selectors.LEVELS:
        level = "neighbourhood"
    rows, total, ended = selectors.coverage(user, item, level)
    todo_area = None
    todo = []
    if area_id := int_or_none(request.GET.get("todo")):
        todo_area = Area.objects.filter(pk=area_id, path__startswith=user.scope.path).first()
        if todo_area:
            todo = selectors.not_yet_visited(user, item, todo_area)
    return render(
        request,
        "visits/campaign.html",
        {
            "campaign": item,
            "rows": rows,
            "total": total,
            "ended": ended,
            "level": level,
            "levels": [(k, Area(kind=k).kind_label) for k in selectors.LEVELS],
            "todo_area": todo_area,
            "todo": todo,
            "map_rows": [
                {
                    "name": row.label,
                    "total": row.total,
                    "visited": row.visited,
                    "percent": row.percent,
                    "overdue": ended and row.not_yet > 0,
                    "geometry": row.area.boundary,
                }
                for row in rows
                if row.area.boundary and not row.unplaced
            ],
        },
    )
