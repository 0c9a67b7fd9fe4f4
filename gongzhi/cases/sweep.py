"""The deadline sweep: flags overdue cases (escalating handling ones), warns of those due soon,
and sends messages to reporters that after-commit delivery left queued.

Run by the task worker on a schedule or by `gongzhi sweep`. Idempotent: running it twice in a
row changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from gongzhi.cases import messaging, services
from gongzhi.cases.models import OPEN_STATUSES, Case


@dataclass
class SweepResult:
    overdue: int = 0
    escalated: int = 0
    due_soon_notices: int = 0
    messages_retried: int = 0


def sweep(*, now: dt.datetime | None = None, auto_escalate: bool | None = None) -> SweepResult:
    now = now or timezone.now()
    if auto_escalate is None:
        auto_escalate = getattr(settings, "GONGZHI_AUTO_ESCALATE", True)
    result = SweepResult()
    late = Case.objects.filter(status__in=OPEN_STATUSES, next_due__lt=now, overdue=False).exclude(
        status="suspended"
    )
    for case in late.iterator(chunk_size=500):
        outcome = services.mark_overdue(case=case, now=now, auto_escalate=auto_escalate)
        if outcome == "overdue":
            result.overdue += 1
        elif outcome == "escalated":
            result.escalated += 1
    soon = now + dt.timedelta(hours=settings.GONGZHI_DUE_SOON_HOURS)
    coming = Case.objects.filter(
        status__in=OPEN_STATUSES, next_due__gte=now, next_due__lt=soon
    ).select_related("area")
    for case in coming.iterator(chunk_size=500):
        result.due_soon_notices += services.notify_due_soon(case=case, now=now)
    result.messages_retried = messaging.deliver_queued(now=now)
    return result


@task()
def sweep_deadlines() -> dict:
    result = sweep()
    return result.__dict__
