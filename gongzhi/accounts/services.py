"""Administrative writes on staff and units that are not tokens or notices."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import Unit, User
from gongzhi.core import rules
from gongzhi.core.errors import DomainError


@transaction.atomic
def retire_unit(*, unit: Unit, successor: Unit | None, on: dt.date, actor: User) -> Unit:
    """A department renamed, merged into another or dissolved: it stops taking cases and is
    never suggested again; with a successor, its history (routing) counts for the successor.
    Cases still assigned to it stay where they are (the dispatcher reassigns them)."""
    rules.require(actor, "unit.manage", unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not unit.active:
        raise DomainError(_("“%(unit)s”已经撤并。") % {"unit": unit.name}, code="unit_retired")
    if successor is not None:
        if successor.subdistrict_id != unit.subdistrict_id:
            raise DomainError(_("继任单位必须在同一街道。"), code="successor_elsewhere")
        if successor.pk == unit.pk or successor.current().pk == unit.pk:
            raise DomainError(_("继任单位不能是它自己。"), code="successor_is_itself")
        if not successor.active:
            raise DomainError(
                _("继任单位“%(unit)s”已经撤并。") % {"unit": successor.name}, code="successor_retired"
            )
    unit.active = False
    unit.successor = successor
    unit.retired_on = on
    unit.save(update_fields=["active", "successor", "retired_on", "updated_at"])
    audit.record(
        actor=actor,
        action="unit.retire",
        target=unit,
        data={"successor": successor.pk if successor else None, "on": on.isoformat()},
    )
    return unit
