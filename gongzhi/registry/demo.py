"""Demo data for the registry: dwellings under the demo's buildings (or estates), a few hundred
invented residents with valid, checksummed but fictitious ID numbers, organisations with valid
credit codes, and the 9+1+N tags. Called by the demo command through `seed`."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction

from gongzhi.accounts.models import Unit
from gongzhi.core.errors import Conflict
from gongzhi.registry import services
from gongzhi.registry.models import (
    Dwelling,
    DwellingUse,
    LivingStatus,
    Organization,
    OrganizationKind,
    RegistrationType,
    Relation,
    Resident,
    Tag,
    TagGroup,
    TagGroupKind,
)
from gongzhi.registry.validators import USCC_ALPHABET, make_credit_code, make_id_number
from gongzhi.territory.models import Area, AreaKind

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建华建国志强文海燕红梅亮晨悦欣怡子轩浩然梓涵宇航佳怡思远雨桐嘉豪诗涵俊杰"
REGIONS = [
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310109",
    "310110",
    "310112",
    "320102",
    "330106",
    "340104",
    "420106",
    "510107",
]
ROADS = ["华阳路", "长宁路", "定西路", "安化路", "江苏路", "武夷路", "湖南路", "五原路", "复兴西路", "永福路"]

NINE = ["低保", "低收入", "特困供养", "支出型贫困", "残疾", "重病", "失业", "孤老", "独居高龄"]
SPECIAL = ["优抚对象", "退役军人"]
LOCAL = ["独居", "空巢", "新就业群体", "楼组长", "志愿者"]

ORGS = [
    (OrganizationKind.SHOP, ["便利店", "早餐店", "水果店", "理发店", "五金店", "药房", "面馆", "洗衣店"]),
    (
        OrganizationKind.ENTERPRISE,
        ["信息科技有限公司", "文化传媒有限公司", "物流有限公司", "餐饮管理有限公司"],
    ),
    (OrganizationKind.SOCIAL_ORGANIZATION, ["社区服务社", "为老服务中心", "青少年服务社"]),
    (OrganizationKind.SCHOOL, ["第一小学", "幼儿园"]),
    (OrganizationKind.HOSPITAL, ["社区卫生服务站"]),
    (OrganizationKind.PROPERTY_MANAGER, ["物业服务有限公司"]),
    (OrganizationKind.REGIONAL_UNIT, ["供电营业所", "邮政支局"]),
]


def person_name(rng: random.Random) -> str:
    """An invented Chinese name (also used by `gongzhi generate`)."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def phone_number(rng: random.Random) -> str:
    """An invented mobile number (also used by `gongzhi generate`)."""
    return (
        rng.choice(["138", "139", "137", "136", "135", "158", "159", "186", "189", "177"])
        + f"{rng.randrange(10**8):08d}"
    )


def _birth(rng: random.Random, low: int, high: int) -> dt.date:
    start = dt.date(dt.date.today().year - high, 1, 1).toordinal()
    end = dt.date(dt.date.today().year - low, 12, 28).toordinal()
    return dt.date.fromordinal(rng.randrange(start, end))


