"""Generated subdistricts: grids, neighbourhoods, buildings, units and staff."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from gongzhi.accounts.models import Role, Unit, User
from gongzhi.demo.generate.bulk import bulk_write, next_id
from gongzhi.demo.generate.plan import Plan, Progress, Result
from gongzhi.territory import geo
from gongzhi.territory.models import Area

DEPARTMENTS = [
    "城管中队",
    "房管办",
    "市场监管所",
    "派出所",
    "环卫所",
    "绿化市容所",
    "环保所",
    "司法所",
    "社区事务受理中心",
]


def _square(x: float, y: float, w: float, h: float) -> dict:
    x, y, w, h = (round(v, 7) for v in (x, y, w, h))
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


@dataclass
class Leaf:
    """A place a case can be: a building, or the free part of a neighbourhood."""

    area_id: int
    name: str
    box: tuple[float, float, float, float]  # lng, lat, width, height of the free rectangle
    sub_index: int
    grid_index: int  # index in Territory.grids
    neighbourhood_index: int  # index in Territory.neighbourhoods


@dataclass
class Territory:
    subdistrict_ids: list[int] = field(default_factory=list)
    subdistrict_codes: list[str] = field(default_factory=list)
    grids: list[tuple[int, int]] = field(default_factory=list)  # (area id, sub index)
    neighbourhoods: list[tuple[int, int]] = field(default_factory=list)  # (area id, grid index)
    leaves_by_sub: list[list[Leaf]] = field(default_factory=list)
    committee_of: dict[int, int] = field(default_factory=dict)  # neighbourhood index → unit id
    station_of: dict[int, int] = field(default_factory=dict)  # grid index → unit id
    departments: list[dict[str, int]] = field(default_factory=list)  # per sub: name → unit id
    unit_names: dict[int, str] = field(default_factory=dict)
    dispatcher: list[tuple[int, str]] = field(default_factory=list)  # per sub: (user id, label)
    gridworker: dict[int, tuple[int, str]] = field(default_factory=dict)  # grid index → user
    member_of: dict[int, tuple[int, str]] = field(default_factory=dict)  # unit id → a member


def build_territory(plan: Plan, result: Result, progress: Progress) -> Territory:
    prefix = plan.prefix
    if Area.objects.filter(code__startswith=f"{prefix}-").exists():
        raise ValueError(f"区域编码前缀 {prefix}- 已被使用：请换一个 --prefix，或先清空数据库。")
    taken = {code[-3:] for code in Area.objects.filter(kind="subdistrict").values_list("code", flat=True)}
    if plan.subdistricts > 999:
        raise ValueError("最多生成 999 个街道（工单编号只含街道编码的后三位）。")
    territory = Territory()
    now = timezone.now()
    area_rows: list[tuple] = []
    unit_rows: list[tuple] = []
    next_area = next_id(Area)
    next_unit = next_id(Unit)

    def add_area(code, name, kind, parent, path_parent, depth, sub_id, boundary) -> tuple[int, str]:
        nonlocal next_area
        area_id = next_area
        next_area += 1
        path = f"{path_parent}{area_id}/"
        if kind == "subdistrict":
            sub_id = area_id
        centre = geo.centre_of(boundary) if boundary else (None, None)
        area_rows.append(
            (area_id, now, now, code, name, kind, parent, path, depth, sub_id, boundary, *centre)
        )
        return area_id, path

    def add_unit(name, kind, area_id, sub_id) -> int:
        nonlocal next_unit
        unit_id = next_unit
        next_unit += 1
        unit_rows.append((unit_id, now, now, name, kind, area_id, sub_id, "", True))
        territory.unit_names[unit_id] = name
        return unit_id

    districts = max(1, math.ceil(plan.subdistricts / plan.subdistricts_per_district))
    district_paths = []
    for d in range(districts):
        district_id, path = add_area(
            f"{prefix}-D{d + 1:02d}", f"生成{d + 1}区", "district", None, "/", 0, None, None
        )
        district_paths.append((district_id, path))
        result.districts.append(district_id)
    size, gap = 0.02, 0.004
    gx, gy = _grid_shape(plan.grids)
    n = 0
    for s in range(plan.subdistricts):
        while f"{n:03d}" in taken:
            n += 1
        code = f"{prefix}-S{n:03d}"
        n += 1
        district_id, district_path = district_paths[s // plan.subdistricts_per_district]
        col, row = s % 16, s // 16
        x0, y0 = 121.0 + col * (size + gap), 30.7 + row * (size + gap)
        sub_id, sub_path = add_area(
            code,
            f"生成{s + 1}街道",
            "subdistrict",
            district_id,
            district_path,
            1,
            None,
            _square(x0, y0, size, size),
        )
        territory.subdistrict_ids.append(sub_id)
        territory.subdistrict_codes.append(code)
        result.subdistricts.append(sub_id)
        leaves: list[Leaf] = []
        departments = {name: add_unit(name, "department", sub_id, sub_id) for name in DEPARTMENTS}
        add_unit("网格化综合管理中心", "centre", sub_id, sub_id)
        territory.departments.append(departments)
        gw, gh = size / gx, size / gy
        for g in range(plan.grids):
            gx0, gy0 = x0 + (g % gx) * gw, y0 + (g // gx) * gh
            grid_id, grid_path = add_area(
                f"{code}-G{g + 1:02d}",
                f"第{g + 1}网格",
                "grid",
                sub_id,
                sub_path,
                2,
                sub_id,
                _square(gx0, gy0, gw, gh),
            )
            grid_index = len(territory.grids)
            territory.grids.append((grid_id, s))
            territory.station_of[grid_index] = add_unit(
                f"第{g + 1}网格工作站", "grid_station", grid_id, sub_id
            )
            nw = gw / plan.neighbourhoods
            for k in range(plan.neighbourhoods):
                nx0 = gx0 + k * nw
                number = g * plan.neighbourhoods + k + 1
                nb_id, nb_path = add_area(
                    f"{code}-N{number:03d}",
                    f"第{number}居民区",
                    "neighbourhood",
                    grid_id,
                    grid_path,
                    3,
                    sub_id,
                    _square(nx0, gy0, nw, gh),
                )
                nb_index = len(territory.neighbourhoods)
                territory.neighbourhoods.append((nb_id, grid_index))
                territory.committee_of[nb_index] = add_unit(
                    f"第{number}居委会", "neighbourhood_committee", nb_id, sub_id
                )
                # Buildings in the left 60 % (two columns), the right 40 % is open ground.
                rows_ = max(1, math.ceil(plan.buildings / 2))
                bw, bh = nw * 0.6 / 2, gh / rows_
                for b in range(plan.buildings):
                    bx0, by0 = nx0 + (b % 2) * bw, gy0 + (b // 2) * bh
                    inner = (bx0 + bw * 0.1, by0 + bh * 0.1, bw * 0.8, bh * 0.8)
                    bid, _path = add_area(
                        f"{code}-N{number:03d}-B{b + 1:02d}",
                        f"{b + 1}号楼",
                        "building",
                        nb_id,
                        nb_path,
                        4,
                        sub_id,
                        _square(*inner),
                    )
                    box = (
                        inner[0] + inner[2] * 0.05,
                        inner[1] + inner[3] * 0.05,
                        inner[2] * 0.9,
                        inner[3] * 0.9,
                    )
                    leaves.append(Leaf(bid, f"第{number}居民区{b + 1}号楼", box, s, grid_index, nb_index))
                free = (nx0 + nw * 0.62, gy0 + gh * 0.02, nw * 0.36, gh * 0.96)
                leaves.append(Leaf(nb_id, f"第{number}居民区", free, s, grid_index, nb_index))
        territory.leaves_by_sub.append(leaves)
    area_cols = [
        "id",
        "created_at",
        "updated_at",
        "code",
        "name",
        "kind",
        "parent_id",
        "path",
        "depth",
        "subdistrict_id",
        "boundary",
        "centre_lat",
        "centre_lng",
    ]
    # Rows go parents first; a subdistrict points at itself (foreign keys are checked at commit).
    result.areas = bulk_write(Area, area_cols, area_rows)
    result.units = bulk_write(
        Unit,
        ["id", "created_at", "updated_at", "name", "kind", "area_id", "subdistrict_id", "phone", "active"],
        unit_rows,
    )
    progress(f"区域 {result.areas:,} 个，处置单位 {result.units:,} 个")
    _build_staff(plan, territory, result)
    progress(f"工作人员 {result.users:,} 名")
    geo.invalidate()
    return territory


def _grid_shape(grids: int) -> tuple[int, int]:
    gx = max(1, math.ceil(math.sqrt(grids * 4 / 3)))
    return gx, math.ceil(grids / gx)


def _build_staff(plan: Plan, territory: Territory, result: Result) -> None:
    password = make_password(plan.password) if plan.password else make_password(None)
    # The roles come from a migration; make sure they exist (a flushed database has none).
    groups = {role: Group.objects.get_or_create(name=role)[0].pk for role in Role.values}
    next_user = next_id(User)
    now = timezone.now()
    user_rows: list[tuple] = []
    group_rows: list[tuple] = []

    def add(username, name, role, scope_id, unit_id) -> tuple[int, str]:
        nonlocal next_user
        user_id = next_user
        next_user += 1
        user_rows.append(
            (
                user_id,
                password,
                None,
                False,
                username,
                "",
                "",
                "",
                False,
                True,
                now,
                name,
                "",
                scope_id,
                unit_id,
                None,
            )
        )
        group_rows.append((user_id, groups[role]))
        return user_id, name

    p = plan.prefix.lower()
    for s, sub_id in enumerate(territory.subdistrict_ids):
        tag = territory.subdistrict_codes[s][-3:]
        add(f"{p}{tag}-leader", f"街道{tag}书记", "leader", sub_id, None)
        add(f"{p}{tag}-auditor", f"街道{tag}纪检", "auditor", sub_id, None)
        territory.dispatcher.append(
            add(f"{p}{tag}-dispatcher", f"街道{tag}调度员", "dispatcher", sub_id, None)
        )
        for d, (name, unit_id) in enumerate(territory.departments[s].items()):
            territory.member_of[unit_id] = add(
                f"{p}{tag}-dept{d + 1}", f"{name}经办人", "handler", sub_id, unit_id
            )
    for g, (grid_id, s) in enumerate(territory.grids):
        tag = territory.subdistrict_codes[s][-3:]
        territory.gridworker[g] = add(f"{p}{tag}-grid{g + 1}", f"网格员{g + 1}", "gridworker", grid_id, None)
        station = territory.station_of[g]
        territory.member_of[station] = add(
            f"{p}{tag}-station{g + 1}", f"网格站{g + 1}", "handler", territory.subdistrict_ids[s], station
        )
    for k, (nb_id, g) in enumerate(territory.neighbourhoods):
        tag = territory.subdistrict_codes[territory.grids[g][1]][-3:]
        committee = territory.committee_of[k]
        territory.member_of[committee] = add(
            f"{p}{tag}-nb{k + 1}", f"居委书记{k + 1}", "neighbourhood", nb_id, committee
        )
    cols = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "display_name",
        "phone",
        "scope_id",
        "unit_id",
        "password_changed_at",
    ]
    result.users = bulk_write(User, cols, user_rows)
    bulk_write(User.groups.through, ["user_id", "group_id"], group_rows)
