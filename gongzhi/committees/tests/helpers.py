"""Estates with dwellings, and committees at a chosen step, for the committee tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gongzhi.committees import services
from gongzhi.committees.models import Committee, MemberRole
from gongzhi.registry.models import Dwelling
from gongzhi.territory.models import Area
from gongzhi.territory.services import create_area


def building(estate: Area, number: int = 1) -> Area:
    return create_area(code=f"{estate.code}-B{number}", name=f"{number}号楼", kind="building", parent=estate)


def dwellings(estate: Area, areas: list[str | Decimal], *, number: int = 1) -> list[Dwelling]:
    block = Area.objects.filter(parent=estate, code=f"{estate.code}-B{number}").first() or building(
        estate, number
    )
    made = []
    for i, area in enumerate(areas, start=1):
        made.append(
            Dwelling.objects.create(
                subdistrict_id=estate.subdistrict_id,
                area=block,
                room=f"{100 + i}",
                address=f"{estate.name}{number}号楼{100 + i}室",
                floor_area=Decimal(str(area)),
                owner_name=f"业主{number}-{i}",
            )
        )
    return made


def specs(n: int = 5, *, eligible: bool = True) -> list[services.MemberSpec]:
    return [
        services.MemberSpec(
            name=f"委员{i}",
            role=MemberRole.DIRECTOR if i == 0 else MemberRole.MEMBER,
            pledge_signed_on=dt.date(2026, 3, 1) if eligible else None,
            not_employed_by_manager=True,
            no_illegal_building=True,
            no_structural_damage=True,
            no_illegal_letting=True,
        )
        for i in range(n)
    ]


def committee_in_term(side, *, elected_on: dt.date = dt.date(2026, 3, 10)) -> Committee:
    actor = side.users["leader"]
    committee = services.create_committee(actor=actor, area=side.estate)
    services.advance(
        actor=actor, committee=committee, action="form_preparatory", on=elected_on - dt.timedelta(days=60)
    )
    services.advance(
        actor=actor,
        committee=committee,
        action="convene_first_assembly",
        on=elected_on - dt.timedelta(days=1),
    )
    services.elect(actor=actor, committee=committee, on=elected_on, members=specs())
    services.file(actor=actor, committee=committee, on=elected_on + dt.timedelta(days=7))
    services.advance(
        actor=actor, committee=committee, action="start_term", on=elected_on + dt.timedelta(days=8)
    )
    committee.refresh_from_db()
    return committee
