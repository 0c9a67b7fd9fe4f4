"""The one action table of a sign-up: which action moves it from which state, and where to.

applied → confirmed | waitlisted → checked_in → completed → verified → credited, with cancelled
and no_show on the side. Pages, the API and the tests read this table."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.errors import InvalidTransition
from gongzhi.volunteers.models import SignupState as S


class SignupAction:
    CONFIRM = "confirm"
    WAITLIST = "waitlist"
    PROMOTE = "promote"
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    VERIFY = "verify"
    CREDIT = "credit"
    CANCEL = "cancel"
    NO_SHOW = "no_show"


LABELS = {
    SignupAction.CONFIRM: gettext_lazy("确认"),
    SignupAction.WAITLIST: gettext_lazy("候补"),
    SignupAction.PROMOTE: gettext_lazy("递补"),
    SignupAction.CHECK_IN: gettext_lazy("签到"),
    SignupAction.CHECK_OUT: gettext_lazy("签退"),
    SignupAction.VERIFY: gettext_lazy("核实时长"),
    SignupAction.CREDIT: gettext_lazy("记积分"),
    SignupAction.CANCEL: gettext_lazy("取消报名"),
    SignupAction.NO_SHOW: gettext_lazy("记为未到场"),
}

# action -> (permission the staff actor needs or None for the volunteer's own action, {from: to})
TRANSITIONS: dict[str, tuple[str | None, dict[str, str]]] = {
    SignupAction.CONFIRM: ("opportunity.manage", {S.APPLIED: S.CONFIRMED}),
    SignupAction.WAITLIST: ("opportunity.manage", {S.APPLIED: S.WAITLISTED}),
    SignupAction.PROMOTE: ("opportunity.manage", {S.WAITLISTED: S.CONFIRMED}),
    SignupAction.CHECK_IN: (None, {S.CONFIRMED: S.CHECKED_IN}),
    SignupAction.CHECK_OUT: (None, {S.CHECKED_IN: S.COMPLETED}),
    SignupAction.VERIFY: ("opportunity.manage", {S.COMPLETED: S.VERIFIED}),
    SignupAction.CREDIT: ("opportunity.manage", {S.VERIFIED: S.CREDITED}),
    SignupAction.CANCEL: (
        None,
        {S.APPLIED: S.CANCELLED, S.CONFIRMED: S.CANCELLED, S.WAITLISTED: S.CANCELLED},
    ),
    SignupAction.NO_SHOW: ("opportunity.manage", {S.CONFIRMED: S.NO_SHOW}),
}

MESSAGES = {
    (SignupAction.CHECK_IN, S.CHECKED_IN): gettext_lazy("您已签到，无需重复扫码。"),
    (SignupAction.CHECK_IN, S.COMPLETED): gettext_lazy("您已签退，本次活动已结束。"),
    (SignupAction.CHECK_OUT, S.COMPLETED): gettext_lazy("您已签退，无需重复扫码。"),
    (SignupAction.CHECK_OUT, S.CONFIRMED): gettext_lazy("您还没有签到。"),
    (SignupAction.CHECK_IN, S.APPLIED): gettext_lazy("您的报名尚未确认，不能签到。"),
    (SignupAction.CHECK_IN, S.WAITLISTED): gettext_lazy("您在候补名单中，尚未确认，不能签到。"),
}


def allowed(state: str, action: str) -> bool:
    return state in TRANSITIONS[action][1]


def permission(action: str) -> str | None:
    return TRANSITIONS[action][0]


def target(state: str, action: str) -> str:
    moves = TRANSITIONS[action][1]
    if state in moves:
        return moves[state]
    message = MESSAGES.get((action, state))
    if message is None:
        message = _("报名当前状态为“%(state)s”，不能%(action)s。") % {
            "state": S(state).label,
            "action": LABELS[action],
        }
    raise InvalidTransition(str(message))


def staff_actions_from(state: str) -> list[str]:
    return [a for a, (perm, moves) in TRANSITIONS.items() if perm and state in moves]
