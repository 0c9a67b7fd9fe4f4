"""Every write of renewal projects: one function per action, permission checked, rows locked,
states moved through transitions.py, audit rows in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.core.events import DomainSignal
from gongzhi.registry.models import Dwelling
from gongzhi.registry.validators import FieldError
from gongzhi.renewal import editing, progress, sheets, transitions
from gongzhi.renewal.models import (
    Answer,
    Certificate,
    CertificateKind,
    CertificateState,
    Contact,
    Kind,
    Obstacle,
    ObstacleKind,
    Project,
    ProjectState,
    Response,
    Round,
)
from gongzhi.territory.models import Area, AreaKind

# kwargs: project_id, round_number, on, subdistrict_id (sent once, when a round first reaches its threshold)
threshold_reached = DomainSignal()

# kind -> round number -> (threshold %, strictly more than)
DEFAULT_THRESHOLDS: dict[str, dict[int, tuple[str, bool]]] = {
    Kind.OLD_AREA: {1: ("90", True), 2: ("85", False)},
    Kind.REBUILD: {1: ("90", True), 2: ("90", False)},
    Kind.LIFT: {2: ("75", False)},
    Kind.RETROFIT: {1: ("90", True), 2: ("85", False)},
}


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


@transaction.atomic
def create_project(*, actor: User, area: Area, name: str, kind: str) -> Project:
    permissions.require(actor, "renewal.manage", area)
    name = (name or "").strip()
    if not name:
        raise FieldError("name", _("请填写项目名称。"))
    if kind not in Kind.values:
        raise FieldError("kind", _("请选择项目类型。"))
    if area.subdistrict_id is None or area.kind not in (
        AreaKind.NEIGHBOURHOOD,
        AreaKind.ESTATE,
        AreaKind.BUILDING,
    ):
        raise FieldError("area", _("请选择居民区、小区或楼栋。"))
    if kind == Kind.LIFT and area.kind != AreaKind.BUILDING:
        raise FieldError("area", _("加装电梯按楼栋征询，请选择一幢楼。"))
    project = Project.objects.create(
        subdistrict_id=area.subdistrict_id, area=area, name=name[:80], kind=kind, created_by=actor
    )
    audit.record(actor=actor, action="renewal.create", target=project, data={"kind": kind, "area": area.pk})
    return project


def _register_open(project: Project) -> None:
    """The register of certificates is the denominator of every round's figure, so it is fixed
    once the first round opens (a later change would rewrite a closed round's result)."""
    state = Project.objects.filter(pk=project.pk).values_list("state", flat=True).first()
    if state != ProjectState.PREPARED:
        raise DomainError(_("项目已开始征询或签约，权证名册已锁定，不能再增删权证。"), code="register_locked")


@transaction.atomic
def add_certificate(
    *,
    actor: User,
    project: Project,
    area: Area,
    number: str,
    holders: str,
    kind: str = CertificateKind.TITLE,
    households: int = 1,
    persons: int = 1,
    floor: int | None = None,
    dwellings: list[Dwelling] = (),
    cadre: User | None = None,
) -> Certificate:
    permissions.require(actor, "renewal.manage", project)
    _register_open(project)
    if not area.path.startswith(project.area.path):
        raise FieldError("area", _("该楼栋不在项目范围内。"))
    number = (number or "").strip()
    if not number:
        raise FieldError("number", _("请填写证号。"))
    if project.certificates.filter(number=number).exists():
        raise Conflict(_("证号 %(n)s 已登记。") % {"n": number})
    for dwelling in dwellings:
        if not dwelling.area.path.startswith(project.area.path):
            raise FieldError("dwellings", _("房屋 %(d)s 不在项目范围内。") % {"d": dwelling})
    if cadre is not None and not permissions.has(cadre, "renewal.record", area):
        raise FieldError("cadre", _("包保干部须负责该楼栋所在区域。"))
    certificate = Certificate.objects.create(
        subdistrict_id=project.subdistrict_id,
        area=area,
        project=project,
        number=number[:40],
        kind=kind,
        holders=(holders or "").strip()[:120],
        households=max(1, households),
        persons=max(1, persons),
        floor=floor,
        cadre=cadre,
    )
    if dwellings:
        certificate.dwellings.add(*dwellings)
    return certificate


@transaction.atomic
def certificates_from_dwellings(*, actor: User, project: Project, cadre: User | None = None) -> int:
    """A lift (or retrofit) counts per dwelling: one entry per dwelling of the project's area."""
    permissions.require(actor, "renewal.manage", project)
    _register_open(project)
    made = 0
    for dwelling in Dwelling.objects.filter(area__path__startswith=project.area.path).select_related("area"):
        if project.certificates.filter(number=dwelling.address or dwelling.room).exists():
            continue
        digits = "".join(ch for ch in dwelling.room if ch.isdigit())
        # "1203" is the 12th floor; a room number that reads as no plausible floor gives none.
        floor = int(digits[:-2]) if 2 < len(digits) <= 5 else None
        floor = floor if floor is not None and 0 < floor <= 200 else None
        certificate = Certificate.objects.create(
            subdistrict_id=project.subdistrict_id,
            area=dwelling.area,
            project=project,
            number=(dwelling.address or dwelling.room)[:40],
            kind=CertificateKind.DWELLING,
            holders=dwelling.owner_name or "—",
            floor=floor,
            cadre=cadre,
        )
        certificate.dwellings.add(dwelling)
        made += 1
    return made


def _threshold(value, field: str = "threshold") -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FieldError(field, _("请填写有效的比例。")) from None
    if not result.is_finite() or not 0 < result <= 100 or result != result.quantize(Decimal("0.01")):
        raise FieldError(field, _("比例须在 0 到 100 之间，最多两位小数。"))
    return result


@transaction.atomic
def open_round(
    *,
    actor: User,
    project: Project,
    number: int,
    opens_on: dt.date,
    closes_on: dt.date,
    threshold=None,
    strict: bool | None = None,
) -> Round:
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    if number not in (1, 2):
        raise FieldError("number", _("轮次只能是第一轮征询或第二轮签约。"))
    new_state = transitions.project_target(project.state, f"open_round{number}")
    if closes_on < opens_on:
        raise FieldError("closes_on", _("截止日期不能早于开始日期。"))
    default = DEFAULT_THRESHOLDS.get(project.kind, {}).get(number, ("85", False))
    value = _threshold(default[0] if threshold in (None, "") else threshold)
    strict = default[1] if strict is None else strict
    if strict and value == 100:
        raise FieldError("threshold", _("“超过 100%”无法达到。"))
    if not project.certificates.exists():
        raise DomainError(_("请先登记项目的权证。"))
    round_ = Round.objects.create(
        project=project,
        number=number,
        opens_on=opens_on,
        closes_on=closes_on,
        threshold=value,
        strict=strict,
        opened_at=timezone.now(),
    )
    project.state = new_state
    project.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor, action=f"renewal.open_round{number}", target=project, data={"threshold": str(value)}
    )
    return round_


