"""The owners' committee lifecycle: its one action table and the legal due dates of each step.

none → preparatory (筹备组) → first_assembly → elected → filed → in_term → renewal_due (report to
the subdistrict 5 months before the term ends) → election_group (within 60 days of the owners'
written request) → audited (换届审计) → elected → handover (seals and records within 10 days) →
filed (within 30 days of the election) → in_term; by_election and early renewal when members fall
below half or after 6 idle months; dissolved.

Periods follow 民法典 §201–§203: counted in calendar days from the day after the event, and a
period whose last day is a statutory holiday or weekend ends on the next working day of the
official calendar. A deployment may count a period in working days instead
(settings.GONGZHI_COMMITTEE_PERIODS: {"handover": {"days": 10, "working": True}}).
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.committees.models import Stage, WorksStatus
from gongzhi.core import calendar
from gongzhi.core.errors import InvalidTransition

S = Stage

# name -> (days, working days?) ; the defaults are the Shanghai rules' numbers.
DEFAULT_PERIODS: dict[str, dict] = {
    "election_group": {"days": 60, "working": False},  # 换届改选小组 within 60 days of the written request
    "handover": {"days": 10, "working": False},  # seals, records and property handed over in 10 days
    "filing": {"days": 30, "working": False},  # the new committee files within 30 days of its election
}
RENEWAL_REPORT_MONTHS = 5  # report to the subdistrict 5 months before the term ends
IDLE_MONTHS = 6  # no meeting for 6 months: early renewal


def period(name: str) -> dict:
    return {**DEFAULT_PERIODS[name], **getattr(settings, "GONGZHI_COMMITTEE_PERIODS", {}).get(name, {})}


def ends_after(start: dt.date, name: str) -> dt.date:
    """The last day of the period `name` that starts with the event on `start`."""
    rule = period(name)
    if rule.get("working"):
        day = start
        for _i in range(rule["days"]):
            day = calendar.next_workday(day)
        return day
    last = start + dt.timedelta(days=rule["days"])
    return last if calendar.is_workday(last) else calendar.next_workday(last)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def renewal_report_due(term_ends_on: dt.date) -> dt.date:
    """The last day to report the coming renewal: 5 months before the term ends, brought forward
    to a working day when it falls on a holiday (a deadline "before" is met earlier, not later)."""
    day = add_months(term_ends_on, -RENEWAL_REPORT_MONTHS)
    while not calendar.is_workday(day):
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    permission: str
    moves: dict[str, str]


def _a(code: str, label, moves: dict[str, str], permission: str = "committee.manage") -> Action:
    return Action(code, label, permission, moves)


LIVE = [s for s in Stage.values if s not in (S.DISSOLVED,)]

ACTIONS: dict[str, Action] = {
    a.code: a
    for a in [
        _a("form_preparatory", gettext_lazy("成立筹备组"), {S.NONE: S.PREPARATORY}),
        _a("convene_first_assembly", gettext_lazy("召开首次业主大会"), {S.PREPARATORY: S.FIRST_ASSEMBLY}),
        _a("elect", gettext_lazy("选举产生业委会"), {S.FIRST_ASSEMBLY: S.ELECTED, S.AUDITED: S.ELECTED}),
        _a("hand_over", gettext_lazy("完成印章、档案移交"), {S.ELECTED: S.HANDOVER}),
        _a("file", gettext_lazy("备案"), {S.ELECTED: S.FILED, S.HANDOVER: S.FILED}),
        _a("start_term", gettext_lazy("开始履职"), {S.FILED: S.IN_TERM}),
        _a("report_renewal", gettext_lazy("向街道报告换届"), {S.IN_TERM: S.RENEWAL_DUE}),
        _a(
            "form_election_group",
            gettext_lazy("成立换届改选小组"),
            {S.RENEWAL_DUE: S.ELECTION_GROUP, S.IN_TERM: S.ELECTION_GROUP, S.BY_ELECTION: S.ELECTION_GROUP},
        ),
        _a("record_audit", gettext_lazy("完成换届审计"), {S.ELECTION_GROUP: S.AUDITED}),
        _a("start_by_election", gettext_lazy("启动补选"), {S.IN_TERM: S.BY_ELECTION}),
        _a("complete_by_election", gettext_lazy("完成补选"), {S.BY_ELECTION: S.IN_TERM}),
        _a("dissolve", gettext_lazy("解散"), {s: S.DISSOLVED for s in LIVE if s != S.NONE}),
    ]
}


def actions_from(stage: str) -> list[Action]:
    return [a for a in ACTIONS.values() if stage in a.moves]


def target(stage: str, code: str) -> str:
    action = ACTIONS.get(code)
    if action is None or stage not in action.moves:
        raise InvalidTransition(
            _("业委会当前阶段为“%(stage)s”，不能执行“%(action)s”。")
            % {"stage": Stage(stage).label, "action": action.label if action else code}
        )
    return action.moves[stage]


# --- works (维修/改造工程): the second action table -------------------------------------------
#
# proposed ─审价→ price_reviewed ─批准→ approved ─开工→ in_progress ─完工验收→ accepted ─结算付款→ paid
# proposed ─批准→ approved        (only at or under the price-review line: the service's guard)
# proposed | price_reviewed | approved ─撤销→ dropped
# price_reviewed | approved | in_progress ─变更签证→ the same status (above the change line the
#   change waits for 变更审价, and approval, start and payment wait with it)
# price_reviewed | approved | in_progress | accepted ─变更审价→ the same status

W = WorksStatus
CHANGEABLE = (W.PRICE_REVIEWED, W.APPROVED, W.IN_PROGRESS)


def _w(code: str, label, moves: dict[str, str]) -> Action:
    return Action(code, label, "committee.works", moves)


WORKS_ACTIONS: dict[str, Action] = {
    a.code: a
    for a in [
        _w("review_price", gettext_lazy("登记审价"), {W.PROPOSED: W.PRICE_REVIEWED}),
        _w("approve", gettext_lazy("批准"), {W.PROPOSED: W.APPROVED, W.PRICE_REVIEWED: W.APPROVED}),
        _w("start", gettext_lazy("开工"), {W.APPROVED: W.IN_PROGRESS}),
        _w("accept", gettext_lazy("完工验收"), {W.IN_PROGRESS: W.ACCEPTED}),
        _w("pay", gettext_lazy("结算付款"), {W.ACCEPTED: W.PAID}),
        _w(
            "drop",
            gettext_lazy("撤销"),
            {W.PROPOSED: W.DROPPED, W.PRICE_REVIEWED: W.DROPPED, W.APPROVED: W.DROPPED},
        ),
        _w("change_budget", gettext_lazy("变更签证"), {s: s for s in CHANGEABLE}),
        _w("review_change", gettext_lazy("变更审价"), {s: s for s in (*CHANGEABLE, W.ACCEPTED)}),
    ]
}


def works_actions_from(status: str) -> list[Action]:
    return [a for a in WORKS_ACTIONS.values() if status in a.moves]


def works_target(status: str, code: str) -> str:
    action = WORKS_ACTIONS.get(code)
    if action is None or status not in action.moves:
        raise InvalidTransition(
            _("工程当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": WorksStatus(status).label, "action": action.label if action else code}
        )
    return action.moves[status]


def works_actions_of(works) -> list[Action]:
    """The steps a works offers now: the table's, less 变更审价 without a change waiting for it and
    a new 变更签证 while one waits."""
    hidden = "change_budget" if works.change_pending else "review_change"
    return [a for a in works_actions_from(works.status) if a.code != hidden]
