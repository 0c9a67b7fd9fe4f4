"""Retention (PIPL §19, §47, §73; research note A15): a resident who moved out more than
GONGZHI_RESIDENT_RETENTION_YEARS years ago (default 5) is pseudonymised (去标识化).

What goes: the name (replaced by a pseudonym drawn from the row's random uid, so it says nothing
about the person), the ID number and the phone (ciphertext, blind index and mask erased), the
note, the day and month of birth (the year stays), the household link, the sensitive tags (the
ResidentTag rows are deleted), the address text of the stays, and the values in the change
history of the row. What stays, so every figure is unchanged: the row itself, its area, dwelling,
gender, birth year, registration type, living status, relation and dates, and every other app's
rows that point at it (visits, care, cases) — they now point at a pseudonym.

Idempotent: a pseudonymised row has `pseudonymised_on` and is never touched again. Every row
changed writes an audit event (registry.pseudonymise) in the same transaction, after the change,
so the event's label is the pseudonym, never the name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.registry.models import Household, RegistryChange, Residence, Resident, ResidentTag

DEFAULT_YEARS = 5
ACTION = "registry.pseudonymise"
# Change-history fields whose old and new values are the person's own data.
PERSONAL_CHANGE_FIELDS = ("name", "id_number", "phone", "note", "birth_date", "dwelling", "household")


def retention_years() -> int:
    return int(getattr(settings, "GONGZHI_RESIDENT_RETENTION_YEARS", DEFAULT_YEARS))


def cutoff(today: dt.date, years: int | None = None) -> dt.date:
    """The last move-out date that is past retention on `today`."""
    years = retention_years() if years is None else years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due(today: dt.date | None = None, *, years: int | None = None) -> QuerySet[Resident]:
    """Residents past retention and not yet pseudonymised."""
    today = today or timezone.localdate()
    return Resident.objects.filter(
        moved_out_on__isnull=False,
        moved_out_on__lt=cutoff(today, years),
        pseudonymised_on__isnull=True,
    )


def pseudonym(resident: Resident) -> str:
    return _("已去标识化居民 %(code)s") % {"code": resident.uid.hex[:10].upper()}


@dataclass
class Result:
    pseudonymised: int = 0
    tags_dropped: int = 0
    changes_cleared: int = 0


def _pseudonymise(resident: Resident, today: dt.date, actor: User | None, years: int, result: Result) -> None:
    moved_out_on = resident.moved_out_on
    resident.name = pseudonym(resident)
    for field in resident.SEALED:
        for suffix in ("enc", "hash", "mask"):
            setattr(resident, f"{field}_{suffix}", "")
    resident.note = ""
    if resident.birth_date:
        resident.birth_date = resident.birth_date.replace(month=1, day=1)
    resident.household = None
    resident.pseudonymised_on = today
    resident.save()
    Household.objects.filter(head=resident).update(head=None)
    result.tags_dropped += ResidentTag.objects.filter(resident=resident).delete()[0]
    Residence.objects.filter(resident=resident).update(address="")
    result.changes_cleared += RegistryChange.objects.filter(
        object_type="resident", object_id=resident.pk, field__in=PERSONAL_CHANGE_FIELDS
    ).update(old_value="", new_value="")
    audit.record(
        actor=actor,
        action=ACTION,
        target=resident,
        data={"moved_out_on": moved_out_on.isoformat(), "retention_years": years},
    )
    result.pseudonymised += 1


def apply_retention(
    *, today: dt.date | None = None, actor: User | None = None, batch: int = 500, dry_run: bool = False
) -> Result:
    """Pseudonymise every resident past retention, `batch` rows per transaction."""
    today = today or timezone.localdate()
    years = retention_years()
    result = Result()
    pks = list(due(today, years=years).order_by("pk").values_list("pk", flat=True))
    if dry_run:
        result.pseudonymised = len(pks)
        return result
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            rows = (
                due(today, years=years)
                .filter(pk__in=pks[start : start + batch])
                .select_for_update(of=("self",))
                .order_by("pk")
            )
            for resident in rows:
                _pseudonymise(resident, today, actor, years, result)
    return result


def nightly() -> dict[str, int]:
    """The nightly sweep `registry-retention` (registered in RegistryConfig.ready)."""
    result = apply_retention()
    return {
        "pseudonymised": result.pseudonymised,
        "tags_dropped": result.tags_dropped,
        "changes_cleared": result.changes_cleared,
    }
