"""Scoped reads of the audit records: the access log of sensitive reads and exports, and the
administrative changes. An auditor reads the rows of the staff (and subdistricts) in its scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from gongzhi.accounts.models import AccessLog, AuditEvent, User
from gongzhi.core import rules
from gongzhi.territory.models import AreaKind
from gongzhi.territory.scope import scope_filter


@dataclass
class LogFilters:
    since: dt.date | None = None
    until: dt.date | None = None
    username: str = ""
    action: str = ""


def _by(qs: QuerySet, filters: LogFilters, user_field: str) -> QuerySet:
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    if filters.username:
        qs = qs.filter(**{f"{user_field}__username": filters.username})
    if filters.action:
        # Actions are "reveal:id_number", "export:clear"…: "reveal" finds every reveal.
        qs = qs.filter(Q(action=filters.action) | Q(action__startswith=filters.action + ":"))
    return qs


def access_log_for(user: User, filters: LogFilters | None = None) -> QuerySet[AccessLog]:
    """Reveals, exports and other sensitive reads by staff inside the auditor's scope, newest first."""
    if user.scope_id is None or not rules.has(user, "audit.view"):
        return AccessLog.objects.none()
    qs = AccessLog.objects.filter(scope_filter(user.scope, subdistrict_field=None, area_field="user__scope"))
    return _by(qs, filters or LogFilters(), "user").select_related("user").order_by("-created_at", "-id")


def audit_events_for(user: User, filters: LogFilters | None = None) -> QuerySet[AuditEvent]:
    """Administrative changes in the auditor's scope (its subdistricts, or by its staff)."""
    if user.scope_id is None or not rules.has(user, "audit.view"):
        return AuditEvent.objects.none()
    scope = user.scope
    where = scope_filter(scope, subdistrict_field=None, area_field="subdistrict") | scope_filter(
        scope, subdistrict_field=None, area_field="actor__scope"
    )
    if scope.kind == AreaKind.DISTRICT:
        # Events of no account and no subdistrict (failed logins for unknown usernames and
        # anonymous 403s where there are several subdistricts: audit.platform_subdistrict).
        where |= Q(subdistrict__isnull=True, actor__isnull=True)
    qs = AuditEvent.objects.filter(where)
    return _by(qs, filters or LogFilters(), "actor").order_by("-created_at", "-id")


def staff_for(user: User, query: str = "") -> QuerySet[User]:
    """The accounts a security administrator manages: those whose scope lies in its own, by
    username (the Open311 service accounts, which have no scope, are not listed)."""
    if user.scope_id is None or not rules.has(user, "role.view"):
        return User.objects.none()
    qs = User.objects.filter(scope__path__startswith=user.scope.path)
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return qs.select_related("scope", "unit").prefetch_related("groups").order_by("username")
