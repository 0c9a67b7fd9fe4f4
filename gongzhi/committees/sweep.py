"""Reminders before each committee deadline, to the neighbourhood and the housing office."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.notices import notify
from gongzhi.committees.models import Committee, Stage
from gongzhi.committees.rules import REMINDED

REMIND_DAYS = (14, 3)  # two reminders: two weeks and three days before the due date


def _reminded(committee: Committee) -> list[User]:
    ancestors = [int(x) for x in committee.area.path.strip("/").split("/") if x]
    users = (
        User.objects.filter(is_active=True, groups__name__in=REMINDED.codes)
        .filter(Q(scope_id__in=ancestors))
        .distinct()
    )
    return list(users)


def remind(today: dt.date | None = None) -> int:
    """Notify before each deadline and once when it passes; idempotent (dedupe keys)."""
    today = today or timezone.localdate()
    made = 0
    horizon = today + dt.timedelta(days=max(REMIND_DAYS))
    live = Committee.objects.exclude(stage=Stage.DISSOLVED).filter(due_on__isnull=False, due_on__lte=horizon)
    for committee in live.select_related("area"):
        left = (committee.due_on - today).days
        stage = Stage(committee.stage).label
        if left < 0:
            key, title = (
                "overdue",
                _("%(name)s“%(stage)s”已逾期（%(due)s）")
                % {"name": committee.name, "stage": stage, "due": committee.due_on},
            )
        else:
            marks = [d for d in REMIND_DAYS if left <= d]
            if not marks:
                continue
            key = f"before{min(marks)}"
            title = _("%(name)s“%(stage)s”将于 %(due)s 到期") % {
                "name": committee.name,
                "stage": stage,
                "due": committee.due_on,
            }
        made += notify(
            _reminded(committee),
            kind="committees.deadline",
            title=title,
            url=reverse("committees:detail", args=[committee.pk]),
            dedupe_key=f"committee:{committee.pk}:{committee.stage}:{committee.due_on}:{key}",
        )
    return made
