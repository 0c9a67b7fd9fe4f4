"""The one action table of a registration: which action moves it from which status to which.
`register` creates the row; where it lands (registered, waitlisted, applied for the lottery)
is decided by the event's seats and allocation in services.register."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.errors import InvalidTransition
from gongzhi.events.models import RegistrationStatus


class Action(models.TextChoices):
    REGISTER = "register", gettext_lazy("报名")
    CANCEL = "cancel", gettext_lazy("取消报名")
    PROMOTE = "promote", gettext_lazy("候补递补")
    WIN = "win", gettext_lazy("抽中")
    LOSE = "lose", gettext_lazy("未抽中，转候补")
    CHECK_IN = "check_in", gettext_lazy("签到")
    NO_SHOW = "no_show", gettext_lazy("未到场")


R = RegistrationStatus
TRANSITIONS: dict[str, dict[str, str]] = {
    Action.CANCEL: {R.REGISTERED: R.CANCELLED, R.WAITLISTED: R.CANCELLED, R.APPLIED: R.CANCELLED},
    Action.PROMOTE: {R.WAITLISTED: R.REGISTERED},
    Action.WIN: {R.APPLIED: R.REGISTERED},
    Action.LOSE: {R.APPLIED: R.WAITLISTED},
    Action.CHECK_IN: {R.REGISTERED: R.ATTENDED, R.ATTENDED: R.ATTENDED},
    Action.NO_SHOW: {R.REGISTERED: R.NO_SHOW},
}
# Who may take each action (None: the registrant themself, with their code).
PERMISSIONS: dict[str, str | None] = {
    Action.REGISTER: None,
    Action.CANCEL: None,
    Action.PROMOTE: "event.manage",
    Action.WIN: "event.manage",
    Action.LOSE: "event.manage",
    Action.CHECK_IN: "event.checkin",
    Action.NO_SHOW: "event.manage",
}


def target(status: str, action: str) -> str:
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        raise InvalidTransition(
            _("报名当前状态为“%(status)s”，不能“%(action)s”。")
            % {"status": RegistrationStatus(status).label, "action": Action(action).label}
        ) from None


def allowed(status: str, action: str) -> bool:
    return status in TRANSITIONS.get(action, {})
