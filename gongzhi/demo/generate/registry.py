"""Residents, dwellings, households and organisations for `gongzhi generate --residents N`.

Written in bulk around the registry services (which validate, log and seal one row at a time),
keeping what the services keep:

- every resident, dwelling and organisation lies in a generated building (organisations in the
  neighbourhoods' free parts), with `subdistrict` = the area's subdistrict;
- ID numbers are valid (region, birth date, checksum) and fictitious, unique within the
  subdistrict; ID numbers and phones are sealed with the registry's own `Sealed.seal` (encrypted
  with the deployment's key, keyed hash, masked copy), so reveal, search and export work on them;
- a dwelling holds one household whose head is its first resident; every resident has one open
  `Residence` (the history of stays); gender and birth date agree with the ID number;
- organisations have valid, unique unified social credit codes.

About 2.6 people per occupied dwelling, one organisation per 40 residents.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction

from gongzhi.demo.generate.plan import Plan, Progress, Result
from gongzhi.demo.generate.territory import Territory
from gongzhi.registry.demo import ORGS, REGIONS, ROADS, person_name, phone_number
from gongzhi.registry.models import (
    Dwelling,
    DwellingUse,
    Gender,
    Household,
    LivingStatus,
    Organization,
    RegistrationType,
    Relation,
    Residence,
    Resident,
)
from gongzhi.registry.validators import id_gender, make_credit_code, make_id_number

BATCH = 2000
# Birth dates are spread over this many days (≈90 years) by a bijection of the resident's index,
# so (birth date, sequence) — hence the ID number — is unique for up to 32 million people.
DAYS = 32_850
STRIDE = 7_919  # a prime that does not divide DAYS


def _id_number(i: int, rng: random.Random) -> tuple[str, dt.date]:
    oldest = dt.date.today().toordinal() - DAYS - 365
    born = dt.date.fromordinal(oldest + ((i // 1000) * STRIDE) % DAYS)
    return make_id_number(rng.choice(REGIONS), born, i % 1000), born


def _name(rng: random.Random, surname: str | None = None) -> str:
    name = person_name(rng)
    return surname + name[1:] if surname else name


def generate_registry(plan: Plan, territory: Territory, result: Result, progress: Progress) -> None:
    """Residents (and their dwellings and households) spread evenly over the generated
    subdistricts' buildings, and organisations beside them."""
    began = time.monotonic()
    rng = random.Random(plan.seed * 7 + 1)
    subs = len(territory.subdistrict_ids)
    per_sub = [plan.residents // subs + (1 if s < plan.residents % subs else 0) for s in range(subs)]
    index = 0
    for s, wanted in enumerate(per_sub):
        subdistrict_id = territory.subdistrict_ids[s]
        leaves = territory.leaves_by_sub[s]
        buildings = [leaf for leaf in leaves if "号楼" in leaf.name] or leaves
        people = 0
        rooms = 0
        while people < wanted:
            with transaction.atomic():
                dwellings, members = [], []
                while people < wanted and len(members) < BATCH:
                    building = buildings[rooms % len(buildings)]
                    floor, unit = 1 + (rooms // len(buildings)) // 4, 1 + (rooms // len(buildings)) % 4
                    rooms += 1
                    use = rng.choices(list(DwellingUse.values), weights=[60, 22, 3, 8, 3, 4])[0]
                    owner = _name(rng)
                    dwelling = Dwelling(
                        subdistrict_id=subdistrict_id,
                        area_id=building.area_id,
                        room=f"{floor}0{unit}室",
                        address=f"{rng.choice(ROADS)}{building.name}{floor}0{unit}室",
                        use=use,
                        floor_area=rng.choice([38, 45, 52, 61, 68, 75, 88, 96, 120]),
                        owner_name=owner,
                    )
                    dwelling.seal("owner_phone", phone_number(rng))
                    dwellings.append(dwelling)
                    if use in (DwellingUse.VACANT, DwellingUse.BUSINESS):
                        continue
                    size = min(1 if rng.random() < 0.22 else rng.choice([2, 2, 3, 3, 4, 5]), wanted - people)
                    for k in range(size):
                        members.append((dwelling, k, owner[0]))
                        people += 1
                Dwelling.objects.bulk_create(dwellings, batch_size=BATCH)
                households = {}
                for dwelling, k, _surname in members:
                    if k == 0:
                        households[dwelling.pk] = Household(
                            subdistrict_id=subdistrict_id, area_id=dwelling.area_id, dwelling=dwelling
                        )
                Household.objects.bulk_create(households.values(), batch_size=BATCH)
                residents = []
                for dwelling, k, surname in members:
                    id_number, born = _id_number(index, rng)
                    index += 1
                    registration = rng.choices(list(RegistrationType.values), weights=[70, 27, 3])[0]
                    resident = Resident(
                        subdistrict_id=subdistrict_id,
                        area_id=dwelling.area_id,
                        dwelling=dwelling,
                        household=households[dwelling.pk],
                        name=_name(rng, surname if k in (0, 2, 3) else None),
                        gender=Gender(id_gender(id_number)),
                        birth_date=born,
                        registration_type=registration,
                        living_status=rng.choices(list(LivingStatus.values), weights=[82, 14, 4])[0],
                        relation=Relation.HEAD if k == 0 else (Relation.SPOUSE if k == 1 else Relation.CHILD),
                        moved_in_on=dt.date.fromordinal(
                            rng.randrange(max(born.toordinal(), 726833), dt.date.today().toordinal())
                        ),  # 726833 = 1991-01-01
                    )
                    resident.seal("id_number", id_number)
                    if born.year < 2010:
                        resident.seal("phone", phone_number(rng))
                    residents.append(resident)
                Resident.objects.bulk_create(residents, batch_size=BATCH)
                heads = []
                for resident in residents:
                    if resident.relation == Relation.HEAD:
                        household = resident.household
                        household.head = resident
                        heads.append(household)
                Household.objects.bulk_update(heads, ["head"], batch_size=BATCH)
                Residence.objects.bulk_create(
                    (
                        Residence(
                            subdistrict_id=subdistrict_id,
                            resident=r,
                            dwelling=r.dwelling,
                            address=r.dwelling.address,
                            moved_in_on=r.moved_in_on,
                            source="generate",
                        )
                        for r in residents
                    ),
                    batch_size=BATCH,
                )
                result.residents += len(residents)
                result.dwellings += len(dwellings)
        result.organizations += _organizations(rng, subdistrict_id, leaves, max(1, wanted // 40), s)
        rate = result.residents / max(time.monotonic() - began, 1e-6)
        progress(
            f"实有人口 {result.residents:,}/{plan.residents:,}（房屋 {result.dwellings:,}，"
            f"单位 {result.organizations:,}，{rate:,.0f} 人/秒）"
        )


def _organizations(rng: random.Random, subdistrict_id: int, leaves: list, count: int, s: int) -> int:
    places = [leaf for leaf in leaves if "号楼" not in leaf.name] or leaves
    rows = []
    for i in range(count):
        kind, names = ORGS[i % len(ORGS)]
        place = places[i % len(places)]
        lng, lat, width, height = place.box
        # Unique: the subdistrict's id and the running number (fictitious codes, valid checksum).
        body = "91" + REGIONS[s % len(REGIONS)] + f"{subdistrict_id % 10_000:04d}{i % 100_000:05d}"
        organization = Organization(
            subdistrict_id=subdistrict_id,
            area_id=place.area_id,
            kind=kind,
            name=f"{place.name}{rng.choice(names)}{i + 1}",
            credit_code=make_credit_code(body),
            address=f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
            lat=lat + height * rng.random(),
            lng=lng + width * rng.random(),
            contact_name=_name(rng),
            employees=rng.randrange(2, 80),
        )
        organization.seal("contact_phone", phone_number(rng))
        rows.append(organization)
    Organization.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
