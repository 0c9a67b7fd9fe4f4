"""The weekly grid meeting report (网格每周例会): drafting, agenda, decisions, freezing, and the
subdistrict roll-up. Figures come from the providers (insight.providers); decisions are carried
out through the cases services."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongzhi.accounts import audit
from gongzhi.accounts.models import Unit, User
from gongzhi.cases import services as case_services
from gongzhi.cases.models import OPEN_STATUSES, Category, Source
from gongzhi.core.errors import DomainError
from gongzhi.core.rules import require
from gongzhi.insight import providers, transitions
from gongzhi.insight.models import Decision, DecisionKind, ReportStatus, WeeklyReport
from gongzhi.insight.periods import monday_of
from gongzhi.insight.providers import ReportContext, Section, Table
from gongzhi.territory.models import Area, AreaKind


def draft_sections(grid: Area, week_start: dt.date, *, now: dt.datetime | None = None) -> list[dict]:
    """Every active provider's section for the grid's week, and the carry-overs."""
    now = now or timezone.now()
    ctx = ReportContext(grid=grid, start=week_start, end=week_start + dt.timedelta(days=7), now=now)
    sections: list[dict] = []
    for provider in providers.active():
        if provider.report_section is None:
            continue
        section = provider.report_section(ctx)
        if section is not None:
            sections.append(section.as_dict())
    sections.insert(min(1, len(sections)), carry_overs(grid, week_start).as_dict())
    return sections


def carry_overs(grid: Area, week_start: dt.date) -> Section:
    """Decisions of earlier meetings of this grid whose case is still open."""
    open_decisions = list(
        Decision.objects.filter(
            report__area=grid, report__week_start__lt=week_start, case__status__in=OPEN_STATUSES
        )
        .select_related("owner", "case", "report")
        .order_by("due_on", "id")[:30]
    )
    rows = [
        [
            f"{d.report.week_start:%m-%d}",
            d.text,
            d.owner.name,
            f"{d.due_on:%m-%d}",
            "已逾期" if d.due_on < week_start else "未到期",
            d.case.number,
        ]
        for d in open_decisions
    ]
    links = [reverse("cases:detail", args=[d.case.number]) for d in open_decisions]
    tables = [Table("上周及以前决定事项", ["例会", "事项", "责任单位", "期限", "状态", "工单"], rows, links)]
    return Section("carry_over", "结转事项", tables=tables if rows else [], note="" if rows else "无结转事项")


def _grid(area: Area) -> Area:
    if area.kind != AreaKind.GRID:
        raise DomainError(_("例会报告按网格生成，请选择一个网格。"))
    return area


@transaction.atomic
def generate_report(
    *, grid: Area, week_start: dt.date, actor: User | None = None, now: dt.datetime | None = None
) -> WeeklyReport:
    """Draft (or redraft) a grid's report for the week starting `week_start` (a Monday). A
    frozen report stays as it was sent. `actor` None is the Monday job."""
    now = now or timezone.now()
    _grid(grid)
    if week_start != monday_of(week_start):
        raise DomainError(_("周报的起始日必须是周一。"))
    if actor is not None:
        require(actor, "weeklyreport.edit", grid)
    report = WeeklyReport.objects.select_for_update().filter(area=grid, week_start=week_start).first()
    if report is not None and report.frozen:
        return report
    sections = draft_sections(grid, week_start, now=now)
    if report is None:
        report = WeeklyReport.objects.create(
            subdistrict=grid.subdistrict or grid,
            area=grid,
            week_start=week_start,
            sections=sections,
            generated_at=now,
        )
    else:
        report.sections = sections
        report.generated_at = now
        report.save(update_fields=["sections", "generated_at", "updated_at"])
    return report


def generate_week(*, root: Area, week_start: dt.date, now: dt.datetime | None = None) -> list[WeeklyReport]:
    """Every grid's report under `root` (the Monday job, and the district benchmark)."""
    grids = Area.objects.filter(path__startswith=root.path, kind=AreaKind.GRID).select_related("subdistrict")
    return [generate_report(grid=grid, week_start=week_start, now=now) for grid in grids.order_by("path")]


def _locked(report: WeeklyReport, actor: User, action: str) -> WeeklyReport:
    report = WeeklyReport.objects.select_for_update(of=("self",)).select_related("area").get(pk=report.pk)
    step = transitions.REPORT_ACTIONS[action]
    require(actor, step.permission, report)
    transitions.check(transitions.REPORT_ACTIONS, action, report.status)
    return report


@transaction.atomic
def refresh_report(*, report: WeeklyReport, actor: User, now: dt.datetime | None = None) -> WeeklyReport:
    report = _locked(report, actor, "refresh")
    report.sections = draft_sections(report.area, report.week_start, now=now)
    report.generated_at = now or timezone.now()
    report.save(update_fields=["sections", "generated_at", "updated_at"])
    return report


