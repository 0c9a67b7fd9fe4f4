"""The points ledger: entries are only added, a balance is the sum of a volunteer's entries.

There is no stored balance to drift from the entries (so nothing to reconcile). Points that
expire are used first-in first-out: `remaining_lots` says what is left of each earning once
every spending is taken from the oldest earnings still valid at the time it was made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import Conflict
from gongzhi.volunteers.models import PointsEntry, PointsRule, Volunteer


class NotEnoughPoints(Conflict):
    code = "not_enough_points"


def balance(volunteer: Volunteer | int) -> int:
    pk = volunteer if isinstance(volunteer, int) else volunteer.pk
    return PointsEntry.objects.filter(volunteer_id=pk).aggregate(total=Sum("points"))["total"] or 0


def balances(volunteer_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        PointsEntry.objects.filter(volunteer_id__in=list(volunteer_ids))
        .values("volunteer_id")
        .annotate(total=Sum("points"))
    )
    return {row["volunteer_id"]: row["total"] or 0 for row in rows}


def rule_for(volunteer: Volunteer) -> PointsRule:
    """The neighbourhood's rule (the nearest area above the volunteer's with one), or defaults."""
    ids = [int(x) for x in volunteer.area.path.strip("/").split("/") if x]
    rules = {r.area_id: r for r in PointsRule.objects.filter(area_id__in=ids)}
    for pk in reversed(ids):
        if pk in rules:
            return rules[pk]
    return PointsRule(area=volunteer.area)


def post(
    *,
    volunteer: Volunteer,
    points: int,
    kind: str,
    reason: str,
    source_ref: str = "",
    actor=None,
    transfer=None,
    corrects: PointsEntry | None = None,
    expires_on: dt.date | None = None,
    at: dt.datetime | None = None,
    allow_negative: bool | None = None,
) -> PointsEntry:
    """Add one entry. The caller holds the volunteer's row lock (select_for_update) so that two
    spendings cannot both pass the balance check."""
    if points < 0:
        if allow_negative is None:
            allow_negative = rule_for(volunteer).allow_negative
        have = balance(volunteer)
        if not allow_negative and have + points < 0:
            raise NotEnoughPoints(
                _("积分不足：当前余额 %(have)s 分，需要 %(need)s 分。") % {"have": have, "need": -points},
                details={"balance": have, "needed": -points},
            )
    return PointsEntry.objects.create(
        subdistrict_id=volunteer.subdistrict_id,
        area_id=volunteer.area_id,
        volunteer=volunteer,
        points=points,
        kind=kind,
        reason=reason[:200],
        source_ref=source_ref,
        transfer=transfer,
        corrects=corrects,
        expires_on=expires_on,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        created_at=at or timezone.now(),
    )


@dataclass
class Lot:
    entry_id: int
    points: int
    expires_on: dt.date | None
    remaining: int


def remaining_lots(entries: Iterable[tuple[int, int, dt.date | None, dt.date, int | None]]) -> list[Lot]:
    """(entry id, points, expires_on, booked on, lot it expires or None) in ledger order -> what
    is left of each positive entry. A spending (negative entry) uses the oldest lots still valid
    on its day; what it cannot cover from them (an allowed overdraft) is taken from lots that
    come later. An expiry entry takes what was left of the one lot it expires."""
    lots: list[Lot] = []
    by_id: dict[int, Lot] = {}
    debt = 0
    for entry_id, points, expires_on, booked_on, expired_lot in entries:
        if expired_lot is not None and expired_lot in by_id:
            lot = by_id[expired_lot]
            lot.remaining -= min(lot.remaining, -points)
            continue
        if points > 0:
            lot = Lot(entry_id, points, expires_on, points)
            if debt:
                used = min(debt, lot.remaining)
                lot.remaining -= used
                debt -= used
            lots.append(lot)
            by_id[entry_id] = lot
            continue
        need = -points
        for lot in lots:
            if need == 0:
                break
            if lot.remaining and (lot.expires_on is None or lot.expires_on >= booked_on):
                used = min(need, lot.remaining)
                lot.remaining -= used
                need -= used
        debt += need
    return lots


def lots_of(volunteer: Volunteer) -> list[Lot]:
    rows = PointsEntry.objects.filter(volunteer=volunteer).order_by("created_at", "id")
    entries = []
    for pk, points, expires_on, created_at, kind, source_ref in rows.values_list(
        "pk", "points", "expires_on", "created_at", "kind", "source_ref"
    ):
        expired_lot = (
            int(source_ref.split(":")[1]) if kind == "expiry" and source_ref.startswith("entry:") else None
        )
        entries.append((pk, points, expires_on, timezone.localtime(created_at).date(), expired_lot))
    return remaining_lots(entries)
