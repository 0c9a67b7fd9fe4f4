"""The case state machine: which action may move a case from which status, and where to."""

from django.utils.translation import gettext as _

from gongzhi.cases.models import Action, Status
from gongzhi.core.errors import InvalidTransition

S = Status
TRANSITIONS: dict[str, dict[str, str]] = {
    Action.ACCEPT: {S.REPORTED: S.ACCEPTED},
    Action.REJECT: {S.REPORTED: S.REJECTED, S.ACCEPTED: S.REJECTED},
    Action.ASSIGN: {S.REPORTED: S.ASSIGNED, S.ACCEPTED: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED},
    Action.ESCALATE: {S.ASSIGNED: S.ASSIGNED},
    Action.CONSULT: {S.ASSIGNED: S.ASSIGNED},
    Action.COORDINATE: {S.ASSIGNED: S.ASSIGNED},
    Action.REPLY: {S.ASSIGNED: S.REPLIED},
    Action.VERIFY: {S.REPLIED: S.VERIFIED},
    Action.VERIFY_FAIL: {S.REPLIED: S.ASSIGNED},
    Action.CLOSE: {S.VERIFIED: S.CLOSED},
    Action.RATE: {S.CLOSED: S.RATED},
    Action.REOPEN: {S.CLOSED: S.ASSIGNED, S.RATED: S.ASSIGNED},
    Action.SUSPEND_REQUEST: {S.ASSIGNED: S.ASSIGNED},
    Action.SUSPEND: {S.ASSIGNED: S.SUSPENDED},
    Action.RESUME: {S.SUSPENDED: S.ASSIGNED},
    Action.MERGE: {S.REPORTED: S.MERGED, S.ACCEPTED: S.MERGED, S.ASSIGNED: S.MERGED},
    Action.NOTE: {s: s for s in Status.values},
    Action.OVERDUE: {s: s for s in (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.REPLIED, S.VERIFIED)},
    # A wrong category is corrected while the case is open and after it is closed (the rates by
    # category and the text model's training read finished cases); not once rejected or merged.
    Action.RECLASSIFY: {
        s: s
        for s in (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.REPLIED, S.VERIFIED, S.SUSPENDED, S.CLOSED, S.RATED)
    },
    # The unit handling it may ask the dispatchers for another category.
    Action.RECLASSIFY_REQUEST: {S.ASSIGNED: S.ASSIGNED, S.SUSPENDED: S.SUSPENDED},
    # 现场即办: a problem found and solved on the spot is reported, handled and closed in one step.
    Action.ONSITE: {S.REPORTED: S.CLOSED},
    # A dispatcher's spot check of a case handled on the spot (the status stays).
    Action.ONSITE_CHECK: {S.CLOSED: S.CLOSED, S.RATED: S.RATED},
}


def allowed(status: str, action: str) -> bool:
    return status in TRANSITIONS.get(action, {})


def target(status: str, action: str) -> str:
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        raise InvalidTransition(
            _("工单当前状态为“%(status)s”，不能执行“%(action)s”。")
            % {"status": Status(status).label, "action": Action(action).label}
        ) from None


def actions_from(status: str) -> list[str]:
    return [a for a, moves in TRANSITIONS.items() if status in moves]
