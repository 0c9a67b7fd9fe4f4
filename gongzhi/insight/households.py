"""Phone → household, the one way the index attributes a resident's interaction to a household."""

from __future__ import annotations

from collections.abc import Iterable

from gongzhi.registry import crypto
from gongzhi.registry.models import Resident

BATCH = 500


def households_by_hash(subdistrict_id: int, hashes: Iterable[str]) -> dict[str, tuple[int, int]]:
    """The registry's keyed phone hash → (household, household's area) of a registered resident
    with that phone (in batches: one query per 500 hashes, never one per phone)."""
    keys = sorted({h for h in hashes if h})
    found: dict[str, tuple[int, int]] = {}
    for i in range(0, len(keys), BATCH):
        for digest, household_id, area_id in Resident.objects.filter(
            subdistrict_id=subdistrict_id, phone_hash__in=keys[i : i + BATCH], household__isnull=False
        ).values_list("phone_hash", "household_id", "household__area_id"):
            found[digest] = (household_id, area_id)
    return found


def households_by_phone(subdistrict_id: int, phones: Iterable[str]) -> dict[str, int]:
    """Phone → household of a registered resident with that phone."""
    digests = {crypto.blind_index(p, kind="phone"): p for p in phones if p}
    return {
        digests[d]: household for d, (household, _area) in households_by_hash(subdistrict_id, digests).items()
    }
