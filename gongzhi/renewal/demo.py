"""Demo renewal: in the first subdistrict an old-area project of 400 certificates whose signing
round is at 92% (first day 75%) with its holdouts, their obstacles and their plans (imported from
the sheet), the signing period extended by a fortnight, and in every subdistrict
a lift-installation consent campaign for one building, counted per dwelling."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from gongzhi.accounts.models import User
from gongzhi.registry.demo import person_name
from gongzhi.renewal import editing, services, sheets
from gongzhi.territory.models import Area, AreaKind

CERTIFICATES = 400
SIGNED = 368  # 92%
FIRST_DAY = 300  # 75% on the first day
OBSTACLES = [
    ("inheritance", "兄妹三人继承未析产，一人在外地"),
    ("family", "子女对安置方式意见不一"),
    ("valuation", "对评估面积有异议，申请复核"),
    ("elderly", "独居老人，担心过渡期无人照料"),
    ("unreachable", "产权人长期在国外，电话未接通"),
]
CONTACT_NOTES = ["上门讲解征询方案", "与子女电话沟通", "党员带头先签，邻里现身说法", "陪同看安置房源"]


def _staff(subdistrict: Area, role: str) -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name=role, scope__path__startswith=subdistrict.path)
        .select_related("scope")
        .order_by("pk")
    )


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    today = timezone.localdate()
    for index, subdistrict in enumerate(subdistricts):
        leaders = _staff(subdistrict, "leader")
        if not leaders:
            continue
        leader = leaders[0]
        cadres = _staff(subdistrict, "gridworker") + _staff(subdistrict, "neighbourhood")
        buildings = list(
            Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.BUILDING).order_by(
                "code", "name"
            )
        )
        if not buildings:
            continue
        busiest = max(buildings, key=lambda b: (b.dwellings.count(), b.path))
        _lift(leader, cadres, busiest, rng, today)
        if index == 0:
            _old_area(leader, cadres, buildings[0].parent, rng, today)
    if stdout:
        stdout.write("renewal: 旧改项目 1 个（400 证，签约 92%），加装电梯征询\n")


def _cadre_for(area: Area, cadres: list[User], rng: random.Random) -> User | None:
    fitting = [u for u in cadres if area.path.startswith(u.scope.path)]
    return rng.choice(fitting) if fitting else None


def _old_area(leader: User, cadres: list[User], estate: Area, rng: random.Random, today: dt.date) -> None:
    blocks = list(Area.objects.filter(parent=estate, kind=AreaKind.BUILDING).order_by("code", "name")) or [
        estate
    ]
    project = services.create_project(
        actor=leader, area=estate, name=f"{estate.name}旧区改造（一户一策）", kind="old_area"
    )
    certificates = []
    for i in range(CERTIFICATES):
        block = blocks[i % len(blocks)]
        tenancy = rng.random() < 0.3
        certificates.append(
            services.add_certificate(
                actor=leader,
                project=project,
                area=block,
                number=(f"公房承租凭证第{i + 1:04d}号" if tenancy else f"沪房地证字第{i + 1:04d}号"),
                holders=person_name(rng) + ("、" + person_name(rng) if rng.random() < 0.3 else ""),
                kind="tenancy" if tenancy else "title",
                households=rng.choice([1, 1, 1, 2]),
                persons=rng.choice([1, 2, 2, 3, 3, 4, 5]),
                floor=rng.randrange(1, 4),
                cadre=_cadre_for(block, cadres, rng),
            )
        )
    round1_on = today - dt.timedelta(days=70)
    services.open_round(
        actor=leader,
        project=project,
        number=1,
        opens_on=round1_on,
        closes_on=round1_on + dt.timedelta(days=30),
    )
    order = certificates[:]
    rng.shuffle(order)
    for c in order[: int(CERTIFICATES * 0.97)]:
        who = c.cadre or leader
        services.record_contact(
            actor=who, certificate=c, note=rng.choice(CONTACT_NOTES), on=round1_on - dt.timedelta(days=5)
        )
        services.respond(
            actor=who, certificate=c, answer="agree", on=round1_on + dt.timedelta(days=rng.randrange(0, 4))
        )
    services.close_round(actor=leader, project=project, on=round1_on + dt.timedelta(days=5))
    round2_on = today - dt.timedelta(days=20)
    services.open_round(
        actor=leader, project=project, number=2, opens_on=round2_on, closes_on=today + dt.timedelta(days=70)
    )
    for n, c in enumerate(order[:SIGNED]):
        on = round2_on if n < FIRST_DAY else round2_on + dt.timedelta(days=1 + (n - FIRST_DAY) % 19)
        services.respond(actor=c.cadre or leader, certificate=c, answer="signed", on=on)
    plans = []
    for c in order[SIGNED:]:
        kind, note = rng.choice(OBSTACLES)
        who = c.cadre or leader
        services.add_obstacle(
            actor=who, certificate=c, kind=kind, note=note, on=round2_on + dt.timedelta(days=2)
        )
        plans.append([c.number, *[""] * 8, f"包保干部每周上门；{note}，请街道法律顾问协助。", ""])
    # the holdouts' plans (一户一策) come from the sheet the working group keeps, as in practice
    editing.import_plans(actor=leader, project=project, data=_sheet(plans))
    # the signing period extended by a fortnight (签约期延长), as the working group decided
    editing.update_round(
        actor=leader, project=project, number=2, opens_on=round2_on, closes_on=today + dt.timedelta(days=84)
    )


def _sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in sheets.COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lift(leader: User, cadres: list[User], building: Area, rng: random.Random, today: dt.date) -> None:
    project = services.create_project(
        actor=leader, area=building, name=f"{building.name}加装电梯", kind="lift"
    )
    if not services.certificates_from_dwellings(
        actor=leader, project=project, cadre=_cadre_for(building, cadres, rng)
    ):
        return
    opens_on = today - dt.timedelta(days=14)
    services.open_round(
        actor=leader, project=project, number=2, opens_on=opens_on, closes_on=today + dt.timedelta(days=45)
    )
    for c in project.certificates.all():
        # higher floors want the lift; the ground floor is the usual holdout
        if rng.random() < (0.3 if (c.floor or 1) <= 1 else 0.8):
            services.respond(
                actor=c.cadre or leader,
                certificate=c,
                answer="signed",
                on=opens_on + dt.timedelta(days=rng.randrange(0, 14)),
            )
        elif (c.floor or 1) <= 1:
            services.add_obstacle(
                actor=c.cadre or leader, certificate=c, kind="other", note="一楼担心采光和噪声"
            )
