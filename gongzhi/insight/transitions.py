"""insight's two small workflows, each with its one action table: a weekly report (draft →
frozen) and a supervision alert (open → confirmed | dismissed, and back to open)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import InvalidTransition
from gongzhi.insight.models import AlertStatus, ReportStatus


@dataclass(frozen=True)
class Step:
    permission: str
    allowed: tuple[str, ...]
    to: str | None  # None: the state does not change
    label: str


REPORT_ACTIONS: dict[str, Step] = {
    "refresh": Step("weeklyreport.edit", (ReportStatus.DRAFT,), None, _("重新生成")),
    "edit": Step("weeklyreport.edit", (ReportStatus.DRAFT,), None, _("编辑议程")),
    "decide": Step("weeklyreport.edit", (ReportStatus.DRAFT,), None, _("记录决定")),
    "freeze": Step("weeklyreport.edit", (ReportStatus.DRAFT,), ReportStatus.FROZEN, _("定稿")),
}

ALERT_ACTIONS: dict[str, Step] = {
    "confirm": Step("alert.review", (AlertStatus.OPEN,), AlertStatus.CONFIRMED, _("确认问题")),
    "dismiss": Step("alert.review", (AlertStatus.OPEN,), AlertStatus.DISMISSED, _("排除")),
    "reopen": Step(
        "alert.review", (AlertStatus.CONFIRMED, AlertStatus.DISMISSED), AlertStatus.OPEN, _("重新研判")
    ),
}


def check(table: dict[str, Step], action: str, state: str) -> Step:
    step = table.get(action)
    if step is None:
        raise InvalidTransition(_("未知的操作：%(action)s") % {"action": action})
    if state not in step.allowed:
        raise InvalidTransition(_("当前状态下不能“%(label)s”。") % {"label": step.label})
    return step


def available(table: dict[str, Step], state: str) -> list[str]:
    return [name for name, step in table.items() if state in step.allowed]