OPEN_ROUND = {ProjectState.ROUND1_OPEN: 1, ProjectState.ROUND2_OPEN: 2}


def current_round(project: Project) -> Round | None:
    number = OPEN_ROUND.get(project.state)
    return None if number is None else project.rounds.filter(number=number).first()


def _lock_certificate(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("project", "area")
        .get(pk=certificate.pk)
    )


@transaction.atomic
def record_contact(*, actor: User, certificate: Certificate, note: str, on: dt.date | None = None) -> Contact:
    certificate = _lock_certificate(certificate)
    permissions.require(actor, "renewal.record", certificate)
    note = (note or "").strip()
    if not note:
        raise FieldError("note", _("请填写走访情况。"))
    on = _today(on)
    if on > timezone.localdate():
        raise FieldError("on", _("日期不能晚于今天。"))
    contact = Contact.objects.create(certificate=certificate, on=on, by=actor, note=note[:300])
    certificate.state = transitions.certificate_target(certificate.state, "contact")
    certificate.save(update_fields=["state", "updated_at"])
    return contact


def respond(*, actor: User, certificate: Certificate, answer: str, on: dt.date | None = None) -> Response:
    """Record a certificate's answer in the open round: agree/disagree in round 1, a signature in
    round 2. Two cadres recording the same certificate at once: exactly one is kept."""
    try:
        with transaction.atomic():
            return _respond(actor, certificate, answer, _today(on))
    except IntegrityError:
        raise Conflict(_("该权证在本轮已有记录。")) from None


