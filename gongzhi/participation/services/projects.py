"""Community projects: idea → incubation → design and budget → review (rubric) → 公示 (N days,
objections) → optional resident vote → build (a task tree) → handover → evaluation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit, User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.participation import transitions
from gongzhi.participation.models import Funding, ItemSource, ItemStatus, Project, ProjectStage, Suggestion
from gongzhi.participation.services._base import (
    FieldError,
    entry,
    lock,
    move,
    now_or,
    placed,
    require_choice,
    text,
)
from gongzhi.territory.models import Area

# The review rubric (each criterion scored 0–10); the total is the mean times ten (0–100).
RUBRIC = {
    "need": _("居民需求迫切程度"),
    "participation": _("居民参与程度"),
    "feasibility": _("方案可行性"),
    "cost": _("预算合理性"),
    "maintenance": _("后续管护可持续性"),
}
PASS_MARK = Decimal(60)


@transaction.atomic
def create_project(
    *,
    actor: User,
    area: Area,
    title: str,
    summary: str = "",
    suggestion: Suggestion | None = None,
    now: dt.datetime | None = None,
) -> Project:
    now = now_or(now)
    permissions.require(actor, "participation.project.manage", area)
    project = Project.objects.create(
        **placed(area),
        title=text(title, "title", _("项目名称"), 80),
        summary=(summary or "").strip()[:4000],
        suggestion=suggestion,
    )
    entry(project, "project", "create", actor=actor, after=project.stage, now=now)
    return project


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FieldError(field, _("%(l)s应为金额。") % {"l": label}) from None
    if amount < 0 or amount > Decimal("100000000"):
        raise FieldError(field, _("%(l)s超出范围。") % {"l": label})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def advance_project(
    *, actor: User, project: Project, action: str, data: dict | None = None, now: dt.datetime | None = None
) -> Project:
    """One step of a project, with that step's input in `data`:
    incubate {planner}; design {budget, funding, cofunding, cofunding_households}; review {scores};
    publicise {notice_days}; vote {}; build {yes, no (after a vote), owner (Unit), due_days};
    hand_over {maintainer}; evaluate {evaluate_on}; finish {evaluation}; shelve {reason}."""
    from gongzhi.participation.services.lists import add_item

    now = now_or(now)
    data = data or {}
    if action not in transitions.PROJECT:
        raise DomainError(_("未知的操作。"))
    project = lock(project)
    # Who and from which stage first, so that a wrong step is refused before its input is read.
    permissions.require(actor, transitions.permission("project", action), project)
    transitions.target("project", project.stage, action)
    today = timezone.localdate(now)
    note = ""
    if action == "incubate":
        project.planner = text(data.get("planner", ""), "planner", _("社区规划师/责任社工"), 40)
        note = project.planner
    elif action == "design":
        project.budget = _money(data.get("budget"), "budget", _("预算"))
        project.funding = require_choice(data.get("funding", ""), Funding, "funding", _("资金来源"))
        project.cofunding = _money(data.get("cofunding", 0), "cofunding", _("居民自筹"))
        project.cofunding_households = int(data.get("cofunding_households", 0) or 0)
        if project.cofunding > project.budget:
            raise FieldError("cofunding", _("居民自筹不能超过预算。"))
    elif action == "review":
        scores = data.get("scores") or {}
        if set(scores) != set(RUBRIC) or not all(
            isinstance(v, int) and 0 <= v <= 10 for v in scores.values()
        ):
            raise FieldError("scores", _("请为每一项评审标准打 0 至 10 分。"))
        total = Decimal(sum(scores.values()) * 10) / len(RUBRIC)
        if total < PASS_MARK:
            raise DomainError(
                _("评审总分 %(t)s 低于 %(p)s 分，请完善方案后再评审。") % {"t": total, "p": PASS_MARK}
            )
        project.review_scores = scores
        project.review_total = total
        note = str(total)
    elif action == "publicise":
        days = int(data.get("notice_days", project.notice_days) or 0)
        if not 5 <= days <= 30:
            raise FieldError("notice_days", _("公示期应为 5 至 30 天。"))
        project.notice_days = days
        project.notice_ends_on = today + dt.timedelta(days=days)
    elif (
        action in ("vote", "build")
        and project.stage == ProjectStage.NOTICE
        and project.notice_ends_on
        and today <= project.notice_ends_on
    ):
        raise DomainError(_("公示期至 %(d)s 结束，期满后方可进入下一步。") % {"d": project.notice_ends_on})
    if action == "build":
        if project.stage == ProjectStage.VOTE:
            yes, no = int(data.get("yes", 0)), int(data.get("no", 0))
            if yes < 0 or no < 0:
                raise FieldError("yes", _("票数不能为负数。"))
            if yes <= no:
                raise DomainError(_("赞成票未超过反对票，项目不能实施。"))
            project.vote_yes, project.vote_no = yes, no
        owner = data.get("owner")
        if not isinstance(owner, Unit):
            raise FieldError("owner", _("请选择实施责任单位。"))
    if action == "hand_over":
        if project.task_id and project.task.status not in (
            ItemStatus.DONE,
            ItemStatus.VERIFIED,
            ItemStatus.CLOSED,
        ):
            raise DomainError(_("实施任务尚未完成，不能移交。"))
        project.maintainer = text(data.get("maintainer", ""), "maintainer", _("管护主体"), 80)
    elif action == "evaluate":
        project.evaluate_on = data.get("evaluate_on") or today
    elif action == "finish":
        project.evaluation = text(data.get("evaluation", ""), "evaluation", _("评估结论"), 4000)
    elif action == "shelve":
        note = text(data.get("reason", ""), "reason", _("搁置原因"), 200)
    move("project", project, action, actor=actor, field="stage", note=note, now=now)
    if action == "build":
        project.task = add_item(
            actor=actor,
            area=project.area,
            title=_("实施：%(t)s") % {"t": project.title},
            source=ItemSource.PROJECT,
            owner=data["owner"],
            due_days=int(data.get("due_days", 60)),
            funding=project.funding,
            budget=project.budget,
            suggestion=project.suggestion,
            now=now,
        )
    project.save()
    return project


@transaction.atomic
def record_objection(
    *, actor: User, project: Project, objection: str, now: dt.datetime | None = None
) -> Project:
    """An objection collected during the 公示 period."""
    now = now_or(now)
    permissions.require(actor, "participation.project.manage", project)
    project = lock(project)
    if project.stage != ProjectStage.NOTICE:
        raise DomainError(_("只在公示期间收集意见。"))
    objection = text(objection, "objection", _("意见"), 500)
    project.objections = (project.objections + "\n" if project.objections else "") + objection
    project.save(update_fields=["objections", "updated_at"])
    entry(project, "project", "objection", actor=actor, note=objection, public=False, now=now)
    return project
