"""API for intake clients (Open311 adapters, the 12345 import, apps): category suggestions and
likely duplicates. Mount with `api.add_router("/text/", gongzhi.text.api.router)`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed
from gongzhi.core.schemas import ErrorOut
from gongzhi.territory.models import Area
from gongzhi.text import selectors, services

router = Router(tags=["text"])


class SuggestedCategoryOut(Schema):
    id: int
    name: str
    confidence: float


class SuggestOut(Schema):
    model_version: int | None
    categories: list[SuggestedCategoryOut]
    unit_id: int | None = None
    unit_name: str = ""
    unit_confidence: float | None = None


class DuplicateOut(Schema):
    number: str
    title: str
    status: str
    score: float
    distance_m: float | None


def _area(area_id: int | None) -> Area | None:
    return Area.objects.filter(pk=area_id).first() if area_id else None


@router.get("/suggest", response={200: SuggestOut, 401: ErrorOut, 422: ErrorOut})
def suggest(request: HttpRequest, title: str = "", description: str = "", area: int | None = None):
    """Top-3 leaf categories with calibrated confidence (and, for staff, the handling unit).
    `model_version` is null when no model is trained yet."""
    result = services.suggest(title[:120], description[:4000], _area(area))
    if result is None:
        return {"model_version": None, "categories": []}
    out = {
        "model_version": result.version.version,
        "categories": [{"id": c.pk, "name": str(c), "confidence": round(p, 4)} for c, p in result.categories],
    }
    if result.unit and request.user.is_authenticated:
        out.update(
            unit_id=result.unit[0].pk, unit_name=result.unit[0].name, unit_confidence=round(result.unit[1], 4)
        )
    return out


@router.get(
    "/duplicates",
    response={200: list[DuplicateOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
)
def duplicates(
    request: HttpRequest,
    title: str = "",
    description: str = "",
    lat: float | None = None,
    lng: float | None = None,
    area: int | None = None,
):
    """Open or recently closed cases like this report, among the cases the caller may see
    (an API token or a staff session, like the rest of the API)."""
    user = request.auth
    if not permissions.has(user, "text.duplicates"):
        raise NotAllowed()
    found = selectors.likely_duplicates(title[:120], description[:4000], lat, lng, _area(area), user=user)
    return [
        {
            "number": d.case.number,
            "title": d.case.title,
            "status": d.case.status,
            "score": round(d.score, 4),
            "distance_m": d.distance_m,
        }
        for d in found
    ]
