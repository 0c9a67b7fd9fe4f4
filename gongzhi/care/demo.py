"""Demo care (金色梧桐 style): 450+ elders living alone per subdistrict registered in the registry
with their tags, three saved groups (独居 60+, 独居高龄, 孤老) that find them, risk levels with
reasons, carers (grid workers, volunteers, member units such as the fruit shop) with back-ups,
a month of contacts with realistic misses (late contacts, "not reached" then reached, a few
never made), and alerts at every state. Runs after the registry and volunteers demos.

The month of history is written in bulk (tens of thousands of rows through the services would
make the demo slow); the alerts, the last days and everything after are made by the services
and the sweep, as in real use."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.care import services
from gongzhi.care.models import (
    AlertState,
    AssigneeKind,
    AssigneeRole,
    Assignment,
    CheckIn,
    Due,
    Mode,
    Outcome,
    Recipient,
    Risk,
)
from gongzhi.care.rules import CARE_WORKERS
from gongzhi.core.errors import DomainError
from gongzhi.registry import services as registry
from gongzhi.registry.demo import GIVEN, ROADS, SURNAMES, phone_number
from gongzhi.registry.models import Organization, OrganizationKind, Resident, Tag
from gongzhi.registry.validators import make_id_number
from gongzhi.territory.models import Area, AreaKind
from gongzhi.volunteers.models import RecordSource, ServiceRecord, Volunteer

ELDERS_PER_SUBDISTRICT = 460
HISTORY_DAYS = 30
NOTES_WELL = ["精神不错", "刚吃过午饭", "在看电视", "血压正常", "子女昨天来过", "在楼下晒太阳", "买了菜"]
NOTES_HELP = [
    "腿脚不便，希望有人代购",
    "家里水龙头漏水",
    "药快吃完了，需要陪同配药",
    "想申请助餐",
    "情绪低落，需要多陪伴",
]
REASONS = {
    Risk.HIGH: ["独居、心脏病史", "孤老、行动不便", "独居高龄、轻度认知障碍", "独居、近期跌倒过"],
    Risk.MEDIUM: ["独居高龄", "独居、患糖尿病", "孤老"],
    Risk.LOW: ["独居，身体尚可", "独居，子女每周探望"],
}


def _places(subdistrict: Area) -> list[Area]:
    buildings = list(
        Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.BUILDING).order_by(
            "code", "name"
        )
    )
    return buildings or list(
        Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.ESTATE).order_by("code", "name")
    )


def _tag(subdistrict: Area, name: str) -> Tag | None:
    return Tag.objects.filter(subdistrict=subdistrict, name=name).first()


def _register_elders(
    rng: random.Random, subdistrict: Area, places: list[Area], tags: dict[str, Tag], want: int
) -> int:
    today = timezone.localdate()
    have = Resident.objects.filter(
        subdistrict=subdistrict, moved_out_on__isnull=True, tags__tag=tags["独居"]
    ).count()
    made = 0
    sequence = 5000 + subdistrict.pk * 1000
    while have + made < want:
        sequence += 1
        place = places[made % len(places)]
        born = today - dt.timedelta(days=rng.randrange(61 * 365, 97 * 365))
        floor = 1 + rng.randrange(6)
        dwelling = registry.create_dwelling(
            actor=None,
            area=place,
            data={
                "room": f"{floor}0{rng.randrange(1, 5)}室-{sequence}",
                "address": f"{rng.choice(ROADS)}{rng.randrange(1, 999)}弄{place.name}{floor}0{rng.randrange(1, 5)}室",
                "use": "owner",
            },
        )
        start = rng.randrange(0, len(GIVEN) - 1, 2)
        try:
            resident = registry.register_resident(
                actor=None,
                dwelling=dwelling,
                data={
                    "name": rng.choice(SURNAMES) + GIVEN[start : start + 2],
                    "id_number": make_id_number("310105", born, sequence % 999 or 1),
                    "phone": phone_number(rng),
                    "relation": "head",
                    "moved_in_on": dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(0, 9000)),
                },
            )
        except DomainError:
            continue
        chosen = ["独居"]
        if resident.age(today) >= 80:
            chosen.append("独居高龄")
        if rng.random() < 0.25:
            chosen.append("孤老")
        for name in chosen:
            registry.tag_resident(
                actor=None,
                resident=resident,
                tag=tags[name],
                valid_from=today - dt.timedelta(days=rng.randrange(60, 900)),
                source="visit",
            )
        made += 1
    return made


def _staff(subdistrict: Area) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, scope__path__startswith=subdistrict.path, groups__name__in=CARE_WORKERS.codes
        )
        .select_related("scope")
        .distinct()
        .order_by("pk")
    )


def _closest(area: Area, users: list[User], kind: str) -> User | None:
    fitting = [u for u in users if area.path.startswith(u.scope.path) and u.scope.kind == kind]
    return fitting[0] if fitting else None


def _moment(day: dt.date, rng: random.Random, hour: int | None = None) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(hour or rng.randrange(8, 18), rng.randrange(60)))
    )


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    start = today - dt.timedelta(days=HISTORY_DAYS)
    for subdistrict in subdistricts:
        places = _places(subdistrict)
        tags = {name: _tag(subdistrict, name) for name in ("独居", "独居高龄", "孤老")}
        staff = _staff(subdistrict)
        leaders = [u for u in staff if u.scope_id == subdistrict.pk]
        if not places or None in tags.values() or not leaders:
            if stdout:
                stdout.write(f"care: {subdistrict.name} 没有楼栋、标签或街道账号，跳过\n")
            continue
        leader = leaders[0]
        _register_elders(rng, subdistrict, places, tags, ELDERS_PER_SUBDISTRICT)
        services.save_group(
            actor=leader,
            area=subdistrict,
            name="独居老人（60岁以上）",
            tags=[tags["独居"]],
            min_age=60,
            risk=Risk.LOW,
        )
        services.save_group(
            actor=leader,
            area=subdistrict,
            name="独居高龄（80岁以上）",
            tags=[tags["独居高龄"]],
            risk=Risk.MEDIUM,
        )
        services.save_group(actor=leader, area=subdistrict, name="孤老", tags=[tags["孤老"]], risk=Risk.HIGH)
    services.sync_population(today=start)
    for subdistrict in subdistricts:
        # A second run (the query walk grows the demo) plans only the elders who have no carer yet.
        recipients = list(
            Recipient.objects.filter(subdistrict=subdistrict, active=True, assignments__isnull=True)
            .select_related("area", "resident__dwelling")
            .distinct()
        )
        if not recipients:
            continue
        staff = _staff(subdistrict)
        volunteers = list(Volunteer.objects.filter(subdistrict=subdistrict, active=True).order_by("pk"))
        shops = list(
            Organization.objects.filter(
                subdistrict=subdistrict,
                kind__in=[OrganizationKind.SHOP, OrganizationKind.SOCIAL_ORGANIZATION],
            ).order_by("pk")
        )
        # Some elders are riskier than their group says (a person's judgement, with the reason).
        for recipient in recipients:
            roll = rng.random()
            if roll < 0.08 and recipient.risk != Risk.HIGH:
                recipient.risk = Risk.HIGH
            elif roll < 0.25 and recipient.risk == Risk.LOW:
                recipient.risk = Risk.MEDIUM
            recipient.reasons = rng.choice(REASONS[recipient.risk])
        Recipient.objects.bulk_update(recipients, ["risk", "reasons"])
        assignments, carers = [], {}
        for recipient in recipients:
            gridworker = _closest(recipient.area, staff, AreaKind.GRID)
            neighbourhood = _closest(recipient.area, staff, AreaKind.NEIGHBOURHOOD)
            roll = rng.random()
            primary: dict = {"kind": AssigneeKind.GRIDWORKER, "user": gridworker}
            if roll < 0.2 and volunteers:
                primary = {
                    "kind": rng.choice([AssigneeKind.VOLUNTEER, AssigneeKind.NEIGHBOUR]),
                    "volunteer": rng.choice(volunteers),
                }
            elif roll < 0.32 and shops:
                primary = {"kind": AssigneeKind.UNIT, "organization": rng.choice(shops)}
            elif gridworker is None:
                primary = {"kind": AssigneeKind.NEIGHBOURHOOD, "user": neighbourhood}
            backup_user = neighbourhood if primary.get("user") != neighbourhood else gridworker
            common = {
                "subdistrict_id": recipient.subdistrict_id,
                "area_id": recipient.area_id,
                "recipient": recipient,
                "started_on": start,
            }
            if primary.get("user") or primary.get("volunteer") or primary.get("organization"):
                assignments.append(
                    Assignment(
                        role=AssigneeRole.PRIMARY, duties=_duties(primary["kind"], rng), **primary, **common
                    )
                )
            if backup_user is not None:
                assignments.append(
                    Assignment(
                        role=AssigneeRole.BACKUP,
                        kind=AssigneeKind.NEIGHBOURHOOD
                        if backup_user == neighbourhood
                        else AssigneeKind.GRIDWORKER,
                        user=backup_user,
                        duties="主责联系不上时上门查看",
                        **common,
                    )
                )
            carers[recipient.pk] = (primary, backup_user or gridworker or neighbourhood)
        Assignment.objects.bulk_create(assignments)
        checked, missed = _history(rng, recipients, carers, start=start, today=today)
        if stdout:
            stdout.write(
                f"care: {subdistrict.name} 关爱对象 {len(recipients)} 人，近{HISTORY_DAYS}天联系 {checked} 次，"
                f"未按时 {missed} 次\n"
            )
    _alerts(rng, subdistricts, now=now)


def _duties(kind: str, rng: random.Random) -> str:
    return {
        AssigneeKind.GRIDWORKER: rng.choice(["定期上门，了解身体和生活情况", "电话问候，每周上门一次"]),
        AssigneeKind.NEIGHBOURHOOD: "定期上门",
        AssigneeKind.VOLUNTEER: rng.choice(["陪聊、代购", "每天电话问候"]),
        AssigneeKind.NEIGHBOUR: "每天敲门问候",
        AssigneeKind.UNIT: rng.choice(["老人每天来店买菜，没来就打电话", "家庭医生团队每月随访"]),
    }[kind]


def _history(rng, recipients, carers, *, start: dt.date, today: dt.date) -> tuple[int, int]:
    """A month of dues and contacts per person, in bulk: mostly on time, some late, some first
    not reached, a few never made (they stay open and the sweep raises the alerts)."""
    policies = {}
    check_ins: list[CheckIn] = []
    dues: list[tuple[Due, int | None]] = []
    missed = 0
    for recipient in recipients:
        policy = policies.setdefault(recipient.subdistrict_id, services.policy_for(recipient.subdistrict_id))
        frequency = services.frequency_of(recipient, policy)
        primary, backup = carers[recipient.pk]
        staff_user = primary.get("user") or backup
        volunteer = primary.get("volunteer")
        mode_for_unit = primary.get("organization") is not None
        day = start
        common = {
            "subdistrict_id": recipient.subdistrict_id,
            "area_id": recipient.area_id,
            "recipient": recipient,
        }
        while True:
            due = Due(due_on=day, frequency=frequency, margin_days=policy.margin_days, **common)
            roll = rng.random()
            late = 0 if roll < 0.86 else rng.choice([1, 1, 2, 3])
            never = rng.random() < 0.015 and day >= today - dt.timedelta(days=10)
            contact_day = day + dt.timedelta(days=late)
            if never or contact_day >= today or staff_user is None:
                dues.append((due, None))  # still open: due today, or missed
                missed += late > 0 or never
                break
            missed += late > 0
            by = {"by_volunteer": volunteer} if volunteer and rng.random() < 0.8 else {"by_user": staff_user}
            if rng.random() < 0.05:
                check_ins.append(
                    CheckIn(
                        at=_moment(contact_day, rng, 9),
                        mode=Mode.PHONE,
                        outcome=Outcome.NOT_REACHED,
                        note="电话无人接听",
                        **by,
                        **common,
                    )
                )
            help_needed = rng.random() < 0.04
            mode = (
                Mode.SHOP
                if mode_for_unit
                else rng.choices([Mode.VISIT, Mode.PHONE, Mode.VIDEO], weights=[55, 40, 5])[0]
            )
            minutes = rng.choice([15, 20, 30]) if "by_volunteer" in by else 0
            contact = CheckIn(
                at=_moment(contact_day, rng, rng.randrange(10, 18)),
                mode=mode,
                outcome=Outcome.NEEDS_HELP if help_needed else Outcome.WELL,
                note=rng.choice(NOTES_HELP if help_needed else NOTES_WELL),
                minutes=minutes,
                **by,
                **common,
            )
            check_ins.append(contact)
            dues.append((due, len(check_ins) - 1))
            day = services.next_due_on(frequency, contact_day)
    made = CheckIn.objects.bulk_create(check_ins, batch_size=2000)
    rows = []
    for due, index in dues:
        if index is not None:
            due.check_in = made[index]
            due.met_at = made[index].at
        rows.append(due)
    Due.objects.bulk_create(rows, batch_size=2000)
    service_records = [
        ServiceRecord(
            subdistrict_id=c.by_volunteer.subdistrict_id,
            area_id=c.by_volunteer.area_id,
            volunteer=c.by_volunteer,
            source=RecordSource.CARE,
            source_ref=f"checkin:{c.pk}",
            activity=f"关爱走访：{c.get_mode_display()}",
            place="",
            started_at=c.at,
            ended_at=c.at + dt.timedelta(minutes=c.minutes),
            hours=(Decimal(c.minutes) / 60).quantize(Decimal("0.01")),
        )
        for c in made
        if c.by_volunteer_id and c.minutes
    ]
    ServiceRecord.objects.bulk_create(service_records, batch_size=2000)
    return len(made), missed


def _alerts(rng: random.Random, subdistricts: list[Area], *, now: dt.datetime) -> None:
    """Alerts made by the services as in real use: a few elders not reached twice this
    morning, the sweep over the missed contacts; then some acknowledged and some closed."""
    for subdistrict in subdistricts:
        recipients = list(Recipient.objects.filter(subdistrict=subdistrict, active=True).order_by("pk"))
        staff = _staff(subdistrict)
        for recipient in rng.sample(recipients, min(len(recipients), 6)):
            worker = next(
                (
                    u
                    for u in staff
                    if recipient.area.path.startswith(u.scope.path) and u.scope.kind == AreaKind.GRID
                ),
                None,
            )
            if worker is None:
                continue
            for hour in (8, 9):
                at = timezone.make_aware(
                    dt.datetime.combine(timezone.localdate(now) - dt.timedelta(days=1), dt.time(hour))
                )
                services.record_check_in(
                    actor=worker,
                    recipient=recipient,
                    mode=Mode.VISIT if hour == 8 else Mode.PHONE,
                    outcome=Outcome.NOT_REACHED,
                    note="敲门无人应答" if hour == 8 else "电话无人接听",
                    at=at,
                    now=now,
                )
    services.generate_dues()
    services.escalate(now=now)
    from gongzhi.care.models import Alert

    for alert in Alert.objects.filter(state=AlertState.OPEN).select_related("area").order_by("pk"):
        staff = _staff(alert.area.subdistrict) if alert.area.subdistrict_id else []
        handler = next((u for u in staff if alert.area.path.startswith(u.scope.path)), None)
        if handler is None:
            continue
        roll = rng.random()
        if roll < 0.35:
            services.act_on_alert(actor=handler, alert=alert, action="acknowledge", now=now)
        elif roll < 0.7:
            services.act_on_alert(
                actor=handler,
                alert=alert,
                action="close",
                resolution=rng.choice(
                    [
                        "已上门，老人外出买菜，一切正常",
                        "已联系女儿，老人在医院复诊",
                        "已上门查看，老人听力不好没听到敲门",
                    ]
                ),
                now=now,
            )