def _credit_code(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return make_credit_code(body)


def _tags(subdistrict: Area) -> dict[str, Tag]:
    tags: dict[str, Tag] = {}
    for order, (code, name, kind, names) in enumerate(
        [
            ("nine", "九类救助", TagGroupKind.NINE, NINE),
            ("special", "特殊关爱", TagGroupKind.SPECIAL, SPECIAL),
            ("local", "社区标签", TagGroupKind.LOCAL, LOCAL),
        ]
    ):
        group, _created = TagGroup.objects.get_or_create(
            subdistrict=subdistrict,
            code=code,
            defaults={"name": name, "kind": kind, "order": order, "sensitive": kind != TagGroupKind.LOCAL},
        )
        for i, tag_name in enumerate(names):
            tags[tag_name], _c = Tag.objects.get_or_create(
                group=group, name=tag_name, defaults={"subdistrict": subdistrict, "order": i}
            )
    return tags


def _places(subdistrict: Area) -> list[Area]:
    """Buildings where there are any; estates that have no buildings otherwise."""
    areas = list(
        Area.objects.filter(path__startswith=subdistrict.path, kind__in=[AreaKind.BUILDING, AreaKind.ESTATE])
    )
    with_buildings = {a.parent_id for a in areas if a.kind == AreaKind.BUILDING}
    return [a for a in areas if a.kind == AreaKind.BUILDING or a.pk not in with_buildings]


@transaction.atomic
def seed(
    *,
    rng: random.Random,
    subdistricts: list[Area],
    stdout: TextIO | None = None,
    residents_per_subdistrict: int = 300,
) -> None:
    sequence = 0
    for subdistrict in subdistricts:
        tags = _tags(subdistrict)
        places = _places(subdistrict)
        if not places:
            if stdout:
                stdout.write(f"registry: {subdistrict.name} 没有小区或楼栋，跳过\n")
            continue
        people = 0
        # A second run (another seed, as the query walk grows the demo) goes on from the rooms
        # already there: each dwelling's room is unique in its building.
        dwellings = Dwelling.objects.filter(area__in=places).count()
        while people < residents_per_subdistrict:
            place = places[dwellings % len(places)]
            floor, unit = 1 + (dwellings // len(places)) // 4, 1 + (dwellings // len(places)) % 4
            road = rng.choice(ROADS)
            use = rng.choices(list(DwellingUse.values), weights=[60, 22, 3, 8, 3, 4])[0]
            owner = person_name(rng)
            dwelling = services.create_dwelling(
                actor=None,
                area=place,
                data={
                    "room": f"{floor}0{unit}室",
                    "address": f"{road}{rng.randrange(1, 999)}弄{place.name}{floor}0{unit}室",
                    "use": use,
                    "floor_area": rng.choice([38, 45, 52, 61, 68, 75, 88, 96, 120]),
                    "owner_name": owner,
                    "owner_phone": phone_number(rng),
                },
            )
            dwellings += 1
            if use in (DwellingUse.VACANT, DwellingUse.BUSINESS):
                continue
            size = 1 if rng.random() < 0.22 else rng.choice([2, 2, 3, 3, 4, 5])
            surname = owner[0]
            for i in range(size):
                sequence += 1
                if i == 0:
                    born, relation = _birth(rng, 28, 92), Relation.HEAD
                elif i == 1:
                    born, relation = _birth(rng, 26, 88), Relation.SPOUSE
                else:
                    born, relation = (
                        _birth(rng, 1, 40),
                        rng.choice([Relation.CHILD, Relation.CHILD, Relation.GRANDCHILD, Relation.PARENT]),
                    )
                registration = rng.choices(list(RegistrationType.values), weights=[70, 27, 3])[0]
                id_type = "passport" if registration == RegistrationType.OVERSEAS else "resident_id"
                id_number = (
                    f"E{rng.randrange(10**8):08d}"
                    if id_type == "passport"
                    else make_id_number(rng.choice(REGIONS), born, sequence)
                )
                name = (
                    surname
                    if relation in (Relation.HEAD, Relation.CHILD) and rng.random() < 0.8
                    else rng.choice(SURNAMES)
                ) + person_name(rng)[1:]
                try:
                    resident = services.register_resident(
                        actor=None,
                        dwelling=dwelling,
                        data={
                            "name": name,
                            "id_type": id_type,
                            "id_number": id_number,
                            "phone": phone_number(rng) if born.year < 2010 else "",
                            "registration_type": registration,
                            "living_status": rng.choices(list(LivingStatus.values), weights=[82, 14, 4])[0],
                            "relation": relation,
                            "moved_in_on": dt.date.fromordinal(
                                rng.randrange(
                                    max(born.toordinal(), dt.date(1990, 1, 1).toordinal()),
                                    dt.date.today().toordinal(),
                                )
                            ),
                        },
                    )
                except Conflict:  # an invented ID that collides: skip the person
                    continue
                people += 1
                _tag(rng, resident, tags, size)
        if stdout:
            stdout.write(f"registry: {subdistrict.name} 房屋 {dwellings} 套，实有人口 {people} 人\n")
        _organizations(rng, subdistrict)


def _tag(rng: random.Random, resident: Resident, tags: dict[str, Tag], household_size: int) -> None:
    age = resident.age() or 0
    chosen = set()
    if household_size == 1 and age >= 60:
        chosen.add("独居")
        if age >= 80:
            chosen.add("独居高龄")
        if rng.random() < 0.3:
            chosen.add("孤老")
    if household_size == 2 and age >= 65 and rng.random() < 0.5:
        chosen.add("空巢")
    if rng.random() < 0.05:
        chosen.add(rng.choice(NINE[:7]))
    if rng.random() < 0.03:
        chosen.add(rng.choice(SPECIAL))
    if 20 <= age <= 45 and rng.random() < 0.05:
        chosen.add("新就业群体")
    if 18 <= age <= 75 and rng.random() < 0.04:
        chosen.add(rng.choice(["楼组长", "志愿者"]))
    for name in sorted(chosen):
        services.tag_resident(
            actor=None,
            resident=resident,
            tag=tags[name],
            valid_from=dt.date.today() - dt.timedelta(days=rng.randrange(30, 900)),
            source=rng.choice(["manual", "visit", "department"]),
        )


def _organizations(rng: random.Random, subdistrict: Area) -> None:
    # Every handling unit of the case loop is an organisation of the registry (one identity).
    for unit in Unit.objects.filter(subdistrict=subdistrict).order_by("pk"):
        services.organization_for_unit(unit=unit)
    neighbourhoods = list(Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.NEIGHBOURHOOD))
    if not neighbourhoods:
        return
    parties = []
    for nb in neighbourhoods:
        existing = Organization.objects.filter(area=nb, name=f"{nb.name}党总支").first()
        if existing:  # a second run: each neighbourhood has one party organisation and one committee
            parties.append(existing)
            continue
        parties.append(
            services.create_organization(
                actor=None,
                area=nb,
                data={
                    "name": f"{nb.name}党总支",
                    "kind": OrganizationKind.PARTY_ORGANIZATION,
                    "party_covered": True,
                    "address": nb.name,
                },
            )
        )
        services.create_organization(
            actor=None,
            area=nb,
            data={
                "name": f"{nb.name}业主委员会",
                "kind": OrganizationKind.OWNERS_COMMITTEE,
                "contact_name": person_name(rng),
                "contact_phone": phone_number(rng),
            },
        )
    for kind, names in ORGS:
        for base in names:
            nb = rng.choice(neighbourhoods)
            party = rng.choice(parties) if rng.random() < 0.4 else None
            org = services.create_organization(
                actor=None,
                area=nb,
                data={
                    "name": f"{rng.choice(ROADS)[:2]}{base}"
                    if kind == OrganizationKind.SHOP
                    else f"上海{rng.choice('华阳长宁湖南定西安化')}{base}",
                    "kind": kind,
                    "credit_code": _credit_code(rng, "310105"),
                    "address": f"{rng.choice(ROADS)}{rng.randrange(1, 1500)}号",
                    "lat": nb.centre_lat,
                    "lng": nb.centre_lng,
                    "contact_name": person_name(rng),
                    "contact_phone": phone_number(rng),
                    "employees": rng.choice([2, 3, 5, 8, 12, 20, 45, 120]),
                },
            )
            if party:
                services.set_party_organization(actor=None, organization=org, party=party)


def resident_rows(n: int, *, area_codes: list[str], rng: random.Random | None = None) -> list[dict]:
    """`n` synthetic import rows for residents (valid, unique, fictitious ID numbers), spread over
    the given building/estate codes about three to a room: for benchmarks and load tests of
    `importing.import_rows("residents", rows, actor, dry_run)`."""
    rng = rng or random.Random(0)
    rows = []
    for i in range(n):
        born = dt.date(1930 + i % 90, 1 + i % 12, 1 + (i // 12) % 28)
        region = REGIONS[(i // 1000) % len(REGIONS)]
        rows.append(
            {
                "楼栋编码": area_codes[i % len(area_codes)],
                "房号": f"{1 + (i // len(area_codes)) // 3}室",
                "姓名": person_name(rng),
                "证件号码": make_id_number(region, born, i % 1000),
                "联系电话": f"139{i:08d}",
                "与户主关系": "户主" if (i // len(area_codes)) % 3 == 0 else "子女",
                "居住状态": rng.choice(["常住", "常住", "常住", "流动"]),
            }
        )
    return rows
