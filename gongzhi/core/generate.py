"""Synthetic data at scale for benchmarks and trials: `gongzhi generate`.

It writes in bulk (COPY on PostgreSQL, executemany on SQLite, in large transactions) and never
goes through the per-case services, which would take hours at millions of cases. The rows keep
the invariants the services keep, so that every page, selector, metric and the sweep treat them
like real cases:

Territory
  - `Area.path` is the chain of ancestor ids, `depth` the level, `subdistrict` the subdistrict
    (itself for a subdistrict); outlines are valid GeoJSON squares, children inside their parent,
    siblings not overlapping. Buildings fill part of a neighbourhood; the rest of the
    neighbourhood is free of buildings, so `geo.area_id_at(case.lat, case.lng) == case.area_id`
    for every generated case (the deepest outline containing the point).
  - `Unit.subdistrict` = its area's subdistrict; unit names are unique in a subdistrict.
Cases
  - `subdistrict_id` = the area's subdistrict; `number` is what `_next_number` would give (day,
    last three characters of the subdistrict code, per-day counter), and `CaseCounter` holds the
    last number used so that the services continue the sequence without collisions.
  - The timeline follows `transitions.TRANSITIONS`: each event's `from_status` is the previous
    event's `to_status`, the first is `report` ("" → reported), the last ends in `case.status`;
    `seq` runs 1..n; times never go backwards; `version` = number of events − 1.
  - Deadlines are the services' deadlines (`deadlines.limits_for` per category and tier, working
    time on the official calendar, computed by `WorkingTime`, which the tests check against
    `calendar.add_working_hours`); `next_due` = `deadlines.next_due_of(case)`.
  - The sweep is replayed: whenever a deadline passes before the next step (or before now), a
    handling case below tier 3 is escalated automatically ("系统"), any other open case gets one
    `overdue` event and `overdue=True`; so running `gongzhi sweep` afterwards finds nothing to do
    for past deadlines.
  - responded_at = first accept/assign/reject; replied_at/reply_text, verified_at, closed_at,
    rating/solved/rated_at are set exactly when the matching events exist (and cleared on reopen
    as `_reopen` does); an unsatisfied rating reopens the case (`reopen_count`).
  - assigned_unit: the neighbourhood committee at tier 1, the grid station at tier 2, the
    category's department (else any department) at tier 3 — always of the case's subdistrict.
Not generated (yet): consultations, merges, suspensions, attachments, messages to reporters,
residents (hook `generate_residents`, waiting for the registry models).

Ids are allocated here (max + 1) so that children can point at parents without a round trip;
run it on a database nobody else is writing to, then sequences are reset.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import deadlines, transitions
from gongzhi.cases.models import Action, Case, CaseCounter, CaseEvent, Category, Rating, Status, Tier
from gongzhi.core import calendar
from gongzhi.territory import geo
from gongzhi.territory.models import Area

UTC = dt.UTC

# ----------------------------------------------------------------------------- category mix

# First-level shares measured on ../shared/data/messages/labelled.csv (2,487 labelled citizen
# messages; counted once, copied here because the product never reads ../shared at run time).
LABELLED_MIX = {
    "城乡建设": 541,
    "劳动和社会保障": 538,
    "教育文体": 426,
    "商贸旅游": 325,
    "卫生计生": 255,
    "环境保护": 247,
    "交通运输": 155,
}

# The built-in two-level tree used when the database has no categories. Second-level names follow
# the government taxonomy (../shared/data/messages/taxonomy.csv); each leaf carries a few title
# patterns ({place} is replaced by the location) and the department that usually handles it.
BUILTIN_TREE: dict[str, list[tuple[str, str, list[str]]]] = {
    "城乡建设": [
        (
            "安全隐患",
            "城管中队",
            ["{place}楼道堆放杂物存在消防隐患", "{place}电动车飞线充电", "{place}外墙瓷砖脱落"],
        ),
        (
            "小区管理",
            "房管办",
            ["{place}物业不作为，垃圾无人清运", "{place}电梯经常故障", "{place}地下车库漏水"],
        ),
        ("城管执法", "城管中队", ["{place}违章搭建", "{place}占道经营", "{place}夜间施工扰民"]),
        ("市政设施", "城管中队", ["{place}路灯不亮", "{place}窨井盖破损", "{place}人行道地砖松动"]),
    ],
    "劳动和社会保障": [
        ("劳动纠纷", "司法所", ["{place}附近工地拖欠工资", "{place}商户未签劳动合同"]),
        ("社会保险", "社区事务受理中心", ["{place}居民咨询医保转移", "{place}居民养老金发放问题"]),
        ("社会救助", "社区事务受理中心", ["{place}独居老人需要帮扶", "{place}困难家庭申请救助"]),
    ],
    "教育文体": [
        ("教育", "社区事务受理中心", ["{place}附近学校门口交通拥堵", "{place}校外培训机构扰民"]),
        ("文体设施", "绿化市容所", ["{place}健身器材损坏", "{place}广场舞噪音扰民"]),
    ],
    "商贸旅游": [
        ("市场监管", "市场监管所", ["{place}商户价格欺诈", "{place}餐饮店油烟扰民", "{place}无证经营"]),
        ("消费维权", "市场监管所", ["{place}预付卡商家跑路", "{place}超市出售过期食品"]),
    ],
    "卫生计生": [
        ("公共卫生", "环卫所", ["{place}鼠害严重", "{place}垃圾房异味", "{place}蚊虫滋生"]),
        ("医疗服务", "社区事务受理中心", ["{place}社区卫生服务站排队时间长", "{place}家庭医生签约咨询"]),
    ],
    "环境保护": [
        ("噪声污染", "环保所", ["{place}空调外机噪音", "{place}酒吧夜间噪音"]),
        ("环境卫生", "环卫所", ["{place}垃圾分类桶满溢", "{place}绿化带积存垃圾", "{place}犬只粪便无人清理"]),
        ("绿化", "绿化市容所", ["{place}树木遮挡采光", "{place}绿化被毁种菜"]),
    ],
    "交通运输": [
        ("停车管理", "派出所", ["{place}机动车乱停放", "{place}共享单车堆积", "{place}占用消防通道停车"]),
        ("道路交通", "派出所", ["{place}路口信号灯故障", "{place}公交站台破损"]),
    ],
}
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
DETAILS = [
    "已经持续一段时间，多次向物业反映未果，希望有关部门尽快处理。",
    "影响居民正常生活，老人和孩子出行不便，请求上门查看。",
    "周边居民意见很大，存在安全隐患，恳请尽快解决。",
    "昨天晚上又出现了，拍了照片，请网格员来现场看一下。",
    "希望相关部门重视，给居民一个答复。",
]
REPLIES = [
    "已现场查看并处置完毕，已与反映人沟通。",
    "已联系物业整改，整改完成并复查。",
    "已责令当事人限期整改，现已整改到位。",
    "已协调相关部门处理，问题已解决。",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
SOURCES = [("hotline", 45), ("web", 20), ("patrol", 20), ("visit", 10), ("listening", 3), ("suggestion", 2)]


# ----------------------------------------------------------------------------- plan and result


@dataclass
class Plan:
    subdistricts: int = 2
    cases: int = 1000
    residents: int = 0
    years: float = 5.0
    seed: int = 1
    grids: int = 12  # per subdistrict, laid out 4 × 3
    neighbourhoods: int = 2  # per grid
    buildings: int = 8  # per neighbourhood
    subdistricts_per_district: int = 14
    prefix: str = "GEN"
    chunk: int = 20_000
    password: str = ""  # empty: unusable passwords (benchmarks do not log in)
    now: dt.datetime | None = None


@dataclass
class Result:
    districts: list[int] = field(default_factory=list)
    subdistricts: list[int] = field(default_factory=list)
    areas: int = 0
    units: int = 0
    users: int = 0
    cases: int = 0
    events: int = 0
    residents: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


# ----------------------------------------------------------------------------- working time


class WorkingTime:
    """`calendar.add_working_hours` in constant time, for millions of deadlines: the working days
    of the period are listed once, then a deadline is an index step and a remainder."""

    def __init__(self, first: dt.date, last: dt.date):
        self.tz = timezone.get_default_timezone()
        self.start, self.end = calendar._workday_bounds()
        self.day_length = dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(
            dt.date.min, self.start
        )
        self.first = first - dt.timedelta(days=7)
        span = (last - self.first).days + 400
        all_days = [self.first + dt.timedelta(days=i) for i in range(span)]
        self.days = [d for d in all_days if calendar.is_workday(d)]
        # For every calendar day: the index of the first working day on or after it.
        self.next_index: list[int] = []
        j = 0
        for d in all_days:
            while j < len(self.days) and self.days[j] < d:
                j += 1
            self.next_index.append(j)

    def add_hours(self, moment: dt.datetime, hours: float) -> dt.datetime:
        local = moment.astimezone(self.tz)
        day = local.date()
        i = self.next_index[(day - self.first).days]
        day_start = dt.datetime.combine(day, self.start, tzinfo=self.tz)
        if i < len(self.days) and self.days[i] == day and local < day_start + self.day_length:
            offset = max(local - day_start, dt.timedelta())
        else:
            if i < len(self.days) and self.days[i] == day:
                i += 1
            offset = dt.timedelta()
        total = offset + dt.timedelta(hours=hours)
        k, rest = divmod(total, self.day_length)
        if not rest and k > 0:  # exactly at a day's end stays on that day, as the calendar does
            k, rest = k - 1, self.day_length
        return dt.datetime.combine(self.days[i + k], self.start, tzinfo=self.tz) + rest

    def add_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        return self.add_hours(moment, days * self.day_length.total_seconds() / 3600)


# ----------------------------------------------------------------------------- bulk writing


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _converters(model: type[models.Model], columns: Sequence[str], vendor: str) -> list[tuple[int, Callable]]:
    """(position, function) for the columns whose Python values the driver cannot take as they are."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    out = []
    for i, column in enumerate(columns):
        kind = by_column[column].get_internal_type()
        if kind == "JSONField":
            out.append(
                (i, lambda v: "{}" if v == {} else None if v is None else json.dumps(v, ensure_ascii=False))
            )
        elif kind == "DateTimeField" and vendor == "sqlite":  # Django keeps naive UTC text there
            out.append((i, lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))))
        elif kind == "DateField" and vendor == "sqlite":
            out.append((i, lambda v: None if v is None else v.isoformat()))
    return out


