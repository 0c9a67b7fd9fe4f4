"""The visits router of the REST API (/api/visits/): visits and campaigns of the caller's scope,
a campaign's coverage by level (the same selectors as the pages), and recording a visit with its
photos from a phone (the same service as the visit form)."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, UploadedFile
from pydantic import Field

from gongzhi.core.errors import DomainError, NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.registry import selectors as registry
from gongzhi.registry.validators import FieldError
from gongzhi.visits import selectors, services
from gongzhi.visits.models import Visit

router = Router(tags=["visits"])
PAGE = 100


class VisitQuery(Schema):
    since: dt.date | None = None
    until: dt.date | None = None
    after: int | None = Field(None, description="the last id of the previous page")
    limit: int = Field(PAGE, ge=1, le=PAGE)


class VisitOut(Schema):
    id: int
    visited_on: dt.date
    mode: str
    area_id: int
    household_id: int | None
    organization_id: int | None
    campaign_id: int | None
    visitor: str
    findings: str
    needs: str
    photos: list[str] = Field(default_factory=list, description="URLs of the visit's photos (token auth)")


class CampaignOut(Schema):
    id: int
    name: str
    area_id: int
    target: str
    starts_on: dt.date
    ends_on: dt.date


class CoverageRowOut(Schema):
    area_id: int
    label: str
    total: int
    visited: int
    percent: int | None


class CoverageOut(Schema):
    level: str
    total: int
    visited: int
    percent: int | None
    ended: bool
    rows: list[CoverageRowOut]


@router.get("/visits", response={200: list[VisitOut], 422: ErrorOut}, summary="走访记录")
def visits(request: HttpRequest, query: Query[VisitQuery]):
    qs = selectors.visits_for(request.auth).select_related("visitor")
    if query.since:
        qs = qs.filter(visited_on__gte=query.since)
    if query.until:
        qs = qs.filter(visited_on__lte=query.until)
    if query.after is not None:
        qs = qs.filter(pk__gt=query.after)
    return [_visit_out(v) for v in qs.prefetch_related("photos").order_by("pk")[: query.limit]]


def _visit_out(v: Visit) -> dict:
    return {
        "id": v.pk,
        "visited_on": v.visited_on,
        "mode": v.mode,
        "area_id": v.area_id,
        "household_id": v.household_id,
        "organization_id": v.organization_id,
        "campaign_id": v.campaign_id,
        "visitor": str(v.visitor),
        "findings": v.findings,
        "needs": v.needs,
        "photos": [reverse("api:visit_photo", args=[v.pk, p.pk]) for p in v.photos.all()],
    }


@router.post(
    "/visits",
    response={201: VisitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="登记走访（multipart：household 或 organization、visited_on、mode、findings、needs、photos）",
)
def record(
    request: HttpRequest,
    visited_on: Form[dt.date],
    findings: Form[str],
    mode: Form[str] = "door",
    needs: Form[str] = "",
    household: Form[int | None] = None,
    organization: Form[int | None] = None,
    photos: File[list[UploadedFile]] = None,
):
    """A visit recorded from a phone: the same service and checks as the visit form (at most six
    photos, each checked by its content; one bad photo refuses the whole visit)."""
    user = request.auth
    if (household is None) == (organization is None):
        raise FieldError("household", _("请给出一个走访对象：household 或 organization。"))
    found_household = registry.household_for(user, household) if household is not None else None
    found_organization = registry.organization_for(user, organization) if organization is not None else None
    visit = services.record_visit(
        actor=user,
        household=found_household,
        organization=found_organization,
        visited_on=visited_on,
        mode=mode,
        findings=findings,
        needs=needs,
        photos=photos or [],
    )
    return 201, _visit_out(visit)


@router.get(
    "/visits/{pk}/photos/{photo_pk}",
    url_name="visit_photo",
    response={200: None, 404: ErrorOut, 422: ErrorOut},
    summary="走访照片（image/jpeg、image/png 或 image/webp）",
)
def visit_photo(request: HttpRequest, pk: int, photo_pk: int):
    visit = selectors.visit_for(request.auth, pk)
    item = visit.photos.filter(pk=photo_pk).first()
    if item is None:
        raise NotFound(_("照片不存在。"))
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


@router.get("/campaigns", response={200: list[CampaignOut], 422: ErrorOut}, summary="走访任务")
def campaigns(request: HttpRequest):
    return [
        {
            "id": c.pk,
            "name": c.name,
            "area_id": c.area_id,
            "target": c.target,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
        }
        for c in selectors.campaigns_for(request.auth).order_by("-starts_on", "-id")[:200]
    ]


@router.get(
    "/campaigns/{pk}/coverage",
    response={200: CoverageOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="走访覆盖（按网格、居民区、小区或楼栋）",
)
def coverage(request: HttpRequest, pk: int, level: str = "grid"):
    if level not in selectors.LEVELS:
        raise DomainError(_("层级应为 grid、neighbourhood、estate 或 building。"), code="bad_level")
    campaign = selectors.campaign_for(request.auth, pk)
    rows, total, ended = selectors.coverage(request.auth, campaign, level)
    return {
        "level": level,
        "total": total.total,
        "visited": total.visited,
        "percent": total.percent,
        "ended": ended,
        "rows": [
            {
                "area_id": r.area.pk,
                "label": r.label,
                "total": r.total,
                "visited": r.visited,
                "percent": r.percent,
            }
            for r in rows
        ],
    }
