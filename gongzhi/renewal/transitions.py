"""The two action tables of renewal: the project's rounds and each certificate's way to signing."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.core.errors import InvalidTransition
from gongzhi.renewal.models import CertificateState, ProjectState

P, C = ProjectState, CertificateState

PROJECT: dict[str, dict[str, str]] = {
    "open_round1": {P.PREPARED: P.ROUND1_OPEN},
    "close_round1_passed": {P.ROUND1_OPEN: P.ROUND1_PASSED},
    "close_round1_failed": {P.ROUND1_OPEN: P.ROUND1_FAILED},
    # a lift or a retrofit may go straight to signing (one round)
    "open_round2": {P.ROUND1_PASSED: P.ROUND2_OPEN, P.PREPARED: P.ROUND2_OPEN},
    "close_round2_effective": {P.ROUND2_OPEN: P.EFFECTIVE},
    "close_round2_void": {P.ROUND2_OPEN: P.VOID},
    "clear": {P.EFFECTIVE: P.CLEARED},
}

CERTIFICATE: dict[str, dict[str, str]] = {
    "contact": {C.UNVISITED: C.VISITED, C.VISITED: C.VISITED, C.AGREED: C.AGREED, C.SIGNED: C.SIGNED},
    "agree": {C.UNVISITED: C.AGREED, C.VISITED: C.AGREED},
    "disagree": {C.UNVISITED: C.VISITED, C.VISITED: C.VISITED},
    "sign": {C.UNVISITED: C.SIGNED, C.VISITED: C.SIGNED, C.AGREED: C.SIGNED},
    "move_out": {C.SIGNED: C.MOVED},
}
LABELS = {
    "contact": _("走访"),
    "agree": _("同意改造"),
    "disagree": _("不同意"),
    "sign": _("签约"),
    "move_out": _("搬离"),
}


def project_target(state: str, action: str) -> str:
    try:
        return PROJECT[action][state]
    except KeyError:
        raise InvalidTransition(
            _("项目当前状态为“%(state)s”，不能执行该操作。") % {"state": ProjectState(state).label}
        ) from None


def certificate_target(state: str, action: str) -> str:
    try:
        return CERTIFICATE[action][state]
    except KeyError:
        raise InvalidTransition(
            _("该权证当前为“%(state)s”，不能“%(action)s”。")
            % {"state": CertificateState(state).label, "action": LABELS.get(action, action)}
        ) from None


def certificate_actions(state: str) -> list[str]:
    return [a for a, moves in CERTIFICATE.items() if state in moves]


def withdrawn_state(state: str, *, agreed_before: bool, visited: bool) -> str:
    """Where a certificate stands once its answer in the open round is withdrawn: agreed again if
    it agreed in round one (a withdrawn signature), else visited, else unvisited. A household
    that has moved out cannot take its signature back."""
    if state not in (C.VISITED, C.AGREED, C.SIGNED):
        raise InvalidTransition(
            _("该权证当前为“%(state)s”，不能撤回。") % {"state": CertificateState(state).label}
        )
    if agreed_before:
        return C.AGREED
    return C.VISITED if visited else C.UNVISITED
