"""现场即办 (handled on the spot): a grid or neighbourhood worker who finds a small problem and
solves it there — a blocked corridor cleared, a loose manhole cover secured — records it in one
step: what was found, what was done, photos before and after. The case is reported, handled and
closed at once (one REPORT event, one ONSITE event), counted in the rates as handled on site, and
the dispatchers check a sample of these cases (ONSITE_CHECK)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.cases import deadlines
from gongzhi.cases import rules as case_rules
from gongzhi.cases.models import Action, Case, Category, Source, Status, Tier
from gongzhi.cases.services._base import _apply, _attach, _lock, _require_text
from gongzhi.cases.services.intake import _resolve_area, create_case
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.territory.models import Area


def _tier_of(actor: User) -> int:
    """The tier whose level the worker is (居民区 1, 网格 2)."""
    for tier, holders in case_rules.TIER_HOLDERS.items():
        if holders.held_by(actor):
            return tier
    return Tier.NEIGHBOURHOOD


@transaction.atomic
def handle_on_site(
    *,
    actor: User,
    category: Category,
    title: str,
    found: str,
    done: str,
    area: Area | None = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    photos_before: Iterable[UploadedFile] = (),
    photos_after: Iterable[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Record a problem found and solved on the spot: reported, handled and closed at once."""
    now = now or timezone.now()
    done = _require_text(done, _("现场处置情况"), 2000)
    resolved = _resolve_area(area=area, lat=lat, lng=lng, within=None)
    permissions.require(actor, "case.onsite", resolved)
    photos_after = list(photos_after or [])
    if not photos_after:
        raise DomainError(_("请上传处置后的照片。"))
    case = create_case(
        actor=actor,
        category=category,
        title=title,
        description=found,
        source=Source.ONSITE,
        area=resolved,
        lat=lat,
        lng=lng,
        address=address,
        photos_=photos_before,
        now=now,
    )
    case = _lock(case)
    case.tier = _tier_of(actor)
    unit = actor.unit if actor.unit_id and actor.unit.subdistrict_id == case.subdistrict_id else None
    case.assigned_unit = unit
    case.responded_at = case.replied_at = case.verified_at = case.closed_at = now
    case.reply_text = done
    deadlines.set_handling_dues(case, now)
    event = _apply(
        case,
        actor=actor,
        action=Action.ONSITE,
        note=done,
        now=now,
        data={"tier": case.tier, "unit": unit.pk if unit else None, "unit_name": unit.name if unit else ""},
        fields=[
            "tier",
            "assigned_unit",
            "responded_at",
            "replied_at",
            "verified_at",
            "closed_at",
            "reply_text",
            "reply_due",
            "close_due",
        ],
    )
    _attach(case, event, photos_after)
    return case


def awaiting_check(case: Case) -> bool:
    """A case handled on the spot that no dispatcher has checked yet (the action table's guard)."""
    return (
        case.source == Source.ONSITE
        and case.status in (Status.CLOSED, Status.RATED)
        and not case.events.filter(action=Action.ONSITE_CHECK).exists()
    )


@transaction.atomic
def check_onsite(
    *,
    case: Case,
    actor: User,
    passed: bool,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """A dispatcher's spot check (抽查) of a case handled on the spot: a call or a visit to see that
    the problem is really gone. A failed check is on the timeline and in the rates; the
    dispatcher then reopens the case for proper handling."""
    case = _lock(case, expected_version)
    permissions.require(actor, "case.onsite_check", case)
    if case.source != Source.ONSITE:
        raise DomainError(_("只有现场即办的工单需要抽查。"))
    if not awaiting_check(case):
        raise DomainError(_("这件现场即办工单已经抽查过了。"))
    note = _require_text(note, _("抽查情况"), 2000)
    _apply(case, actor=actor, action=Action.ONSITE_CHECK, note=note, now=now, data={"passed": bool(passed)})
    return case
