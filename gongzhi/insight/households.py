"""Phone → household, the one way the index attributes a resident's interaction to a household."""

from __future__ import annotations

from collections.abc import Iterable

from gongzhi.registry import crypto
from gongzhi.registry.models import Resident


def households_by_phone(subdistrict_id: int, phones: Iterable[str]) -> dict[str, int]:
    """Phone → household of a registered resident with that phone, through the registry's keyed
    phone hash (in batches of 500: one query per batch, never one per phone)."""
    digests = {crypto.blind_index(p, kind="phone"): p for p in phones if p}
    found: dict[str, int] = {}
    keys = list(digests)
    for i in range(0, len(keys), 500):
        for digest, household_id in Resident.objects.filter(
            subdistrict_id=subdistrict_id, phone_hash__in=keys[i : i + 500], household__isnull=False
        ).values_list("phone_hash", "household_id"):
            found[digests[digest]] = household_id
    return found
