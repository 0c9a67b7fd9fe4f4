"""The edits of a renewal project after it is set up: its name and area, a round's dates while
it is open, and the households' plans (一户一策) and obstacles imported from the sheet. One
function per action, permission checked, rows locked, an audit row with what changed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.registry.validators import FieldError
from gongzhi.renewal import sheets
from gongzhi.renewal.models import Certificate, Kind, Obstacle, Project, ProjectState, Round
from gongzhi.territory.models import Area, AreaKind

PROJECT_AREA_KINDS = (AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.BUILDING)


@transaction.atomic
def update_project(*, actor: User, project: Project, name: str, area: Area | None = None) -> Project:
    """Rename a project or move it to another area. The area may change while the project is
    not cleared, only to one of the same subdistrict that the actor manages and that holds every
    certificate already registered (the figure's denominator stays whole)."""
    project = Project.objects.select_for_update(of=("self",)).select_related("area").get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    name = " ".join((name or "").split())
    if not name:
        raise FieldError("name", _("请填写项目名称。"))
    if len(name) > 80:
        raise FieldError("name", _("项目名称不能超过 80 个字。"))
    before = {"name": project.name, "area": project.area_id}
    fields = []
    if name != project.name:
        project.name = name
        fields.append("name")
    if area is not None and area.pk != project.area_id:
        if project.state == ProjectState.CLEARED:
            raise DomainError(_("项目已搬迁完成，不能再改变范围。"))
        if area.subdistrict_id != project.subdistrict_id or area.kind not in PROJECT_AREA_KINDS:
            raise FieldError("area", _("请选择本街道的居民区、小区或楼栋。"))
        if project.kind == Kind.LIFT and area.kind != AreaKind.BUILDING:
            raise FieldError("area", _("加装电梯按楼栋征询，请选择一幢楼。"))
        permissions.require(actor, "renewal.manage", area)
        outside = (
            Certificate.objects.filter(project=project)
            .exclude(area__path__startswith=area.path)
            .values_list("number", flat=True)
        )
        count = outside.count()
        if count:
            raise FieldError(
                "area",
                _("有 %(n)s 证（如 %(first)s）不在“%(area)s”范围内，不能改为该范围。")
                % {"n": count, "first": outside.first(), "area": area.name},
            )
        project.area = area
        fields.append("area")
    if not fields:
        return project
    project.save(update_fields=[*fields, "updated_at"])
    audit.record(
        actor=actor,
        action="renewal.update",
        target=project,
        data={"before": before, "after": {"name": project.name, "area": project.area_id}},
    )
    return project


@transaction.atomic
def update_round(
    *, actor: User, project: Project, number: int, opens_on: dt.date, closes_on: dt.date
) -> Round:
    """Move an open round's dates: its start not after its first answer (nor before round 1
    closed, for round 2), its end not before its last answer nor before today (a round is ended
    by closing it, not by moving its end into the past), and the end not before the start."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    round_ = Round.objects.select_for_update().filter(project=project, number=number).first()
    if round_ is None:
        raise DomainError(_("该轮次尚未开启。"))
    if round_.closed_on is not None:
        raise DomainError(_("该轮次已于 %(d)s 结束，日期不能再改。") % {"d": round_.closed_on})
    if closes_on < opens_on:
        raise FieldError("closes_on", _("截止日期不能早于开始日期。"))
    span = round_.responses.aggregate(first=Min("on"), last=Max("on"))
    if span["first"] is not None and opens_on > span["first"]:
        raise FieldError(
            "opens_on",
            _("本轮 %(d)s 已有征询或签约记录，开始日期不能晚于该日。") % {"d": span["first"]},
        )
    if span["last"] is not None and closes_on < span["last"]:
        raise FieldError(
            "closes_on",
            _("本轮 %(d)s 已有征询或签约记录，截止日期不能早于该日。") % {"d": span["last"]},
        )
    if closes_on < timezone.localdate():
        raise FieldError("closes_on", _("截止日期不能早于今天；要提前结束请使用“结束本轮”。"))
    if number == 2:
        first = project.rounds.filter(number=1).values_list("closed_on", flat=True).first()
        if first is not None and opens_on < first:
            raise FieldError("opens_on", _("签约轮不能早于第一轮征询结束日期 %(d)s。") % {"d": first})
    before = {"opens_on": round_.opens_on.isoformat(), "closes_on": round_.closes_on.isoformat()}
    if (round_.opens_on, round_.closes_on) == (opens_on, closes_on):
        return round_
    round_.opens_on, round_.closes_on = opens_on, closes_on
    round_.save(update_fields=["opens_on", "closes_on"])
    audit.record(
        actor=actor,
        action="renewal.update_round",
        target=project,
        data={
            "round": number,
            "before": before,
            "after": {"opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
        },
    )
    return round_


def apply_plan(
    certificate: Certificate, plan: str, obstacles: tuple[tuple[str, str], ...], on: dt.date
) -> tuple[bool, int]:
    """Write one household's plan and obstacles (the caller holds the locks): a blank plan keeps
    the one on record; an obstacle of a kind already open has its note updated, a new kind is
    raised today; obstacles not listed are kept. (plan changed, obstacles written)."""
    changed = bool(plan) and plan != certificate.plan
    if changed:
        certificate.plan = plan
        certificate.save(update_fields=["plan", "updated_at"])
    written = 0
    open_ = {o.kind: o for o in certificate.obstacles.all() if o.resolved_on is None}
    for kind, note in obstacles:
        known = open_.get(kind)
        if known is None:
            Obstacle.objects.create(certificate=certificate, kind=kind, note=note, raised_on=on)
            written += 1
        elif note and note != known.note:
            known.note = note
            known.save(update_fields=["note"])
            written += 1
    return changed, written


@transaction.atomic
def import_plans(*, actor: User, project: Project, data: bytes) -> sheets.PlanResult:
    """一户一策 and 难点 from the households' sheet, for certificates on the register, in any state
    but cleared (the register itself is not touched). Every row is checked first: one bad row and
    nothing is written; importing the same file again changes nothing."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    permissions.require(actor, "renewal.manage", project)
    if project.state == ProjectState.CLEARED:
        raise DomainError(_("项目已搬迁完成，不能再导入一户一策。"))
    rows = sheets.parse_plans(project, data)
    locked = {
        c.pk: c
        for c in Certificate.objects.select_for_update(of=("self",))
        .filter(pk__in=[r.certificate.pk for r in rows])
        .prefetch_related("obstacles")
    }
    result = sheets.PlanResult()
    today = timezone.localdate()
    for row in rows:
        changed, written = apply_plan(locked[row.certificate.pk], row.plan, row.obstacles, today)
        result.plans += int(changed)
        result.obstacles += written
        result.unchanged += int(not changed and not written)
    audit.record(
        actor=actor,
        action="renewal.import_plans",
        target=project,
        data={"plans": result.plans, "obstacles": result.obstacles, "unchanged": result.unchanged},
    )
    return result