def bulk_write(model: type[models.Model], columns: Sequence[str], rows: Iterable[list]) -> int:
    """Append rows (lists of values in `columns` order, db columns) to the model's table: COPY on
    PostgreSQL, one executemany on SQLite. Rows are converted in place. The caller holds the
    transaction."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    converters = _converters(model, columns, connection.vendor)

    def converted():
        for row in rows:
            row = list(row) if not isinstance(row, list) else row
            for i, convert in converters:
                row[i] = convert(row[i])
            yield row

    count = 0
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy,
        ):
            for row in converted():
                copy.write_row(row)
                count += 1
        return count
    marks = ", ".join(["?"] * len(columns))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # Table and column names come from the model, quoted; values are parameters.
        raw.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", converted())  # noqa: S608
        return raw.rowcount


def reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# ----------------------------------------------------------------------------- territory and staff


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
    next_area = _next_id(Area)
    next_unit = _next_id(Unit)

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
    groups = dict(Group.objects.values_list("name", "id"))
    next_user = _next_id(User)
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


# ----------------------------------------------------------------------------- categories


@dataclass
class CategoryPick:
    ids: list[int]
    cumulative: list[float]
    titles: dict[int, list[str]]
    department: dict[int, str]

    def pick(self, rng: random.Random) -> int:
        return self.ids[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def ensure_categories(progress: Progress) -> CategoryPick:
    if not Category.objects.filter(parent__isnull=False, active=True).exists():
        try:  # the curated tree, where the cases app ships one
            from gongzhi.cases.categories import load_categories  # type: ignore[import-not-found]

            load_categories()
            progress("类别：已载入 gongzhi.cases.categories 的类别表")
        except (ImportError, TypeError) as exc:
            progress(f"类别：使用内置的两级类别（{type(exc).__name__}）")
    if not Category.objects.filter(parent__isnull=False, active=True).exists():
        _create_builtin_categories()
    leaves = list(Category.objects.filter(parent__isnull=False, active=True).select_related("parent"))
    by_top: dict[int, list[Category]] = {}
    for leaf in leaves:
        by_top.setdefault(leaf.parent_id, []).append(leaf)
    median = sorted(LABELLED_MIX.values())[len(LABELLED_MIX) // 2]
    titles_builtin = {leaf: titles for top in BUILTIN_TREE.values() for leaf, _u, titles in top}
    ids, cumulative, titles, department = [], [], {}, {}
    total = 0.0
    for group in by_top.values():
        weight = LABELLED_MIX.get(group[0].parent.name, median) / len(group)
        for leaf in group:
            total += weight
            ids.append(leaf.pk)
            cumulative.append(total)
            titles[leaf.pk] = titles_builtin.get(leaf.name) or [f"{{place}}{leaf.name}问题"]
            department[leaf.pk] = leaf.default_unit_name
    return CategoryPick(ids, cumulative, titles, department)


def _create_builtin_categories() -> None:
    for i, (top_name, leaves) in enumerate(BUILTIN_TREE.items(), start=1):
        top = Category.objects.create(code=f"G{i:02d}", name=top_name, sort=i)
        for j, (name, unit, _titles) in enumerate(leaves, start=1):
            Category.objects.create(
                code=f"G{i:02d}{j:02d}",
                name=name,
                parent=top,
                default_unit_name=unit,
                default_tier=Tier.NEIGHBOURHOOD,
                sort=j,
            )


# ----------------------------------------------------------------------------- case timelines

CASE_COLUMNS = [
    f.column for f in Case._meta.concrete_fields
]  # id, created_at, updated_at, number, subdistrict_id, … (model order)
EVENT_COLUMNS = [
    "case_id",
    "seq",
    "action",
    "actor_id",
    "actor_label",
    "from_status",
    "to_status",
    "note",
    "data",
    "created_at",
]
OPEN = {Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED, Status.REPLIED, Status.VERIFIED, Status.SUSPENDED}
FAR = deadlines.FAR_FUTURE


class CaseSim:
    """One case moving through the loop, event by event, with the services' field updates."""

    __slots__ = ("row", "events", "now", "dues", "pick", "territory", "leaf", "rng", "sweep_until")

    def __init__(
        self, row: dict, now: dt.datetime, territory: Territory, leaf: Leaf, rng: random.Random, dues
    ):
        self.row, self.events, self.now = row, [], now
        self.territory, self.leaf, self.rng, self.dues = territory, leaf, rng, dues

    # The services' _event/_apply, without the database.
    def event(self, action, at, actor=None, note="", data=None, move=True):
        row = self.row
        before = row["status"]
        if move:
            row["status"] = transitions.target(before, action)
            self._refresh_next_due(at)
        row["version"] = len(self.events)
        actor_id, label = actor if actor else (None, "")
        self.events.append(
            [
                row["id"],
                len(self.events) + 1,
                action,
                actor_id,
                label or "反映人",
                before,
                row["status"],
                note,
                data or {},
                at,
            ]
        )
        row["updated_at"] = at

    def _refresh_next_due(self, at):
        row = self.row
        before = row["next_due"]
        row["next_due"] = _next_due(row)
        if row["next_due"] != before:
            row["overdue"] = row["next_due"] < at

    def sweep_to(self, at: dt.datetime) -> None:
        """What the deadline sweep would have done before `at`."""
        row = self.row
        while (
            row["status"] in OPEN
            and row["status"] != Status.SUSPENDED
            and not row["overdue"]
            and row["next_due"] < at
        ):
            due = row["next_due"]
            if row["status"] == Status.ASSIGNED and row["tier"] and row["tier"] < Tier.SUBDISTRICT:
                self.escalate(due, automatic=True)
            else:
                row["overdue"] = True
                self.event(Action.OVERDUE, due, (None, "系统"), data={"due": due.isoformat()}, move=False)

    def escalate(self, at, automatic: bool) -> None:
        row = self.row
        from_tier, to_tier = row["tier"], row["tier"] + 1
        unit = self.unit_for(to_tier)
        self.assign_fields(to_tier, unit, at)
        row["escalated_automatically"] = automatic
        actor = (None, "系统") if automatic else self.dispatcher
        data = {
            "from_tier": from_tier,
            "to_tier": to_tier,
            "unit": unit,
            "unit_name": self.territory.unit_names[unit],
            "automatic": automatic,
        }
        reason = "反馈期限已过，系统自动升级。" if automatic else "问题复杂，需要多个单位协同处置。"
        self.event(Action.ESCALATE, at, actor, note=reason, data=data)

    @property
    def dispatcher(self):
        return self.territory.dispatcher[self.leaf.sub_index]

    def unit_for(self, tier: int) -> int:
        t = self.territory
        if tier == Tier.NEIGHBOURHOOD:
            return t.committee_of[self.leaf.neighbourhood_index]
        if tier == Tier.GRID:
            return t.station_of[self.leaf.grid_index]
        departments = t.departments[self.leaf.sub_index]
        name = self.row["_department"]
        return departments.get(name) or departments["城管中队"]

    def assign_fields(self, tier, unit, at) -> None:
        row = self.row
        row["tier"], row["assigned_unit_id"] = tier, unit
        row["responded_at"] = row["responded_at"] or at
        self.set_handling_dues(at)

    def set_handling_dues(self, at) -> None:
        row = self.row
        limits = self.dues(row["category_id"], row["tier"])
        row["reply_due"] = WT.add_days(at, limits.reply_days)
        row["close_due"] = max(WT.add_days(at, limits.close_days), row["reply_due"])


