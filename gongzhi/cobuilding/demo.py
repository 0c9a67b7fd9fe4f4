"""Demo co-building: party organisations (the four 凝聚力党支部 in the first subdistrict) and their
coverage of the 两新 units with realistic gaps, 28 pairings of units with neighbourhoods,
alliances, resource / need / project lists with claims, and the courier map's friendly merchants
and stations with real-looking hours. Runs after the registry and visits demos."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cobuilding.coverage import NEW_SECTOR_KINDS
from gongzhi.cobuilding.models import BranchLevel, CoverageMode, PartyBranch
from gongzhi.cobuilding.services import lists, network, places
from gongzhi.core.errors import DomainError
from gongzhi.registry import services as registry
from gongzhi.registry.models import Organization, OrganizationKind
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import area_at

PAIRINGS = 28
COHESION = ["楼宇凝聚力党支部", "商圈凝聚力党支部", "沿街商铺凝聚力党支部", "新就业群体凝聚力党支部"]
RESOURCES = [
    ("elderly", "为独居老人送午餐", "每天中午送餐上门，荤素搭配", 20, "份/天", "独居、高龄老人"),
    ("health", "义诊与健康讲座", "每月一次社区义诊，测血压血糖", 12, "次", "社区居民"),
    ("legal", "法律咨询", "律师每周三下午驻点咨询", 40, "小时", "居民、商户"),
    ("venue", "会议室借用", "周末可借用 30 人会议室", 24, "次", "居民区、社会组织"),
    ("employment", "招聘岗位信息", "收银、理货、配送岗位", 15, "个岗位", "就业困难人员"),
    ("volunteer", "员工志愿服务队", "每月组织一次环境整治志愿活动", 10, "次", "居民区"),
    ("culture", "少儿编程课", "暑期公益编程课", 30, "人", "社区儿童"),
    ("goods", "防暑降温物资", "矿泉水、藿香正气水", 200, "份", "户外劳动者"),
]
NEEDS = [
    ("elderly", "独居老人助餐", "8 位独居高龄老人需要每天送餐", 8, 3, 8),
    ("health", "老年人健康体检", "居民区 60 岁以上老人年度体检", 2, 2, 120),
    ("legal", "物业纠纷法律咨询", "小区物业费纠纷，居民需要法律意见", 6, 2, 30),
    ("venue", "居民议事会场地", "每月议事会需要 30 人场地", 12, 1, 30),
    ("children", "暑期托管", "双职工家庭暑期孩子无人照看", 20, 3, 20),
    ("employment", "就业困难人员岗位", "居民区登记 5 名就业困难人员", 5, 2, 5),
    ("environment", "背街小巷环境整治", "沿街堆物、乱停车需要共同整治", 4, 1, 300),
    ("goods", "骑手夏季防暑物资", "辖区外卖骑手夏季防暑需求", 150, 3, 150),
]
PLACES = [
    ("merchant", "宜德饭堂", "Mo-Su 06:30-20:30", ["water", "toilet", "microwave", "meal_discount", "rest"]),
    ("merchant", "鼎福记", "Mo-Su 07:00-21:00; PH 09:00-18:00", ["water", "microwave", "charging"]),
    ("meal", "社区长者食堂", "Mo-Fr 10:30-13:30,16:30-19:00; PH off", ["water", "meal_discount", "rest"]),
    (
        "station",
        "慈善驿站",
        "Mo-Su 08:00-20:00",
        ["water", "toilet", "microwave", "charging", "rest", "first_aid"],
    ),
    (
        "station",
        "暖新巢（中山公园商圈）",
        "24/7",
        ["water", "toilet", "microwave", "charging", "rest", "air_conditioning", "wifi"],
    ),
    (
        "relay",
        "户外职工爱心接力站",
        "Mo-Fr 08:30-17:30",
        ["water", "microwave", "fridge", "air_conditioning", "rest"],
    ),
    ("merchant", "全家便利店", "24/7", ["water", "microwave", "charging", "umbrella"]),
    ("merchant", "好德便利店", "24/7", ["water", "microwave"]),
    ("merchant", "老盛昌汤包", "Mo-Su 06:00-14:00", ["water", "toilet"]),
    ("merchant", "巴比馒头", "Mo-Su 05:30-13:00", ["water"]),
    ("merchant", "一点点奶茶", "Mo-Su 10:00-22:00", ["water", "charging"]),
    ("charging", "小哥换电柜", "24/7", ["battery_swap", "charging"]),
    ("toilet", "公共厕所", "Mo-Su 05:00-23:00", ["toilet"]),
    ("water", "直饮水点", "24/7", ["water"]),
    ("rest", "街心花园休息座椅", "24/7", ["rest"]),
    ("parking", "骑手临时停车点", "24/7", []),
]


# More 两新 units of the kind that line Changning's and Xuhui's streets (the merchants also run
# map places), so that coverage has realistic gaps.
MORE_UNITS = [
    (
        OrganizationKind.SHOP,
        [
            "宜德饭堂",
            "鼎福记",
            "老盛昌汤包",
            "巴比馒头",
            "全家便利店",
            "好德便利店",
            "一点点奶茶",
            "罗森便利店",
            "钱大妈生鲜",
            "瑞幸咖啡",
        ],
    ),
    (
        OrganizationKind.ENTERPRISE,
        [
            "数智信息科技有限公司",
            "文化传媒有限公司",
            "即时配送站点",
            "建筑设计事务所",
            "人力资源服务有限公司",
            "律师事务所",
        ],
    ),
    (OrganizationKind.SOCIAL_ORGANIZATION, ["社区睦邻服务中心", "乐龄志愿服务社", "青年创客空间"]),
]


def _more_units(rng: random.Random, subdistrict: Area) -> None:
    neighbourhoods = list(
        Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.NEIGHBOURHOOD).order_by(
            "code", "name"
        )
    )
    if not neighbourhoods:
        return
    prefix = subdistrict.name[:3]
    for kind, names in MORE_UNITS:
        for name in names:
            nb = rng.choice(neighbourhoods)
            registry.create_organization(
                actor=None,
                area=nb,
                data={
                    "name": name if kind == OrganizationKind.SHOP else f"上海{prefix}{name}",
                    "kind": kind,
                    "address": f"{prefix}{rng.randrange(1, 900)}号",
                    "lat": nb.centre_lat,
                    "lng": nb.centre_lng,
                    "employees": rng.choice([3, 5, 8, 12, 30, 60]),
                },
            )


def _leader(subdistrict: Area) -> User | None:
    return (
        User.objects.filter(is_active=True, scope=subdistrict, groups__name="leader").order_by("pk").first()
    )


def _point_in(area: Area, rng: random.Random) -> tuple[float, float] | None:
    if area.centre_lat is None or area.centre_lng is None:
        return None
    for _i in range(6):
        lat = area.centre_lat + rng.uniform(-0.0012, 0.0012)
        lng = area.centre_lng + rng.uniform(-0.0012, 0.0012)
        found = area_at(lat, lng)
        if found is not None and found.path.startswith(area.path):
            return lat, lng
    return area.centre_lat, area.centre_lng


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    today = timezone.localdate()
    pairings_left = PAIRINGS
    for index, subdistrict in enumerate(subdistricts):
        leader = _leader(subdistrict)
        if leader is None:
            continue
        share = pairings_left if index == len(subdistricts) - 1 else PAIRINGS // len(subdistricts)
        if PartyBranch.objects.filter(subdistrict=subdistrict).exists():
            # A second run (the query walk grows the demo): the party network stays as it is (one
            # branch per party organisation), its needs, resources and places grow.
            made = {"branches": 0, "covered": 0, "units": 0, "pairings": 0}
        else:
            _more_units(rng, subdistrict)
            made = _network(rng, subdistrict, leader, today, pairings=share, cohesion=index == 0)
        pairings_left -= made["pairings"]
        made |= _lists(rng, subdistrict, leader, today)
        made |= _places(rng, subdistrict, leader, today, first=index == 0)
        if stdout:
            stdout.write(
                f"cobuilding: {subdistrict.name} 党组织 {made['branches']} 个，覆盖 {made['covered']}/{made['units']} 家两新单位，"
                f"结对 {made['pairings']} 对，需求 {made['needs']} 条，资源 {made['resources']} 项，服务点 {made['places']} 个\n"
            )


def _network(rng, subdistrict, leader, today, *, pairings: int, cohesion: bool) -> dict:
    parties = list(
        Organization.objects.filter(
            subdistrict=subdistrict, kind=OrganizationKind.PARTY_ORGANIZATION
        ).order_by("pk")
    )
    top_org = registry.create_organization(
        actor=None,
        area=subdistrict,
        data={"name": f"{subdistrict.name}两新组织综合党委", "kind": OrganizationKind.PARTY_ORGANIZATION},
    )
    top = PartyBranch.objects.create(
        subdistrict=subdistrict,
        area=subdistrict,
        organization=top_org,
        level=BranchLevel.COMMITTEE,
        secretary="王建华",
        members=0,
    )
    by_org = {}
    for org in parties:
        by_org[org.pk] = network.register_branch(
            actor=leader,
            organization=org,
            level=BranchLevel.GENERAL_BRANCH,
            parent=top,
            members=rng.randrange(30, 180),
        )
    cohesion_branches = []
    grids = list(
        Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.GRID).order_by("code", "name")
    )
    if cohesion and grids:
        for i, name in enumerate(COHESION):
            grid = grids[i % len(grids)]
            org = registry.create_organization(
                actor=None,
                area=grid,
                data={"name": f"{grid.name}{name}", "kind": OrganizationKind.PARTY_ORGANIZATION},
            )
            cohesion_branches.append(
                network.register_branch(
                    actor=leader,
                    organization=org,
                    level=BranchLevel.COHESION_BRANCH,
                    parent=top,
                    members=rng.randrange(8, 30),
                )
            )
    units = list(
        Organization.objects.filter(subdistrict=subdistrict, kind__in=NEW_SECTOR_KINDS).order_by("pk")
    )
    covered = 0
    for unit in units:
        start = today - dt.timedelta(days=rng.randrange(60, 900))
        branch, mode = None, None
        if unit.party_organization_id in by_org:
            branch, mode = (
                by_org[unit.party_organization_id],
                rng.choice([CoverageMode.OWN, CoverageMode.JOINT]),
            )
        elif cohesion_branches and rng.random() < 0.45:
            fitting = [
                b for b in cohesion_branches if unit.area.path.startswith(b.area.path)
            ] or cohesion_branches
            branch, mode = rng.choice(fitting), CoverageMode.AREA
        elif rng.random() < 0.15 and by_org:
            branch, mode = rng.choice(list(by_org.values())), CoverageMode.WORK
        if branch is None:
            continue  # a realistic gap: not yet covered
        network.cover_unit(actor=leader, unit=unit, branch=branch, mode=mode, started_on=start)
        covered += 1
    neighbourhoods = list(
        Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.NEIGHBOURHOOD).order_by(
            "code", "name"
        )
    )
    party_of = {org.area_id: org for org in parties}
    made = 0
    candidates = units[:]
    rng.shuffle(candidates)
    attempts = 0
    while made < pairings and candidates and neighbourhoods and attempts < pairings * 4:
        attempts += 1
        unit = candidates[attempts % len(candidates)]
        nb = neighbourhoods[attempts % len(neighbourhoods)]
        starts = today - dt.timedelta(days=rng.randrange(30, 500))
        try:
            pairing = network.create_pairing(
                actor=leader,
                unit=unit,
                neighbourhood=nb,
                starts_on=starts,
                ends_on=starts + dt.timedelta(days=730),
                plan="每季度开展一次助老、环境或便民服务活动；每年共同完成一个实事项目。",
                neighbourhood_party=party_of.get(nb.pk),
            )
        except DomainError:
            continue
        made += 1
        for k in range(rng.randrange(0, 4)):
            held = starts + dt.timedelta(days=30 + 60 * k)
            if held <= today:
                network.record_activity(
                    actor=leader,
                    pairing=pairing,
                    held_on=held,
                    title=rng.choice(["助老理发", "楼道清洁", "义诊进社区", "党课共学", "骑手关爱"]),
                    participants=rng.randrange(8, 40),
                )
        if starts.year < today.year and rng.random() < 0.7:
            network.evaluate_pairing(
                actor=leader, pairing=pairing, year=starts.year, score=rng.randrange(75, 98)
            )
    alliance = network.create_alliance(
        actor=leader,
        area=subdistrict,
        name=f"{subdistrict.name[:3]}金色梧桐养老服务联盟",
        theme="elderly_care",
        founded_on=today - dt.timedelta(days=400),
    )
    night = network.create_alliance(
        actor=leader,
        area=subdistrict,
        name=f"{subdistrict.name[:3]}夜间经济联盟",
        theme="night_economy",
        founded_on=today - dt.timedelta(days=200),
    )
    for i, unit in enumerate(units):
        target = alliance if unit.kind != OrganizationKind.SHOP else night
        network.add_member(
            actor=leader,
            alliance=target,
            organization=unit,
            role="lead" if i < 2 else "member",
            joined_on=target.founded_on + dt.timedelta(days=rng.randrange(0, 60)),
        )
    return {
        "branches": len(by_org) + len(cohesion_branches) + 1,
        "covered": covered,
        "units": len(units),
        "pairings": made,
    }


def _lists(rng, subdistrict, leader, today) -> dict:
    units = list(
        Organization.objects.filter(subdistrict=subdistrict, kind__in=NEW_SECTOR_KINDS).order_by("pk")
    )
    neighbourhoods = list(Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.NEIGHBOURHOOD))
    if not units or not neighbourhoods:
        return {"needs": 0, "resources": 0}
    resources = []
    for category, title, description, capacity, unit_label, for_whom in RESOURCES:
        owner = rng.choice(units)
        resources.append(
            lists.offer_resource(
                actor=leader,
                organization=owner,
                category=category,
                title=title,
                description=description,
                capacity=capacity,
                capacity_unit=unit_label,
                for_whom=for_whom,
                area=owner.area,
                available_until=today + dt.timedelta(days=rng.randrange(60, 300)),
            )
        )
    needs = []
    for category, title, description, quantity, urgency, beneficiaries in NEEDS:
        nb = rng.choice(neighbourhoods)
        needs.append(
            lists.raise_need(
                actor=leader,
                area=nb,
                category=category,
                title=f"{nb.name}{title}",
                description=description,
                quantity=quantity,
                urgency=urgency,
                beneficiaries=beneficiaries,
                due_on=today + dt.timedelta(days=rng.randrange(20, 120)),
                group=rng.choice(["", "老年协会", "骑手之家"]),
            )
        )
    # Claims: the matching resource's owner claims part or all of some needs.
    for need in needs[:5]:
        fitting = [r for r in resources if r.category == need.category and r.remaining > 0]
        if not fitting:
            continue
        resource = fitting[0]
        quantity = min(need.quantity, resource.remaining, max(1, need.quantity // rng.choice([1, 2])))
        lists.claim_need(
            actor=leader, need=need, organization=resource.organization, quantity=quantity, resource=resource
        )
    delivered = needs[0]
    delivered.refresh_from_db()
    if delivered.state in ("claimed", "partly_claimed"):
        lists.deliver_need(actor=leader, need=delivered, result="已连续送餐，老人满意")
        lists.evaluate_need(actor=leader, need=delivered, score=5)
    lead = rng.choice(units)
    project = lists.create_project(
        actor=leader,
        area=subdistrict,
        title="“家门口”为老服务项目",
        lead=lead,
        partners=rng.sample(units, min(3, len(units))),
        needs=[needs[1]],
        resources=[resources[1]],
        tags=["供需共商", "项目共建", "难题共解"],
        budget=30000,
        starts_on=today - dt.timedelta(days=90),
        ends_on=today + dt.timedelta(days=180),
        description="义诊、体检、健康讲座三合一",
    )
    lists.sign_project(actor=leader, project=project)
    lists.start_project(actor=leader, project=project)
    lists.update_progress(actor=leader, project=project, progress=rng.randrange(30, 80))
    done = lists.create_project(
        actor=leader,
        area=subdistrict,
        title="背街小巷美化",
        lead=rng.choice(units),
        needs=[needs[6]],
        tags=["资源共享", "发展共促"],
        budget=8000,
        starts_on=today - dt.timedelta(days=200),
        ends_on=today - dt.timedelta(days=20),
    )
    for step in (lists.sign_project, lists.start_project):
        step(actor=leader, project=done)
    lists.complete_project(actor=leader, project=done, result="整治背街 3 条，清理堆物 12 处")
    lists.evaluate_project(actor=leader, project=done, score=90)
    return {"needs": len(needs), "resources": len(resources)}


def _places(rng, subdistrict, leader, today, *, first: bool) -> dict:
    estates = list(
        Area.objects.filter(
            path__startswith=subdistrict.path, kind__in=[AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE]
        )
        .exclude(centre_lat=None)
        .order_by("code", "name")
    )
    if not estates:
        return {"places": 0}
    shops = list(
        Organization.objects.filter(subdistrict=subdistrict, kind=OrganizationKind.SHOP).order_by("pk")
    )
    chosen = PLACES if first else PLACES[3:4] + PLACES[6:12] + PLACES[13:]
    made = 0
    for i, (kind, name, opening, amenities) in enumerate(chosen):
        area = estates[(i * 7) % len(estates)]
        point = _point_in(area, rng)
        if point is None:
            continue
        named = [shop for shop in shops if shop.name == name]
        operator = (
            (named or shops[i % len(shops) :][:1] or [None])[0]
            if kind in ("merchant", "meal") and shops
            else None
        )
        try:
            place = places.nominate_place(
                actor=leader,
                kind=kind,
                name=name if first else f"{name}（{subdistrict.name[:3]}）",
                lat=point[0],
                lng=point[1],
                address=f"{area.name}{rng.randrange(1, 400)}号",
                opening_hours=opening,
                amenities=amenities,
                operator=operator,
                description="欢迎快递小哥、外卖骑手歇脚" if kind in ("merchant", "station") else "",
            )
        except DomainError:
            continue
        made += 1
        if i % 9 == 8:
            continue  # still nominated, waiting for the on-site check
        now = timezone.now() - dt.timedelta(days=rng.randrange(5, 100))
        places.verify_place(actor=leader, place=place, note="实地核验：设施齐全", now=now)
        places.publish_place(actor=leader, place=place)
        if kind == "merchant":
            places.pledge(actor=leader, place=place, offers=amenities or ["water"], pledged_on=now.date())
    return {"places": made}
