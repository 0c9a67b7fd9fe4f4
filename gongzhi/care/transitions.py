"""The one action table of a care alert: open → acknowledged → closed (closing needs what was
done). Raising and sending up to the subdistrict are the sweep's, not a person's."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.care.models import AlertState as S
from gongzhi.core.errors import InvalidTransition


class AlertAction:
    ACKNOWLEDGE = "acknowledge"
    CLOSE = "close"


LABELS = {AlertAction.ACKNOWLEDGE: gettext_lazy("接收"), AlertAction.CLOSE: gettext_lazy("办结")}

TRANSITIONS: dict[str, tuple[str, dict[str, str]]] = {
    AlertAction.ACKNOWLEDGE: ("carealert.handle", {S.OPEN: S.ACKNOWLEDGED}),
    AlertAction.CLOSE: ("carealert.handle", {S.OPEN: S.CLOSED, S.ACKNOWLEDGED: S.CLOSED}),
}


def permission(action: str) -> str:
    return TRANSITIONS[action][0]


def allowed(state: str, action: str) -> bool:
    return state in TRANSITIONS[action][1]


def target(state: str, action: str) -> str:
    moves = TRANSITIONS[action][1]
    if state not in moves:
        raise InvalidTransition(
            _("预警当前状态为“%(state)s”，不能%(action)s。")
            % {"state": S(state).label, "action": LABELS[action]}
        )
    return moves[state]


def actions_from(state: str) -> list[str]:
    return [a for a, (_perm, moves) in TRANSITIONS.items() if state in moves]