def _respond(actor: User, certificate: Certificate, answer: str, on: dt.date) -> Response:
    certificate = _lock_certificate(certificate)
    permissions.require(actor, "renewal.record", certificate)
    if answer not in Answer.values:
        raise FieldError("answer", _("请选择意见。"))
    project = certificate.project
    round_ = current_round(project)
    wanted = 2 if answer == Answer.SIGNED else 1
    if round_ is None or round_.number != wanted:
        raise DomainError(_("签约轮尚未开启，不能签约。") if wanted == 2 else _("第一轮征询未在进行中。"))
    if on < round_.opens_on:
        raise FieldError("on", _("本轮 %(d)s 才开始，不能提前签约或登记。") % {"d": round_.opens_on})
    if on > round_.closes_on:
        raise FieldError("on", _("本轮已于 %(d)s 截止。") % {"d": round_.closes_on})
    if on > timezone.localdate():
        raise FieldError("on", _("日期不能晚于今天。"))
    if round_.responses.filter(certificate=certificate).exists():
        raise Conflict(_("该权证在本轮已有记录。"))
    action = {Answer.AGREE: "agree", Answer.DISAGREE: "disagree", Answer.SIGNED: "sign"}[answer]
    certificate.state = transitions.certificate_target(certificate.state, action)
    if answer == Answer.SIGNED:
        certificate.signed_on = on
    certificate.save(update_fields=["state", "signed_on", "updated_at"])
    response = Response.objects.create(
        round=round_, certificate=certificate, answer=answer, on=on, recorded_by=actor
    )
    _mark_reached(round_, on)
    return response


DONE = {1: Answer.AGREE, 2: Answer.SIGNED}


def figure_of(round_: Round) -> progress.Figure:
    return figures_of([round_])[round_.pk]


def figures_of(rounds: list[Round], eligible: dict[int, int] | None = None) -> dict[int, progress.Figure]:
    """`figure_of` for many rounds in two queries whatever their number (the project list);
    `eligible` (project id → certificates) when the caller has counted them already."""
    if not rounds:
        return {}
    if eligible is None:
        project_ids = {round_.project_id for round_ in rounds}
        eligible = dict(
            Certificate.objects.filter(project_id__in=project_ids)
            .values_list("project_id")
            .annotate(n=Count("id"))
            .values_list("project_id", "n")
        )
    done = Q()
    for number, answer in DONE.items():
        done |= Q(round__number=number, answer=answer)
    days: dict[int, dict[dt.date, int]] = {round_.pk: {} for round_ in rounds}
    for round_id, day, n in (
        Response.objects.filter(done, round_id__in=list(days))
        .values_list("round_id", "on")
        .annotate(n=Count("id"))
        .values_list("round_id", "on", "n")
    ):
        days[round_id][day] = days[round_id].get(day, 0) + n
    figures = {}
    for round_ in rounds:
        curve, total = [], 0
        for day in sorted(days[round_.pk]):
            total += days[round_.pk][day]
            curve.append((day, total))
        figures[round_.pk] = progress.Figure(
            eligible=eligible.get(round_.project_id, 0),
            done=total,
            threshold=round_.threshold,
            strict=round_.strict,
            curve=curve,
            first_day=days[round_.pk].get(round_.opens_on, 0),
        )
    return figures


def _mark_reached(round_: Round, on: dt.date) -> None:
    round_ = Round.objects.select_for_update(of=("self",)).select_related("project").get(pk=round_.pk)
    if round_.reached_on is None and figure_of(round_).reached:
        round_.reached_on = on
        round_.save(update_fields=["reached_on"])
        project = round_.project
        threshold_reached.send_on_commit(
            project_id=project.pk, round_number=round_.number, on=on, subdistrict_id=project.subdistrict_id
        )


