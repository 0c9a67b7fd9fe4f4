"""Every write to a case. One function per action: it locks the case, checks the actor's right
and the transition, writes the change and its timeline event in one transaction, and tells
people after commit. Nothing else writes a case's state.

The actions live in modules by stage (intake, handling, follow_up, overdue); import them from
here."""

from gongzhi.cases.services._base import PUBLIC_ACTOR_LABEL, SYSTEM_ACTOR_LABEL
from gongzhi.cases.services.follow_up import (
    add_note,
    approve_suspension,
    follow_case,
    merge_case,
    rate_case,
    reopen_case,
    request_suspension,
    resume_case,
)
from gongzhi.cases.services.handling import (
    accept_case,
    assign_case,
    close_case,
    default_unit,
    escalate_case,
    record_consultation,
    record_coordination,
    reject_case,
    reply_case,
    verify_case,
)
from gongzhi.cases.services.intake import create_case
from gongzhi.cases.services.onsite import check_onsite, handle_on_site
from gongzhi.cases.services.overdue import mark_overdue, notify_due_soon
from gongzhi.cases.services.reclassify import (
    pending_reclassification,
    reclassify_case,
    request_reclassification,
)

__all__ = [
    "PUBLIC_ACTOR_LABEL",
    "SYSTEM_ACTOR_LABEL",
    "accept_case",
    "add_note",
    "approve_suspension",
    "assign_case",
    "check_onsite",
    "close_case",
    "create_case",
    "default_unit",
    "escalate_case",
    "follow_case",
    "handle_on_site",
    "mark_overdue",
    "merge_case",
    "notify_due_soon",
    "pending_reclassification",
    "rate_case",
    "record_consultation",
    "reclassify_case",
    "record_coordination",
    "reject_case",
    "reopen_case",
    "reply_case",
    "request_reclassification",
    "request_suspension",
    "resume_case",
    "verify_case",
]
