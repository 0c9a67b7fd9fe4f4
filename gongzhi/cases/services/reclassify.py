"""Correcting a case's category: the dispatchers reclassify (with a reason, on the timeline); the
unit handling the case may ask them to.

What follows the category: before dispatch, the response deadline is recomputed from the new
category's limits and the dispatch form suggests the new category's unit and tier (it reads them
from the case); once dispatched, the unit, tier and deadlines already given stay (the unit's
clock is not moved by a label). The rates by category read the cases, and the text model's
nightly training (`gongzhi schedule`) learns from the corrected label of finished cases.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Notice, User
from gongzhi.cases import deadlines, notify
from gongzhi.cases.models import Action, Case, CaseEvent, Category, Status
from gongzhi.cases.selectors import events_since
from gongzhi.cases.services._base import _apply, _lock, _require_text
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError


def _check_category(case: Case, category: Category | None) -> Category:
    if category is None or not category.active or category.parent_id is None:
        raise DomainError(_("请选择一个具体的二级类别。"))
    if category.pk == case.category_id:
        raise DomainError(_("新类别与现在的类别相同。"))
    return category


@transaction.atomic
def reclassify_case(
    *,
    case: Case,
    actor: User,
    category: Category,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Put the case under another category, with the reason on the timeline."""
    case = _lock(case, expected_version)
    permissions.require(actor, "case.reclassify", case)
    category = _check_category(case, category)
    reason = _require_text(reason, _("改类理由"), 500)
    before = case.category
    case.category = category
    fields = ["category"]
    not_dispatched = case.assigned_unit_id is None and case.status in (Status.REPORTED, Status.ACCEPTED)
    if not_dispatched and case.responded_at is None:
        deadlines.set_response_due(case, case.created_at)
        fields.append("response_due")
    _apply(
        case,
        actor=actor,
        action=Action.RECLASSIFY,
        note=reason,
        now=now or timezone.now(),
        data={
            "from_category": before.pk,
            "from_name": str(before),
            "to_category": category.pk,
            "to_name": str(category),
            "rederived": not_dispatched,
        },
        fields=fields,
    )
    return case


@transaction.atomic
def request_reclassification(
    *,
    case: Case,
    actor: User,
    category: Category,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The handling unit asks the dispatchers to put the case under another category."""
    now = now or timezone.now()
    case = _lock(case, expected_version)
    permissions.require(actor, "case.reclassify_request", case)
    category = _check_category(case, category)
    reason = _require_text(reason, _("改类理由"), 500)
    _apply(
        case,
        actor=actor,
        action=Action.RECLASSIFY_REQUEST,
        note=reason,
        now=now,
        data={"to_category": category.pk, "to_name": str(category)},
    )
    transaction.on_commit(
        lambda: notify.notice(
            notify.dispatchers_for(case),
            case=case,
            kind=Notice.Kind.INFO,
            title=_("工单 %(n)s 申请改类为“%(c)s”") % {"n": case.number, "c": category},
            at=now,
        )
    )
    return case


def pending_reclassification(case: Case) -> Category | None:
    """The category last asked for, if no reclassification came after the request."""
    last = (
        CaseEvent.objects.filter(
            case=case,
            created_at__gte=events_since(case),
            action__in=[Action.RECLASSIFY, Action.RECLASSIFY_REQUEST],
        )
        .order_by("-seq")
        .first()
    )
    if last is None or last.action != Action.RECLASSIFY_REQUEST:
        return None
    return Category.objects.filter(pk=last.data.get("to_category"), active=True).first()
