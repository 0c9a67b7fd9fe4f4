"""A small world for tests: two subdistricts with grids, neighbourhoods and units, a staff member
for every role in each, and categories. Used by the fixtures in conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from gongzhi.accounts.models import Role, Unit, User
from gongzhi.cases.models import Category
from gongzhi.territory.models import Area
from gongzhi.territory.services import create_area

PASSWORD = "Test-password-2026"


def square(lng: float, lat: float, size: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


@dataclass
class Side:
    """One subdistrict and what lives in it."""

    subdistrict: Area
    grid: Area
    neighbourhood: Area
    other_neighbourhood: Area
    estate: Area
    committee: Unit
    other_committee: Unit
    grid_station: Unit
    department: Unit
    users: dict[str, User] = field(default_factory=dict)
    admins: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    district: Area
    a: Side
    b: Side
    category: Category
    parent_category: Category
    admin: User


def make_user(
    username: str, *, roles: list[str], scope: Area | None, unit: Unit | None = None, name: str = ""
) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, scope=scope, unit=unit, display_name=name or username
    )
    # Transactional tests flush the roles the migration made, so make sure they exist.
    user.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
    return user


def _side(prefix: str, district: Area, lng: float, lat: float) -> Side:
    sub = create_area(
        code=f"{prefix}",
        name=f"{prefix}街道",
        kind="subdistrict",
        parent=district,
        boundary=square(lng, lat, 0.02),
    )
    grid = create_area(
        code=f"{prefix}-G1",
        name=f"{prefix}第一网格",
        kind="grid",
        parent=sub,
        boundary=square(lng, lat, 0.01),
    )
    grid2 = create_area(
        code=f"{prefix}-G2",
        name=f"{prefix}第二网格",
        kind="grid",
        parent=sub,
        boundary=square(lng + 0.01, lat, 0.01),
    )
    nb = create_area(
        code=f"{prefix}-N1",
        name=f"{prefix}一居",
        kind="neighbourhood",
        parent=grid,
        boundary=square(lng, lat, 0.005),
    )
    nb2 = create_area(
        code=f"{prefix}-N2",
        name=f"{prefix}二居",
        kind="neighbourhood",
        parent=grid2,
        boundary=square(lng + 0.01, lat, 0.005),
    )
    estate = create_area(
        code=f"{prefix}-E1", name=f"{prefix}小区", kind="estate", parent=nb, boundary=square(lng, lat, 0.002)
    )
    committee = Unit.objects.create(name=f"{prefix}一居委", kind="neighbourhood_committee", area=nb)
    other = Unit.objects.create(name=f"{prefix}二居委", kind="neighbourhood_committee", area=nb2)
    station = Unit.objects.create(name=f"{prefix}网格工作站", kind="grid_station", area=grid)
    dept = Unit.objects.create(name=f"{prefix}城管中队", kind="department", area=sub)
    side = Side(sub, grid, nb, nb2, estate, committee, other, station, dept)
    p = prefix.lower()
    side.users = {
        "auditor": make_user(f"{p}_auditor", roles=[Role.AUDITOR], scope=sub),
        "leader": make_user(f"{p}_leader", roles=[Role.LEADER], scope=sub),
        "dispatcher": make_user(f"{p}_dispatcher", roles=[Role.DISPATCHER], scope=sub),
        "handler": make_user(f"{p}_handler", roles=[Role.HANDLER], scope=sub, unit=dept),
        "neighbourhood": make_user(
            f"{p}_neighbourhood", roles=[Role.NEIGHBOURHOOD], scope=nb, unit=committee
        ),
        "gridworker": make_user(f"{p}_gridworker", roles=[Role.GRIDWORKER], scope=grid),
        "station": make_user(f"{p}_station", roles=[Role.HANDLER], scope=sub, unit=station),
    }
    # 三员分立: the subdistrict's system, security and audit administrators (docs/security.md),
    # apart from `users` so the apps' role matrices over `users` keep their meaning.
    side.admins = {
        "sysadmin": make_user(f"{p}_sysadmin", roles=[Role.ADMIN], scope=sub),
        "secadmin": make_user(f"{p}_secadmin", roles=[Role.SECURITY_ADMIN], scope=sub),
        "auditadmin": make_user(f"{p}_auditadmin", roles=[Role.AUDIT_ADMIN], scope=sub),
    }
    return side


def build_world() -> World:
    district = create_area(code="D1", name="测试区", kind="district")
    a = _side("A", district, 121.40, 31.20)
    b = _side("B", district, 121.50, 31.20)
    top = Category.objects.create(code="01", name="市容环境")
    leaf = Category.objects.create(
        code="0101",
        name="飞线充电",
        parent=top,
        default_unit_name="A城管中队",
        response_hours=4,
        reply_days=3,
        close_days=5,
    )
    admin = make_user("sysadmin", roles=[Role.ADMIN], scope=district)
    return World(district=district, a=a, b=b, category=leaf, parent_category=top, admin=admin)
