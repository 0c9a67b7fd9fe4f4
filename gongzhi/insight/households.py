"""Phone → household, the one way the index attributes a resident's interaction to a household."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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


def resident_fields(via: str) -> list[str]:
    """The `.values()` names `attributed()` reads for rows that reach a person through `via`
    (a registration, a volunteer): its area, its phone hash and its linked resident's household."""
    return [
        f"{via}__area_id",
        f"{via}__phone_hash",
        f"{via}__resident__household_id",
        f"{via}__resident__household__area_id",
    ]


def attributed(subdistrict_id: int, rows: list[dict], via: str) -> Iterator[tuple[dict, int | None, int]]:
    """(row, household, area) for each row of `resident_fields(via)`: the linked resident's
    household and its area; else the household the registry finds for the phone hash (one batch
    for all rows); else no household, in the row's own area."""
    by_hash = households_by_hash(
        subdistrict_id, {r[f"{via}__phone_hash"] for r in rows if r[f"{via}__resident__household_id"] is None}
    )
    for row in rows:
        household = row[f"{via}__resident__household_id"]
        area = row[f"{via}__resident__household__area_id"]
        if household is None:
            household, area = by_hash.get(row[f"{via}__phone_hash"], (None, None))
        yield row, household, area or row[f"{via}__area_id"]