WT: WorkingTime  # set by generate_cases


def _next_due(row: dict) -> dt.datetime:
    status = row["status"]
    if status in (Status.REPORTED, Status.ACCEPTED) and row["responded_at"] is None:
        return row["response_due"] or FAR
    if status in (Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED):
        return row["reply_due"] or FAR
    if status in (Status.REPLIED, Status.VERIFIED):
        return row["close_due"] or FAR
    return FAR


def _hours(rng: random.Random, mean: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.expovariate(1 / mean))


def simulate(sim: CaseSim) -> None:
    """The life of one case up to now: accept, assign, maybe escalate, reply, verify, close,
    rate, maybe reopen and round again. Steps after `now` do not happen."""
    rng, row, now = sim.rng, sim.row, sim.now
    t = row["created_at"]

    def step(at) -> bool:
        if at >= now:
            sim.sweep_to(now)
            return False
        sim.sweep_to(at)
        return True

    reporter = (None, "反映人")
    if row["reported_by_id"]:
        reporter = sim.territory.gridworker[sim.leaf.grid_index]
    sim.event(Action.REPORT, t, reporter, data={"source": row["source"]}, move=False)
    sim.events[-1][5] = ""  # a new case comes from nowhere
    # Response: most within the working-hour limit, some late.
    late = rng.random() < 0.08
    t = (row["response_due"] + _hours(rng, 10)) if late else t + _hours(rng, 1.2)
    if not step(t):
        return
    if rng.random() < 0.03:
        row["responded_at"] = row["responded_at"] or t
        row["closed_at"] = t
        sim.event(Action.REJECT, t, sim.dispatcher, note="不属于受理范围，已告知反映人向相关部门反映。")
        return
    row["responded_at"] = row["responded_at"] or t
    sim.event(Action.ACCEPT, t, sim.dispatcher)
    t += _hours(rng, 0.5)
    if not step(t):
        return
    tier = rng.choices((1, 2, 3), (70, 22, 8))[0]
    unit = sim.unit_for(tier)
    sim.assign_fields(tier, unit, t)
    sim.event(
        Action.ASSIGN,
        t,
        sim.dispatcher,
        data={"tier": tier, "unit": unit, "unit_name": sim.territory.unit_names[unit]},
    )
    if row["tier"] < Tier.SUBDISTRICT and rng.random() < 0.06:
        t += _hours(rng, 20)
        if not step(t):
            return
        sim.escalate(t, automatic=False)
    for _round in range(3):
        # Reply: mostly before the reply deadline; 7 % late (then the sweep acts first).
        if rng.random() < 0.07:
            t = max(t, row["reply_due"]) + _hours(rng, 30)
        else:
            t = t + max(row["reply_due"] - t, dt.timedelta(hours=1)) * rng.random() ** 1.5
        if not step(t):
            return
        unit = row["assigned_unit_id"]
        row["replied_at"], row["reply_text"] = t, rng.choice(REPLIES)
        sim.event(Action.REPLY, t, sim.territory.member_of[unit], note=row["reply_text"])
        t += _hours(rng, 16)
        if not step(t):
            return
        if rng.random() < 0.04:
            row["replied_at"], row["reply_text"] = None, ""
            sim.set_handling_dues(t)
            sim.event(Action.VERIFY_FAIL, t, sim.dispatcher, note="现场核查问题仍存在。")
            continue
        row["verified_at"] = t
        sim.event(Action.VERIFY, t, sim.dispatcher, note="现场核查属实，已整改。")
        t += _hours(rng, 4)
        if not step(t):
            return
        row["closed_at"] = t
        sim.event(Action.CLOSE, t, sim.dispatcher)
        if rng.random() > 0.7:
            return
        t += _hours(rng, 30)
        if not step(t):
            return
        r = rng.random()
        rating = Rating.SATISFIED if r < 0.8 else Rating.BASICALLY if r < 0.92 else Rating.UNSATISFIED
        solved = rating != Rating.UNSATISFIED and rng.random() < 0.97
        by_phone = rng.random() < 0.2
        actor = sim.dispatcher if by_phone else None
        row["rating"], row["solved"], row["rated_at"] = rating, solved, t
        sim.event(Action.RATE, t, actor, data={"rating": rating, "solved": solved, "by_phone": by_phone})
        if rating != Rating.UNSATISFIED:
            return
        row["reopen_count"] += 1
        row["closed_at"] = row["verified_at"] = row["replied_at"] = None
        sim.set_handling_dues(t)
        sim.event(Action.REOPEN, t, actor, note="反映人不满意", data={"reopen_count": row["reopen_count"]})
    sim.sweep_to(now)  # three rounds without a closure: still open today


