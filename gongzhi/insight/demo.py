"""Demo insight: this week's and last week's grid meeting reports (last week's frozen, with a
decision), the interaction index of the last three months. Runs after every other app's demo
(insight is the top layer), reading what they made."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.insight import index, reports
from gongzhi.insight.periods import monday_of
from gongzhi.territory.models import Area, AreaKind


def _editor(grid: Area) -> User | None:
    """The grid's own worker, else the subdistrict's dispatcher (whoever runs the meeting)."""
    for role, scope in (("gridworker", grid), ("dispatcher", grid.subdistrict)):
        user = (
            User.objects.filter(groups__name=role, scope=scope, is_active=True).order_by("username").first()
        )
        if user is not None:
            return user
    return None


def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO) -> None:
    now = timezone.now()
    this_week = monday_of(timezone.localdate())
    last_week = this_week - dt.timedelta(days=7)
    made = frozen = 0
    for subdistrict in subdistricts:
        for grid in Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.GRID).order_by(
            "path"
        ):
            editor = _editor(grid)
            old = reports.generate_report(grid=grid, week_start=last_week, now=now)
            if editor is not None:
                reports.edit_agenda(
                    report=old,
                    actor=editor,
                    agenda="一、上周决定落实情况\n二、超时工单逐件过堂\n三、二级会商事项",
                )
                reports.freeze_report(report=old, actor=editor, now=now)
                frozen += 1
            reports.generate_report(grid=grid, week_start=this_week, now=now)
            made += 2
        month = timezone.localdate().replace(day=1)
        for _back in range(3):
            index.compute_month(subdistrict, month, now=now)
            month = (month - dt.timedelta(days=1)).replace(day=1)
    stdout.write(f"  insight: {made} weekly reports ({frozen} frozen), interaction index for 3 months\n")
