"""The renewal router of the REST API (/api/renewal/): projects with their live figure,
certificates, and every write the pages make (creating a project, its rounds, the register and
its .xlsx import, an answer or a signature and its withdrawal, ending the project), through the
same services; errors are {"code", "message", "details"}."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, UploadedFile
from pydantic import Field

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.core.schemas import ErrorOut
from gongzhi.registry.models import Dwelling
from gongzhi.registry.validators import FieldError
from gongzhi.renewal import editing, selectors, services, sheets
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


class RenewalProjectIn(Schema):
    area_id: int = Field(description="a neighbourhood, estate or building in scope")
    name: str
    kind: str = Field(description="old_area | rebuild | lift | retrofit")


class RenewalProjectEditIn(Schema):
    name: str
    area_id: int | None = Field(None, description="a new area (neighbourhood, estate or building in scope)")


class RenewalRoundDatesIn(Schema):
    opens_on: dt.date
    closes_on: dt.date


class RenewalPlansOut(Schema):
    plans: int = Field(description="plans (一户一策) written")
    obstacles: int = Field(description="obstacles raised or their notes updated")
    unchanged: int


class RenewalRoundIn(Schema):
    number: int = Field(description="1 (意愿征询) or 2 (签约)")
    opens_on: dt.date
    closes_on: dt.date
    threshold: Decimal | None = Field(None, description="percent; the project kind's default when absent")
    strict: bool | None = Field(None, description="true for 'more than' the threshold")


class RenewalRoundOut(Schema):
    id: int
    number: int
    opens_on: dt.date
    closes_on: dt.date
    threshold: Decimal
    strict: bool
    reached_on: dt.date | None
    closed_on: dt.date | None
    passed: bool | None


class RenewalOnIn(Schema):
    on: dt.date | None = None


class RenewalCertificateIn(Schema):
    area_id: int = Field(description="the building, inside the project's area")
    number: str
    holders: str
    kind: str = "title"
    households: int = Field(1, ge=1, le=999)
    persons: int = Field(1, ge=1, le=999)
    floor: int | None = Field(None, ge=-5, le=200)
    dwelling_ids: list[int] = []
    cadre_id: int | None = None


class RenewalWithdrawIn(Schema):
    reason: str


class RenewalImportOut(Schema):
    created: int
    updated: int
    unchanged: int


def _round(r) -> dict:
    return {
        "id": r.pk,
        "number": r.number,
        "opens_on": r.opens_on,
        "closes_on": r.closes_on,
        "threshold": r.threshold,
        "strict": r.strict,
        "reached_on": r.reached_on,
        "closed_on": r.closed_on,
        "passed": r.passed,
    }


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


@router.post("/projects", response={201: RenewalProjectOut, **ERRORS}, summary="新建项目")
def create_project(request: HttpRequest, payload: RenewalProjectIn):
    area = selectors.project_areas_for(request.auth).filter(pk=payload.area_id).first()
    if area is None:
        raise NotFound(_("该区域不在您的管辖范围内，或不是居民区、小区、楼栋。"))
    project = services.create_project(actor=request.auth, area=area, name=payload.name, kind=payload.kind)
    return 201, _project(project)


@router.post("/projects/{pk}/rounds", response={201: RenewalRoundOut, **ERRORS}, summary="开启征询或签约轮次")
def open_round(request: HttpRequest, pk: int, payload: RenewalRoundIn):
    project = selectors.project_for(request.auth, pk)
    round_ = services.open_round(
        actor=request.auth,
        project=project,
        number=payload.number,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        threshold=payload.threshold,
        strict=payload.strict,
    )
    return 201, _round(round_)


@router.post("/projects/{pk}/rounds/close", response={200: RenewalRoundOut, **ERRORS}, summary="结束本轮")
def close_round(request: HttpRequest, pk: int, payload: RenewalOnIn):
    project = selectors.project_for(request.auth, pk)
    return _round(services.close_round(actor=request.auth, project=project, on=payload.on))


@router.patch("/projects/{pk}", response={200: RenewalProjectOut, **ERRORS}, summary="修改项目名称或范围")
def edit_project(request: HttpRequest, pk: int, payload: RenewalProjectEditIn):
    project = selectors.project_for(request.auth, pk)
    area = None
    if payload.area_id is not None:
        area = selectors.project_areas_for(request.auth).filter(pk=payload.area_id).first()
        if area is None:
            raise FieldError("area_id", _("该区域不在您的管辖范围内，或不是居民区、小区、楼栋。"))
    project = editing.update_project(actor=request.auth, project=project, name=payload.name, area=area)
    return _project(project)


@router.patch(
    "/projects/{pk}/rounds/{number}",
    response={200: RenewalRoundOut, **ERRORS},
    summary="修改进行中轮次的日期",
)
def edit_round(request: HttpRequest, pk: int, number: int, payload: RenewalRoundDatesIn):
    project = selectors.project_for(request.auth, pk)
    round_ = editing.update_round(
        actor=request.auth,
        project=project,
        number=number,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
    )
    return _round(round_)


@router.post(
    "/projects/{pk}/plans/import",
    response={200: RenewalPlansOut, **ERRORS},
    summary="从 .xlsx 导入一户一策与难点",
    description="The households' sheet; only 证号, 一户一策 and 难点 are read, every number must be on "
    'the register. With any bad row nothing is written: 400 {"code": "bad_rows", "details": '
    '{"errors": [{"row", "column", "message"}]}}. Importing the same file again changes nothing.',
)
def import_plans(request: HttpRequest, pk: int, file: File[UploadedFile]):
    project = selectors.project_for(request.auth, pk)
    if file.size > sheets.MAX_BYTES:
        raise FieldError("file", _("文件超过 5 MB，请分批导入。"))
    result = editing.import_plans(actor=request.auth, project=project, data=file.read())
    return {"plans": result.plans, "obstacles": result.obstacles, "unchanged": result.unchanged}


@router.post(
    "/projects/{pk}/clear", response={200: RenewalProjectOut, **ERRORS}, summary="搬迁完成，结束项目"
)
def clear(request: HttpRequest, pk: int, payload: RenewalOnIn):
    project = selectors.project_for(request.auth, pk)
    return _project(services.clear_project(actor=request.auth, project=project, on=payload.on))


@router.post(
    "/projects/{pk}/certificates", response={201: RenewalCertificateOut, **ERRORS}, summary="登记权证"
)
def add_certificate(request: HttpRequest, pk: int, payload: RenewalCertificateIn):
    project = selectors.project_for(request.auth, pk)
    area = selectors.project_areas_for(request.auth).filter(pk=payload.area_id).first()
    if area is None:
        raise FieldError("area_id", _("请选择项目范围内的楼栋。"))
    dwellings = list(Dwelling.objects.filter(pk__in=payload.dwelling_ids, area__path__startswith=area.path))
    if len(dwellings) != len(set(payload.dwelling_ids)):
        raise FieldError("dwelling_ids", _("有房屋不在该楼栋内。"))
    cadre = None
    if payload.cadre_id is not None:
        cadre = User.objects.filter(pk=payload.cadre_id, is_active=True).first()
        if cadre is None:
            raise FieldError("cadre_id", _("包保干部须负责该楼栋所在区域。"))
    c = services.add_certificate(
        actor=request.auth,
        project=project,
        area=area,
        number=payload.number,
        holders=payload.holders,
        kind=payload.kind,
        households=payload.households,
        persons=payload.persons,
        floor=payload.floor,
        dwellings=dwellings,
        cadre=cadre,
    )
    return 201, _certificate(c)


@router.post(
    "/projects/{pk}/certificates/import",
    response={200: RenewalImportOut, **ERRORS},
    summary="从 .xlsx 导入权证",
    description="Every row is checked first; with any bad row nothing is written and the answer is "
    '400 {"code": "bad_rows", "details": {"errors": [{"row", "column", "message"}]}}. Keyed by '
    "certificate number: importing the same file again changes nothing.",
)
def import_certificates(request: HttpRequest, pk: int, file: File[UploadedFile]):
    project = selectors.project_for(request.auth, pk)
    if file.size > sheets.MAX_BYTES:
        raise FieldError("file", _("文件超过 5 MB，请分批导入。"))
    result = services.import_certificates(actor=request.auth, project=project, data=file.read())
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


@router.delete("/certificates/{pk}", response={204: None, **ERRORS}, summary="删除权证（首轮开启前）")
def remove_certificate(request: HttpRequest, pk: int):
    c = selectors.certificate_for(request.auth, pk)
    services.remove_certificate(actor=request.auth, certificate=c)
    return 204, None


@router.post(
    "/certificates/{pk}/responses/withdraw",
    response={200: RenewalCertificateOut, **ERRORS},
    summary="撤回本轮意见或签约",
)
def withdraw(request: HttpRequest, pk: int, payload: RenewalWithdrawIn):
    c = selectors.certificate_for(request.auth, pk)
    c = services.withdraw_response(actor=request.auth, certificate=c, reason=payload.reason)
    return _certificate(c)