@transaction.atomic
def close_round(*, actor: User, project: Project, on: dt.date | None = None) -> Round:
    """End the open round: passed when the threshold was met; the project moves on or stops."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    round_ = current_round(project)
    if round_ is None:
        raise DomainError(_("没有正在进行的轮次。"))
    figure = figure_of(round_)
    on = _today(on)
    if not figure.reached and on < round_.closes_on:
        raise DomainError(_("未达到生效比例，须到截止日期后才能结束本轮。"))
    round_.passed = figure.reached
    round_.closed_on = on
    round_.save(update_fields=["passed", "closed_on"])
    if round_.number == 1:
        action = "close_round1_passed" if figure.reached else "close_round1_failed"
    else:
        action = "close_round2_effective" if figure.reached else "close_round2_void"
    project.state = transitions.project_target(project.state, action)
    project.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        action=f"renewal.{action}",
        target=project,
        data={"done": figure.done, "eligible": figure.eligible},
    )
    return round_


@transaction.atomic
def move_out(*, actor: User, certificate: Certificate, on: dt.date | None = None) -> Certificate:
    certificate = _lock_certificate(certificate)
    permissions.require(actor, "renewal.record", certificate)
    if certificate.project.state not in (ProjectState.EFFECTIVE,):
        raise DomainError(_("签约生效后才能登记搬离。"))
    certificate.state = transitions.certificate_target(certificate.state, "move_out")
    certificate.moved_on = _today(on)
    certificate.save(update_fields=["state", "moved_on", "updated_at"])
    return certificate


@transaction.atomic
def add_obstacle(
    *, actor: User, certificate: Certificate, kind: str, note: str = "", on: dt.date | None = None
) -> Obstacle:
    certificate = _lock_certificate(certificate)
    permissions.require(actor, "renewal.record", certificate)
    if kind not in ObstacleKind.values:
        raise FieldError("kind", _("请选择难点类型。"))
    return Obstacle.objects.create(
        certificate=certificate, kind=kind, note=(note or "")[:300], raised_on=_today(on)
    )


@transaction.atomic
def resolve_obstacle(
    *, actor: User, obstacle: Obstacle, resolution: str, on: dt.date | None = None, mediation_ref: str = ""
) -> Obstacle:
    obstacle = (
        Obstacle.objects.select_for_update(of=("self",)).select_related("certificate").get(pk=obstacle.pk)
    )
    permissions.require(actor, "renewal.record", obstacle.certificate)
    if obstacle.resolved_on:
        raise DomainError(_("该难点已化解。"))
    resolution = (resolution or "").strip()
    if not resolution and not mediation_ref:
        raise FieldError("resolution", _("请填写化解方式，或转调解的案件号。"))
    obstacle.resolution = resolution[:300]
    obstacle.mediation_ref = (mediation_ref or "")[:40]
    obstacle.resolved_on = _today(on)
    obstacle.save(update_fields=["resolution", "mediation_ref", "resolved_on"])
    return obstacle


@transaction.atomic
def set_plan(*, actor: User, certificate: Certificate, plan: str, cadre: User | None = None) -> Certificate:
    certificate = _lock_certificate(certificate)
    permissions.require(actor, "renewal.record", certificate)
    certificate.plan = (plan or "").strip()[:2000]
    fields = ["plan", "updated_at"]
    if cadre is not None:
        if not permissions.has(cadre, "renewal.record", certificate):
            raise FieldError("cadre", _("包保干部须负责该楼栋所在区域。"))
        certificate.cadre = cadre
        fields.append("cadre")
    certificate.save(update_fields=fields)
    return certificate


@transaction.atomic
def remove_certificate(*, actor: User, certificate: Certificate, reason: str = "") -> None:
    """Take a certificate off the register (entered by mistake), only before the first round."""
    certificate = _lock_certificate(certificate)
    project = Project.objects.select_for_update().get(pk=certificate.project_id)
    permissions.require(actor, "renewal.manage", project)
    _register_open(project)
    if certificate.responses.exists():
        raise DomainError(_("该权证已有征询或签约记录，不能删除。"))
    audit.record(
        actor=actor,
        action="renewal.remove_certificate",
        target=project,
        data={"number": certificate.number, "reason": (reason or "").strip()[:200]},
    )
    certificate.delete()


@transaction.atomic
def withdraw_response(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a certificate's answer or signature in the open round (recorded by mistake, or
    the household takes it back within the window): the answer is deleted, the certificate goes
    back to where it stood, and the audit keeps what was withdrawn. Two people withdrawing the
    same answer at once: one succeeds, the other is told there is nothing left to withdraw."""
    certificate = _lock_certificate(certificate)
    permissions.require(actor, "renewal.record", certificate)
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", _("请填写撤回原因。"))
    round_ = current_round(certificate.project)
    if round_ is None:
        raise DomainError(_("没有正在进行的轮次，不能撤回。"))
    response = round_.responses.filter(certificate=certificate).first()
    if response is None:
        raise Conflict(_("该权证在本轮没有可撤回的记录。"), code="nothing_to_withdraw")
    agreed_before = (
        round_.number == 2
        and certificate.responses.filter(round__number=1, answer=Answer.AGREE)
        .exclude(pk=response.pk)
        .exists()
    )
    visited = certificate.contacts.exists() or certificate.responses.exclude(pk=response.pk).exists()
    certificate.state = transitions.withdrawn_state(
        certificate.state, agreed_before=agreed_before, visited=visited
    )
    if response.answer == Answer.SIGNED:
        certificate.signed_on = None
    certificate.save(update_fields=["state", "signed_on", "updated_at"])
    audit.record(
        actor=actor,
        action="renewal.withdraw",
        target=certificate.project,
        data={
            "certificate": certificate.number,
            "round": round_.number,
            "answer": response.answer,
            "on": response.on.isoformat(),
            "reason": reason[:200],
        },
    )
    response.delete()
    return certificate