@transaction.atomic
def edit_agenda(*, report: WeeklyReport, actor: User, agenda: str) -> WeeklyReport:
    report = _locked(report, actor, "edit")
    agenda = (agenda or "").strip()
    if len(agenda) > 8000:
        raise DomainError(_("议程不能超过8000字。"))
    report.agenda = agenda
    report.save(update_fields=["agenda", "updated_at"])
    return report


@transaction.atomic
def record_decision(
    *,
    report: WeeklyReport,
    actor: User,
    kind: str,
    text: str,
    owner: Unit,
    due_on: dt.date,
    case=None,
    category: Category | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """A decision of the meeting, carried out through the cases services: a note on the case it
    acts on (督办), or a new case filed from the meeting (现场即办 / 会议交办)."""
    now = now or timezone.now()
    report = _locked(report, actor, "decide")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("请填写决定事项。"))
    if len(text) > 500:
        raise DomainError(_("决定事项不能超过500字。"))
    if owner is None:
        raise DomainError(_("请选择责任单位。"))
    if due_on is None or due_on < report.week_start:
        raise DomainError(_("完成期限不能早于本周例会。"))
    note = _("网格例会（%(week)s）决定：%(text)s；责任单位：%(owner)s；完成期限：%(due)s") % {
        "week": f"{report.week_start:%Y-%m-%d}",
        "text": text,
        "owner": owner.name,
        "due": f"{due_on:%Y-%m-%d}",
    }
    if kind == DecisionKind.CASE_ACTION:
        if case is None:
            raise DomainError(_("请选择要督办的工单。"))
        if not case.area.path.startswith(report.area.path):
            raise DomainError(_("只能督办本网格的工单。"))
        case = case_services.add_note(case=case, actor=actor, note=note, now=now)
    elif kind == DecisionKind.NEW_CASE:
        if category is None:
            raise DomainError(_("新立工单请选择类别。"))
        case = case_services.create_case(
            actor=actor,
            category=category,
            title=text[:120],
            description=note,
            source=Source.MEETING,
            area=report.area,
            now=now,
        )
    else:
        raise DomainError(_("未知的决定类型。"))
    return Decision.objects.create(
        report=report,
        subdistrict=report.subdistrict,
        kind=kind,
        text=text,
        owner=owner,
        due_on=due_on,
        case=case,
        created_by=actor,
        created_at=now,
    )


@transaction.atomic
def freeze_report(*, report: WeeklyReport, actor: User, now: dt.datetime | None = None) -> WeeklyReport:
    """Freeze the report as sent: the figures are drafted one last time and never change again."""
    now = now or timezone.now()
    report = _locked(report, actor, "freeze")
    report.sections = draft_sections(report.area, report.week_start, now=now)
    report.status = ReportStatus.FROZEN
    report.frozen_at = now
    report.frozen_by = actor
    report.save(update_fields=["sections", "status", "frozen_at", "frozen_by", "updated_at"])
    audit.record(actor=actor, action="insight.report.freeze", target=report)
    return report


ROLLUP_KEYS = [
    ("cases", "new", gettext_noop("新增")),
    ("cases", "closed", gettext_noop("结案")),
    ("cases", "overdue", gettext_noop("超时")),
    ("cases", "escalated", gettext_noop("升级")),
    ("cases", "response_rate", gettext_noop("响应率")),
    ("cases", "resolution_rate", gettext_noop("解决率")),
    ("cases", "satisfaction_rate", gettext_noop("满意率")),
    ("visits", "visits", gettext_noop("走访")),
]


def figure(report_sections: list[dict], section: str, key: str):
    for s in report_sections:
        if s["key"] == section:
            for f in s["figures"]:
                if f["key"] == key:
                    return f["value"]
    return None


def subdistrict_rollup(reports: list[WeeklyReport]) -> Table:
    """One row per grid report, and a total of the counts (rates are not summed)."""
    rows, links = [], []
    totals = [0] * len(ROLLUP_KEYS)
    for report in reports:
        values = [figure(report.sections, s, k) for s, k, _label in ROLLUP_KEYS]
        for i, value in enumerate(values):
            if isinstance(value, int):
                totals[i] += value
        rows.append(
            [report.area.name, report.get_status_display(), *["" if v is None else v for v in values]]
        )
        links.append(reverse("insight:report", args=[report.pk]))
    rows.append(
        [
            _("合计"),
            "",
            *[t if "rate" not in k else "" for t, (_s, k, _l) in zip(totals, ROLLUP_KEYS, strict=True)],
        ]
    )
    links.append("")
    columns = [_("网格"), _("状态"), *[_(label) for _s, _k, label in ROLLUP_KEYS]]
    return Table(_("各网格汇总"), columns, rows, links)
