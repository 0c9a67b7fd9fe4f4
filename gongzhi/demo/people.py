"""The demo's handling units and staff accounts. Department names are the `default_unit_name`s
of `cases/data/categories.csv`, so a category's default unit is found in every subdistrict."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role, Unit, UnitKind, User
from gongzhi.core.errors import DomainError
from gongzhi.demo.territory import Territory
from gongzhi.territory.models import Area

# One password for every demo account: public, printed, documented. Never use it in production.
DEMO_PASSWORD = "Gongzhi-demo-2026"

CENTRE = "网格化综合管理中心"

# name -> login prefix (with the subdistrict's suffix), in the order they are listed
DEPARTMENTS: dict[str, str] = {
    "城管中队": "handler",
    "房管办": "fangguan",
    "市场监管所": "shichang",
    "派出所": "paichusuo",
    "绿化市容所": "lvhua",
    "社区事务受理服务中心": "shouli",
    "社区管理办": "guanli",
    "社区服务办": "fuwu",
    "社区平安办": "pingan",
    "社区自治办": "zizhi",
    "党建办": "dangjian",
    "党政办": "dangzheng",
    "营商办": "yingshang",
    "司法所": "sifa",
    "社区卫生服务中心": "weisheng",
    "社区文化活动中心": "wenhua",
    "纪工委": "jigongwei",
}

PROPERTY_MANAGERS = {
    "huayang_road": ["长宁房屋物业公司", "华阳物业服务公司"],
    "hunan_road": ["徐房物业公司", "衡复物业服务公司"],
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁沈姚卢陆顾"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰红梅志文斌鑫宇浩晨雯倩婷琳佳慧俊峰海燕"


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def office_phone(rng: random.Random) -> str:
    return f"021-{rng.choice('56')}{rng.randint(1000000, 9999999)}"


@dataclass
class Staff:
    """Who works where in one subdistrict."""

    centre: Unit
    departments: dict[str, Unit] = field(default_factory=dict)
    committees: dict[int, Unit] = field(default_factory=dict)  # neighbourhood area id -> committee
    stations: dict[int, Unit] = field(default_factory=dict)  # grid area id -> station
    property_managers: list[Unit] = field(default_factory=list)
    admin: User | None = None
    secadmin: User | None = None
    auditadmin: User | None = None
    auditor: User | None = None
    leader: User | None = None
    dispatcher: User | None = None
    members: dict[int, User] = field(default_factory=dict)  # unit id -> the unit's account
    gridworkers: dict[int, User] = field(default_factory=dict)  # grid area id -> grid worker
    neighbourhood_users: dict[int, User] = field(default_factory=dict)  # neighbourhood id -> user
    main: list[User] = field(default_factory=list)  # one account per role, for the table
    everyone: list[User] = field(default_factory=list)


class Accounts:
    """Creates accounts that all share the demo password (hashed once: hashing is slow on purpose)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        validate_password(DEMO_PASSWORD)
        self.hashed = make_password(DEMO_PASSWORD)
        self.groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}

    def make(
        self, username: str, *, role: str, scope: Area, unit: Unit | None = None, name: str = ""
    ) -> User:
        if User.objects.filter(username=username).exists():
            raise DomainError(
                _("用户名“%(username)s”已被占用：演示账号只能建在没有这些账号的数据库里。")
                % {"username": username}
            )
        user = User(
            username=username,
            password=self.hashed,
            display_name=name or person_name(self.rng),
            phone=f"13{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}",
            scope=scope,
            unit=unit,
            is_staff=role == Role.ADMIN,
        )
        user.save()
        user.groups.set([self.groups[role]])
        return user


