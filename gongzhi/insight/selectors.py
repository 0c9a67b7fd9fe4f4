"""Scoped reads of insight's own rows."""

from __future__ import annotations

from django.db.models import QuerySet

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.insight.models import Alert, InteractionIndex, WeeklyReport
from gongzhi.insight.rules import ALERT_READERS, INDEX_READERS, REPORT_READERS
from gongzhi.territory.scope import scoped


def reports_for(user: User) -> QuerySet[WeeklyReport]:
    return scoped(WeeklyReport.objects.all(), user, roles=REPORT_READERS)


def report_for(user: User, pk: int) -> WeeklyReport:
    report = reports_for(user).select_related("area", "subdistrict", "frozen_by").filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


def index_rows_for(user: User) -> QuerySet[InteractionIndex]:
    return scoped(InteractionIndex.objects.all(), user, roles=INDEX_READERS)


def alerts_for(user: User) -> QuerySet[Alert]:
    return scoped(Alert.objects.all(), user, roles=ALERT_READERS)


def alert_for(user: User, pk: int) -> Alert:
    alert = alerts_for(user).select_related("area", "unit", "person", "decided_by").filter(pk=pk).first()
    if alert is None:
        raise NotFound()
    return alert