@transaction.atomic
def clear_project(*, actor: User, project: Project, on: dt.date | None = None) -> Project:
    """End an effective project once every signed household has moved out (搬迁完成)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    new_state = transitions.project_target(project.state, "clear")
    waiting = project.certificates.filter(state=CertificateState.SIGNED).count()
    if waiting:
        raise DomainError(
            _("尚有 %(n)s 证已签约未搬离，全部搬离后才能结束项目。") % {"n": waiting}, code="not_moved"
        )
    project.state = new_state
    project.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        action="renewal.clear",
        target=project,
        data={
            "on": _today(on).isoformat(),
            "moved": project.certificates.filter(state=CertificateState.MOVED).count(),
            "unsigned": project.certificates.exclude(state=CertificateState.MOVED).count(),
        },
    )
    return project


@transaction.atomic
def import_certificates(*, actor: User, project: Project, data: bytes) -> sheets.ImportResult:
    """The households of a project from an .xlsx sheet (sheets.py): every row is checked first;
    one bad row and nothing is written. Keyed by certificate number, so importing the same file
    again changes nothing, and a corrected file updates only the rows that differ."""
    project = Project.objects.select_for_update().select_related("area").get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    _register_open(project)
    specs = sheets.parse(project, data)
    existing = {
        c.number: c
        for c in project.certificates.select_for_update(of=("self",)).prefetch_related(
            "dwellings", "obstacles"
        )
    }
    result = sheets.ImportResult()
    today = timezone.localdate()
    for spec in specs:
        certificate = existing.get(spec.number)
        fields = spec.fields()
        if certificate is None:
            certificate = Certificate.objects.create(
                subdistrict_id=project.subdistrict_id, project=project, number=spec.number, **fields
            )
            if spec.dwellings:
                certificate.dwellings.add(*spec.dwellings)
            editing.apply_plan(certificate, spec.plan, spec.obstacles, today)
            result.created += 1
            continue
        changed = [name for name, value in fields.items() if getattr(certificate, name) != value]
        same_dwellings = {d.pk for d in certificate.dwellings.all()} == {d.pk for d in spec.dwellings}
        plan_changed, obstacles = editing.apply_plan(certificate, spec.plan, spec.obstacles, today)
        if not changed and same_dwellings:
            if plan_changed or obstacles:
                result.updated += 1
            else:
                result.unchanged += 1
            continue
        for name in changed:
            setattr(certificate, name, fields[name])
        if changed:
            certificate.save(update_fields=[*changed, "updated_at"])
        if not same_dwellings:
            certificate.dwellings.set(spec.dwellings)
        result.updated += 1
    audit.record(
        actor=actor,
        action="renewal.import",
        target=project,
        data={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result
