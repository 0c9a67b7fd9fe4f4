"""The renewal router of the REST API (/api/renewal/): projects with their live figure,
certificates, and recording an answer or a signature (the same services as the pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from gongzhi.core.schemas import ErrorOut
from gongzhi.renewal import selectors, services
from gongzhi.renewal.models import Project

router = Router(tags=["renewal"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RenewalFigureOut(Schema):
    round: int
    eligible: int
    done: int
    percent: str
    threshold: Decimal
    strict: bool
    reached: bool
    gap: int
    first_day: int
    curve: list[tuple[dt.date, int]]


class RenewalProjectOut(Schema):
    id: int
    name: str
    kind: str
    state: str
    area_id: int
    figure: RenewalFigureOut | None


class RenewalCertificateOut(Schema):
    id: int
    number: str
    kind: str
    area_id: int
    state: str
    floor: int | None
    cadre_id: int | None
    signed_on: dt.date | None


class RenewalResponseIn(Schema):
    answer: str = Field(description="agree | disagree (round 1) or signed (round 2)")
    on: dt.date | None = None


def _project(project: Project) -> dict:
    round_ = services.current_round(project) or project.rounds.order_by("-number").first()
    figure = services.figure_of(round_) if round_ else None
    return {
        "id": project.pk,
        "name": project.name,
        "kind": project.kind,
        "state": project.state,
        "area_id": project.area_id,
        "figure": None
        if figure is None
        else {
            "round": round_.number,
            "eligible": figure.eligible,
            "done": figure.done,
            "percent": figure.percent,
            "threshold": figure.threshold,
            "strict": figure.strict,
            "reached": figure.reached,
            "gap": figure.gap,
            "first_day": figure.first_day,
            "curve": figure.curve,
        },
    }


def _certificate(c) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "kind": c.kind,
        "area_id": c.area_id,
        "state": c.state,
        "floor": c.floor,
        "cadre_id": c.cadre_id,
        "signed_on": c.signed_on,
    }


@router.get("/projects", response={200: list[RenewalProjectOut], **ERRORS}, summary="更新改造项目")
def projects(request: HttpRequest):
    return [_project(p) for p in selectors.projects_for(request.auth).order_by("pk")[:200]]


@router.get("/projects/{pk}", response={200: RenewalProjectOut, **ERRORS}, summary="项目及签约进度")
def project(request: HttpRequest, pk: int):
    return _project(selectors.project_for(request.auth, pk))


@router.get(
    "/projects/{pk}/certificates", response={200: list[RenewalCertificateOut], **ERRORS}, summary="权证"
)
def certificates(request: HttpRequest, pk: int, state: str = "", after: int | None = None, limit: int = 200):
    project = selectors.project_for(request.auth, pk)
    qs = selectors.certificates_for(request.auth).filter(project=project).order_by("pk")
    if state:
        qs = qs.filter(state=state)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    return [_certificate(c) for c in qs[: max(1, min(limit, 500))]]


@router.post(
    "/certificates/{pk}/responses", response={201: RenewalCertificateOut, **ERRORS}, summary="登记意见或签约"
)
def respond(request: HttpRequest, pk: int, payload: RenewalResponseIn):
    c = selectors.certificate_for(request.auth, pk)
    services.respond(actor=request.auth, certificate=c, answer=payload.answer, on=payload.on)
    c.refresh_from_db()
    return 201, _certificate(c)