def _spread_times(
    rng: random.Random, count: int, start: dt.datetime, span: dt.timedelta
) -> list[dt.datetime]:
    """Report times: more in later years (volume grows), more by day than by night."""
    hours = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 12, 13, 13, 12, 10, 8, 7, 6, 4, 3, 2]
    hour_cum = list(_accumulate(hours))
    days = span.days or 1
    out = []
    for _ in range(count):
        day = int(days * rng.random() ** (1 / 1.4))
        hour = bisect.bisect(hour_cum, rng.random() * hour_cum[-1])
        out.append(start + dt.timedelta(days=day, hours=hour, seconds=rng.randrange(3600)))
    out.sort()
    return out


def _accumulate(values):
    total = 0
    for v in values:
        total += v
        yield total


def generate_cases(
    plan: Plan, territory: Territory, categories: CategoryPick, result: Result, progress: Progress
) -> None:
    global WT
    rng = random.Random(plan.seed)
    now = plan.now or timezone.now()
    span = dt.timedelta(days=round(plan.years * 365.25))
    start = (now - span).replace(minute=0, second=0, microsecond=0)
    WT = WorkingTime(timezone.localdate(start), timezone.localdate(now) + dt.timedelta(days=1))
    limits_cache: dict = {}
    categories_by_id = {c.pk: c for c in Category.objects.filter(pk__in=categories.ids)}

    def dues(category_id, tier):
        key = (category_id, tier)
        if key not in limits_cache:
            limits_cache[key] = deadlines.limits_for(categories_by_id[category_id], tier)
        return limits_cache[key]

    times = _spread_times(rng, plan.cases, start, span)
    # Subdistricts differ in size: weights from a log-normal spread.
    sub_weights = list(_accumulate(rng.lognormvariate(0, 0.4) for _ in territory.subdistrict_ids))
    counters: dict[tuple[int, dt.date], int] = {}
    next_case = _next_id(Case)
    source_names = [s for s, _w in SOURCES]
    source_weights = [w for _s, w in SOURCES]
    began = time.monotonic()
    done = 0
    for chunk_start in range(0, plan.cases, plan.chunk):
        case_rows, event_rows = [], []
        for t in times[chunk_start : chunk_start + plan.chunk]:
            s = bisect.bisect(sub_weights, rng.random() * sub_weights[-1])
            leaf = rng.choice(territory.leaves_by_sub[s])
            category_id = categories.pick(rng)
            source = rng.choices(source_names, source_weights)[0]
            day = timezone.localdate(t)
            key = (s, day)
            counters[key] = counters.get(key, 0) + 1
            code = territory.subdistrict_codes[s]
            phone = (
                f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                if source not in ("patrol", "visit")
                else ""
            )
            lng = leaf.box[0] + leaf.box[2] * rng.random()
            lat = leaf.box[1] + leaf.box[3] * rng.random()
            title = rng.choice(categories.titles[category_id]).format(place=leaf.name)[:120]
            row = {
                "id": next_case,
                "created_at": t,
                "updated_at": t,
                "number": f"{day:%y%m%d}{code[-3:]}{counters[key]:04d}",
                "subdistrict_id": territory.subdistrict_ids[s],
                "area_id": leaf.area_id,
                "category_id": category_id,
                "source": source,
                "title": title,
                "description": f"{title}。{rng.choice(DETAILS)}",
                "address": leaf.name,
                "lat": round(lat, 7),
                "lng": round(lng, 7),
                "reporter_name": rng.choice(SURNAMES) + rng.choice(("先生", "女士")) if phone else "",
                "reporter_phone": phone,
                "reporter_phone_last4": phone[-4:],
                "reported_by_id": territory.gridworker[leaf.grid_index][0] if not phone else None,
                "status": Status.REPORTED,
                "tier": None,
                "assigned_unit_id": None,
                "master_id": None,
                "response_due": WT.add_hours(t, dues(category_id, None).response_hours),
                "reply_due": None,
                "close_due": None,
                "next_due": FAR,
                "responded_at": None,
                "replied_at": None,
                "verified_at": None,
                "closed_at": None,
                "overdue": False,
                "escalated_automatically": False,
                "suspension_requested": False,
                "reply_text": "",
                "rating": "",
                "solved": None,
                "rated_at": None,
                "reopen_count": 0,
                "version": 0,
                "_department": categories.department[category_id],
            }
            row["next_due"] = row["response_due"]
            next_case += 1
            sim = CaseSim(row, now, territory, leaf, rng, dues)
            simulate(sim)
            case_rows.append([row[c.attname] for c in Case._meta.concrete_fields])
            event_rows.extend(sim.events)
        with transaction.atomic():
            result.cases += bulk_write(Case, CASE_COLUMNS, case_rows)
            result.events += bulk_write(CaseEvent, EVENT_COLUMNS, event_rows)
        done += len(case_rows)
        rate = done / max(time.monotonic() - began, 1e-6)
        progress(f"工单 {done:,}/{plan.cases:,}（事件 {result.events:,}，{rate:,.0f} 件/秒）")
    with transaction.atomic():
        bulk_write(
            CaseCounter,
            ["subdistrict_id", "day", "last"],
            ((territory.subdistrict_ids[s], day, last) for (s, day), last in counters.items()),
        )


