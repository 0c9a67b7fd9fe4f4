"""Scoped reads of care: who is cared for, dues, check-ins, alerts, a person's timeline, figures."""

from __future__ import annotations

from django.db.models import QuerySet

from gongzhi.accounts.models import User
from gongzhi.care.models import Alert, CheckIn, Due, Recipient
from gongzhi.care.rules import CARE_READERS
from gongzhi.core.errors import NotFound
from gongzhi.territory.scope import scoped


def recipients_for(user: User) -> QuerySet[Recipient]:
    return scoped(Recipient.objects.all(), user, roles=CARE_READERS)


def recipient_for(user: User, pk: int) -> Recipient:
    recipient = recipients_for(user).select_related("resident__dwelling", "area").filter(pk=pk).first()
    if recipient is None:
        raise NotFound()
    return recipient


def dues_for(user: User) -> QuerySet[Due]:
    return scoped(Due.objects.all(), user, roles=CARE_READERS)


def check_ins_for(user: User) -> QuerySet[CheckIn]:
    return scoped(CheckIn.objects.all(), user, roles=CARE_READERS)


def alerts_for(user: User) -> QuerySet[Alert]:
    return scoped(Alert.objects.all(), user, roles=CARE_READERS)


def alert_for(user: User, pk: int) -> Alert:
    alert = (
        alerts_for(user)
        .select_related("recipient__resident", "area", "due", "check_in")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise NotFound()
    return alert
