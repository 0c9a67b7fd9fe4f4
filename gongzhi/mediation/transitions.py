"""The one action table of a dispute: which action moves it from which status to which."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.core.errors import InvalidTransition
from gongzhi.mediation.models import Action, Status

S = Status
# action -> (permission, {from status: to status})
ACTIONS: dict[str, tuple[str, dict[str, str]]] = {
    Action.ACCEPT: ("dispute.mediate", {S.APPLIED: S.ACCEPTED}),
    Action.DECLINE: ("dispute.mediate", {S.APPLIED: S.DECLINED}),
    Action.SESSION: ("dispute.mediate", {S.ACCEPTED: S.MEDIATING, S.MEDIATING: S.MEDIATING}),
    Action.EXTEND: ("dispute.mediate", {S.ACCEPTED: S.ACCEPTED, S.MEDIATING: S.MEDIATING}),
    Action.AGREE: ("dispute.mediate", {S.MEDIATING: S.AGREED}),
    Action.FAIL: ("dispute.mediate", {S.ACCEPTED: S.FAILED, S.MEDIATING: S.FAILED}),
    Action.WITHDRAW: (
        "dispute.mediate",
        {S.APPLIED: S.WITHDRAWN, S.ACCEPTED: S.WITHDRAWN, S.MEDIATING: S.WITHDRAWN},
    ),
    Action.CONFIRM: ("dispute.mediate", {S.AGREED: S.AGREED}),
    # the court's ruling and the signed scan may come after the three-month check too
    Action.COURT_RESULT: ("dispute.mediate", {s: s for s in (S.AGREED, S.HELD, S.BROKEN)}),
    Action.SCAN: ("dispute.mediate", {s: s for s in (S.AGREED, S.HELD, S.BROKEN)}),
    Action.FOLLOW_UP: ("dispute.mediate", {S.AGREED: S.AGREED}),
    Action.CLOSE_HELD: ("dispute.mediate", {S.AGREED: S.HELD}),
    Action.REPORT_BROKEN: ("dispute.mediate", {S.AGREED: S.BROKEN}),
    Action.NOTE: ("dispute.view", {s: s for s in Status.values}),
}


def permission(action: str) -> str:
    return ACTIONS[action][0]


def allowed(status: str, action: str) -> bool:
    return status in ACTIONS.get(action, ("", {}))[1]


def target(status: str, action: str) -> str:
    try:
        return ACTIONS[action][1][status]
    except KeyError:
        raise InvalidTransition(
            _("纠纷当前状态为“%(status)s”，不能“%(action)s”。")
            % {"status": Status(status).label, "action": Action(action).label}
        ) from None


def actions_from(status: str) -> list[str]:
    return [a for a, (_perm, moves) in ACTIONS.items() if status in moves and a != Action.NOTE]