def generate_residents(plan: Plan, territory: Territory, result: Result, progress: Progress) -> None:
    """TODO(registry): residents, households and dwellings in the generated buildings, once the
    registry app's models exist (issue: registry). Until then the request is noted and skipped."""
    from django.apps import apps

    try:
        apps.get_model("registry", "Resident")
    except LookupError:
        note = f"未生成实有人口 {plan.residents:,} 人：registry 应用的模型尚未就绪（待实现）。"
        result.notes.append(note)
        progress(note)
        return
    note = "registry 应用已有 Resident 模型，但生成器尚未接入（待实现）。"
    result.notes.append(note)
    progress(note)


def generate(plan: Plan, progress: Progress = print) -> Result:
    began = time.monotonic()
    result = Result()
    categories = ensure_categories(progress)
    with transaction.atomic():
        territory = build_territory(plan, result, progress)
    if plan.cases:
        generate_cases(plan, territory, categories, result, progress)
    if plan.residents:
        generate_residents(plan, territory, result, progress)
    reset_sequences([Area, Unit, User, Case, CaseEvent, CaseCounter])
    analyze()
    result.seconds = time.monotonic() - began
    progress(
        f"完成：{len(result.subdistricts)} 个街道，{result.cases:,} 件工单，{result.events:,} 条事件，用时 {result.seconds:,.1f} 秒"
    )
    return result
