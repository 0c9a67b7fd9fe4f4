"""The case loop's one action table: for each action a user can take on a case, its timeline
action (which the state machine in `transitions` moves), its permission, the tiers and guard
that decide whether it applies now, the page's input form, and the REST path.

Pages and the REST API both ask `available(user, case)` what to offer; the services are what
refuse (they check the same permission and transition again under a lock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gongzhi.cases import forms, transitions
from gongzhi.cases.models import Action, Case, Source
from gongzhi.core import rules


@dataclass(frozen=True)
class CaseAction:
    name: str
    action: str
    permission: str
    label: str
    form: type
    api_path: str
    # Which tiers it applies to (None: any).
    tiers: tuple[int, ...] | None = None
    # Whatever else must hold of the case (None: nothing).
    guard: Callable[[Case], bool] | None = None

    def applies_to(self, case: Case) -> bool:
        if self.tiers and case.tier not in self.tiers:
            return False
        if self.guard is not None and not self.guard(case):
            return False
        return transitions.allowed(case.status, self.action)


def _onsite_unchecked(case: Case) -> bool:
    """A case handled on the spot that no dispatcher has checked yet (one query, for those only)."""
    return case.source == Source.ONSITE and not case.events.filter(action=Action.ONSITE_CHECK).exists()


def _table(*actions: CaseAction) -> dict[str, CaseAction]:
    return {a.name: a for a in actions}


A = CaseAction
ACTIONS: dict[str, CaseAction] = _table(
    A("accept", Action.ACCEPT, "case.accept", _("受理"), forms.OptionalNoteForm, "accept"),
    A("assign", Action.ASSIGN, "case.assign", _("派遣"), forms.AssignForm, "assign"),
    A("reject", Action.REJECT, "case.reject", _("不予受理"), forms.NoteForm, "reject"),
    A("escalate", Action.ESCALATE, "case.escalate", _("升级"), forms.EscalateForm, "escalate", tiers=(1, 2)),
    A("consult", Action.CONSULT, "case.consult", _("记录网格会商"), forms.MeetingForm, "consult", tiers=(2,)),
    A(
        "coordinate",
        Action.COORDINATE,
        "case.coordinate",
        _("记录街道协调决定"),
        forms.MeetingForm,
        "coordinate",
        tiers=(3,),
    ),
    A("reply", Action.REPLY, "case.reply", _("反馈办理结果"), forms.ReplyForm, "reply"),
    A("verify", Action.VERIFY, "case.verify", _("核查"), forms.VerifyForm, "verify"),
    A("close", Action.CLOSE, "case.close", _("结案"), forms.OptionalNoteForm, "close"),
    A(
        "suspend_request",
        Action.SUSPEND_REQUEST,
        "case.suspend_request",
        _("申请挂起"),
        forms.NoteForm,
        "suspension/request",
        guard=lambda case: not case.suspension_requested,
    ),
    A(
        "suspend_approve",
        Action.SUSPEND,
        "case.suspend_approve",
        _("审批挂起"),
        forms.ApproveForm,
        "suspension/approve",
        guard=lambda case: case.suspension_requested,
    ),
    A("resume", Action.RESUME, "case.resume", _("恢复处置"), forms.OptionalNoteForm, "resume"),
    A("reopen", Action.REOPEN, "case.reopen", _("重新打开"), forms.NoteForm, "reopen"),
    A("merge", Action.MERGE, "case.merge", _("合并到主工单"), forms.MergeForm, "merge"),
    A("rate", Action.RATE, "case.rate_by_phone", _("电话回访评价"), forms.PhoneRatingForm, "rate"),
    A("reclassify", Action.RECLASSIFY, "case.reclassify", _("改类"), forms.ReclassifyForm, "reclassify"),
    A(
        "reclassify_request",
        Action.RECLASSIFY_REQUEST,
        "case.reclassify_request",
        _("申请改类"),
        forms.ReclassifyForm,
        "reclassify-request",
    ),
    A(
        "onsite_check",
        Action.ONSITE_CHECK,
        "case.onsite_check",
        _("抽查现场即办"),
        forms.OnsiteCheckForm,
        "onsite-check",
        guard=lambda case: _onsite_unchecked(case),
    ),
    A("note", Action.NOTE, "case.note", _("添加备注"), forms.NoteForm, "notes"),
)


def available(user, case: Case) -> list[str]:
    """The actions this user may take on this case now, in the table's order."""
    return [
        name
        for name, spec in ACTIONS.items()
        if spec.applies_to(case) and rules.has(user, spec.permission, case)
    ]