def build(territory: Territory, accounts: Accounts) -> Staff:
    rng = accounts.rng
    spec, subdistrict = territory.spec, territory.subdistrict
    sfx = spec.suffix

    def unit(name: str, kind: str, area: Area) -> Unit:
        return Unit.objects.create(name=name, kind=kind, area=area, phone=office_phone(rng))

    staff = Staff(centre=unit(CENTRE, UnitKind.CENTRE, subdistrict))
    for name in DEPARTMENTS:
        staff.departments[name] = unit(name, UnitKind.DEPARTMENT, subdistrict)
    for grid in territory.grids:
        staff.stations[grid.area.pk] = unit(f"{grid.area.name}工作站", UnitKind.GRID_STATION, grid.area)
        for neighbourhood in grid.neighbourhoods:
            staff.committees[neighbourhood.area.pk] = unit(
                neighbourhood.area.name, UnitKind.NEIGHBOURHOOD_COMMITTEE, neighbourhood.area
            )
    staff.property_managers = [
        unit(name, UnitKind.PROPERTY_MANAGER, subdistrict) for name in PROPERTY_MANAGERS[spec.key]
    ]

    make = accounts.make
    staff.admin = make(f"admin{sfx}", role=Role.ADMIN, scope=subdistrict, name=f"{spec.short}系统管理员")
    staff.secadmin = make(
        f"secadmin{sfx}", role=Role.SECURITY_ADMIN, scope=subdistrict, name=f"{spec.short}安全管理员"
    )
    staff.auditadmin = make(
        f"auditadmin{sfx}", role=Role.AUDIT_ADMIN, scope=subdistrict, name=f"{spec.short}安全审计员"
    )
    staff.auditor = make(f"auditor{sfx}", role=Role.AUDITOR, scope=subdistrict)
    staff.leader = make(f"leader{sfx}", role=Role.LEADER, scope=subdistrict)
    staff.dispatcher = make(f"dispatcher{sfx}", role=Role.DISPATCHER, scope=subdistrict, unit=staff.centre)
    staff.members[staff.centre.pk] = make(
        f"zhongxin{sfx}", role=Role.HANDLER, scope=subdistrict, unit=staff.centre
    )
    for name, prefix in DEPARTMENTS.items():
        department = staff.departments[name]
        staff.members[department.pk] = make(
            f"{prefix}{sfx}", role=Role.HANDLER, scope=subdistrict, unit=department
        )
    for index, manager in enumerate(staff.property_managers, start=1):
        staff.members[manager.pk] = make(
            f"wuye{index}{sfx}", role=Role.HANDLER, scope=subdistrict, unit=manager
        )
    first_neighbourhood = territory.neighbourhoods[0]
    for grid in territory.grids:
        station = staff.stations[grid.area.pk]
        number = "" if grid.ordinal == 1 else str(grid.ordinal)
        staff.members[station.pk] = make(
            f"zhan{grid.ordinal}{sfx}", role=Role.HANDLER, scope=subdistrict, unit=station
        )
        staff.gridworkers[grid.area.pk] = make(f"wangge{number}{sfx}", role=Role.GRIDWORKER, scope=grid.area)
        for neighbourhood in grid.neighbourhoods:
            committee = staff.committees[neighbourhood.area.pk]
            username = (
                f"juwei{sfx}" if neighbourhood is first_neighbourhood else f"juwei_{neighbourhood.slug}"
            )
            user = make(username, role=Role.NEIGHBOURHOOD, scope=neighbourhood.area, unit=committee)
            staff.members[committee.pk] = user
            staff.neighbourhood_users[neighbourhood.area.pk] = user
    first_grid = territory.grids[0]
    staff.main = [
        staff.admin,
        staff.secadmin,
        staff.auditadmin,
        staff.auditor,
        staff.leader,
        staff.dispatcher,
        staff.members[staff.departments["城管中队"].pk],
        staff.neighbourhood_users[first_neighbourhood.area.pk],
        staff.gridworkers[first_grid.area.pk],
    ]
    staff.everyone = list(User.objects.filter(scope__path__startswith=subdistrict.path).order_by("pk"))
    return staff
