"""The care sweep: keeps the cared-for population in step with the registry, opens the next
contact due for everyone, raises alerts for contacts overdue and sends the old ones up to the
subdistrict. Idempotent: run twice, nothing doubles (alerts and notices carry unique keys).

`gongzhi sweep` (cases) has no extension point, so this runs as its own task: schedule
`gongzhi.care.sweep.care_sweep` on the task worker every 15 minutes (or call `sweep()`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django_tasks import task

from gongzhi.care import services
from gongzhi.volunteers import services as volunteer_services


@dataclass
class CareSweepResult:
    enrolled: int = 0
    ended: int = 0
    dues: int = 0
    alerts: int = 0
    escalated: int = 0
    points_expired: int = 0


def sweep(*, now: dt.datetime | None = None) -> CareSweepResult:
    now = now or timezone.now()
    today = timezone.localdate(now)
    population = services.sync_population(today=today)
    dues = services.generate_dues()
    alerts = services.escalate(now=now)
    return CareSweepResult(
        enrolled=population["enrolled"],
        ended=population["ended"],
        dues=dues,
        alerts=alerts["raised"],
        escalated=alerts["escalated"],
        points_expired=volunteer_services.expire_points(today=today),
    )


@task()
def care_sweep() -> dict:
    return sweep().__dict__
