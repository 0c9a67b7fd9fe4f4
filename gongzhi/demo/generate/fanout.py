"""City-scale data by fan-out (PostgreSQL only): `gongzhi generate --fan-out-from N`.

The Python generator writes about a thousand cases a second, so 20 million cases would take
five to six hours. Instead it simulates cases for the first N subdistricts only (the
"templates"), and this module copies them in SQL into every other subdistrict:

- every generated subdistrict has the same shape (same grids, neighbourhoods, buildings, units
  and staff, `territory.build_territory`), translated on the map; so each template area, unit
  and staff member has exactly one counterpart in a target subdistrict (areas by code suffix,
  units by name, staff by role, scope and unit);
- a target subdistrict receives a random subset (md5 of id and target) of its template's cases,
  sized so that the total is exactly `plan.cases` and the templates' size differences carry over;
- each copy gets a new id (template id + a per-target offset; ids leave gaps), the target's
  subdistrict, area, assigned unit and reporting grid worker, its number with the target's three
  code characters (so numbers stay unique), and its point translated by the offset between the
  two subdistricts' outlines (so `geo.area_id_at(lat, lng) == area_id` still holds);
- its events are copied with the case, the actor mapped to the target's staff member (label
  included) and the unit in `data["unit"]` mapped; `seq` and the status chain are unchanged;
- each target's `CaseCounter` rows are its template's, so the services continue numbering.

What stays duplicated: times, categories, sources, titles, texts, statuses, tiers, ratings and
deadlines of a copy are its template case's (no time shift: shifting would either move cases
past today or leave open cases whose deadlines passed without the sweep's events, and working
time would drift off the holiday calendar). So a district's months are sums of near-identical
subdistrict timelines; a single subdistrict's queue and figures are those of a simulated one.

The case and event tables' secondary indexes and constraints (except the primary keys) are
dropped during the copy and recreated afterwards (faster than maintaining them row by row).
"""

from __future__ import annotations

import math
import time

from django.db import connection, transaction

from gongzhi.accounts.models import Unit, User
from gongzhi.cases.models import Case, CaseCounter, CaseEvent
from gongzhi.demo.generate.plan import Plan, Progress, Result
from gongzhi.demo.generate.territory import Territory
from gongzhi.territory.models import Area

MARGIN = 1.05  # templates hold 5 % more than their share, so every copy is a subset


def check_possible(plan: Plan) -> None:
    if not plan.fan_out_from:
        return
    if connection.vendor != "postgresql":
        raise ValueError(
            "--fan-out-from 只支持 PostgreSQL（按街道复制工单用 SQL 完成）。"
            " Fan-out is PostgreSQL-only: run it with DATABASE_URL=postgres://…"
        )
    if not 1 <= plan.fan_out_from < plan.subdistricts:
        raise ValueError("--fan-out-from 须至少为 1，且小于街道数。")


def template_cases(plan: Plan) -> int:
    """How many cases the Python generator simulates in the template subdistricts."""
    share = plan.cases * plan.fan_out_from / plan.subdistricts
    return min(plan.cases, math.ceil(share * MARGIN))


def template_territory(territory: Territory, templates: int) -> Territory:
    """The same territory, but cases only go to the first `templates` subdistricts."""
    sub = Territory(**territory.__dict__)
    sub.subdistrict_ids = territory.subdistrict_ids[:templates]
    sub.subdistrict_codes = territory.subdistrict_codes[:templates]
    sub.leaves_by_sub = territory.leaves_by_sub[:templates]
    return sub


def _corner(boundary: dict) -> tuple[float, float]:
    lng, lat = boundary["coordinates"][0][0]
    return lng, lat


class _Maps:
    """For each target subdistrict: template → target ids of areas, units and staff."""

    def __init__(self, territory: Territory, templates: int):
        ids = territory.subdistrict_ids
        areas = list(Area.objects.filter(subdistrict_id__in=ids).values_list("id", "code", "subdistrict_id"))
        subs = {a.pk: a for a in Area.objects.filter(pk__in=ids)}
        by_code = {code: pk for pk, code, _s in areas}
        self.areas: dict[int, list[tuple[int, int]]] = {}
        self.units: dict[int, list[tuple[int, int]]] = {}
        self.users: dict[int, list[tuple[int, int, str]]] = {}
        self.shift: dict[int, tuple[float, float]] = {}
        unit_rows = list(
            Unit.objects.filter(subdistrict_id__in=ids).values_list("id", "subdistrict_id", "name")
        )
        unit_by_name = {(s, name): pk for pk, s, name in unit_rows}
        user_rows = list(
            User.objects.filter(groups__isnull=False)
            .filter(scope__subdistrict_id__in=ids)
            .values_list("id", "scope_id", "unit_id", "groups__name", "display_name", "scope__subdistrict_id")
        )
        users_by_key = {(role, scope, unit): (pk, label) for pk, scope, unit, role, label, _s in user_rows}
        for index, target in enumerate(ids):
            if index < templates:
                continue
            template = ids[index % templates]
            t_code, s_code = subs[target].code, subs[template].code
            area_map = {}
            for pk, code, s in areas:
                if s == template:
                    other = by_code.get(t_code + code[len(s_code) :])
                    if other is None:
                        raise ValueError(f"街道 {t_code} 没有与 {code} 对应的区域：不是同一生成器建的街道。")
                    area_map[pk] = other
            unit_map = {pk: unit_by_name[(target, name)] for pk, s, name in unit_rows if s == template}
            user_map = []
            for pk, scope, unit, role, _label, s in user_rows:
                if s == template:
                    new_pk, new_label = users_by_key[(role, area_map[scope], unit_map.get(unit))]
                    user_map.append((pk, new_pk, new_label))
            (x0, y0), (x1, y1) = _corner(subs[template].boundary), _corner(subs[target].boundary)
            self.areas[target] = list(area_map.items())
            self.units[target] = list(unit_map.items())
            self.users[target] = user_map
            self.shift[target] = (x1 - x0, y1 - y0)


def _secondary(table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(constraints, indexes) of a table other than its primary key: (name, definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'c') ORDER BY contype DESC, conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
    return constraints, indexes


def _drop(table: str, constraints, indexes) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")


def _recreate(table: str, constraints, indexes, progress: Progress) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Unique and check constraints first, then indexes, foreign keys last (validated here).
        ordered = [c for c in constraints if not c[1].startswith("FOREIGN")]
        for name, definition in ordered:
            began = time.monotonic()
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            progress(f"  {table}: 约束 {name} 重建 {time.monotonic() - began:,.1f} 秒")
        for name, definition in indexes:
            began = time.monotonic()
            cursor.execute(definition)
            progress(f"  {table}: 索引 {name} 重建 {time.monotonic() - began:,.1f} 秒")
        for name, definition in constraints:
            if definition.startswith("FOREIGN"):
                began = time.monotonic()
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
                progress(f"  {table}: 外键 {name} 校验 {time.monotonic() - began:,.1f} 秒")


def _case_select() -> tuple[str, str]:
    """Column list and SELECT expressions copying a template case (alias c) into a target."""
    override = {
        "id": "c.id + %(offset)s",
        "number": "overlay(c.number placing %(tag)s from 7 for 3)",
        "subdistrict_id": "%(target)s",
        "area_id": "a.new",
        "lat": "round((c.lat + %(dy)s)::numeric, 7)::float8",
        "lng": "round((c.lng + %(dx)s)::numeric, 7)::float8",
        "reported_by_id": "ru.new",
        "assigned_unit_id": "un.new",
        "master_id": "NULL",  # the generator makes no merges
    }
    columns = [f.column for f in Case._meta.concrete_fields]
    qn = connection.ops.quote_name
    return ", ".join(qn(c) for c in columns), ", ".join(override.get(c, f"c.{qn(c)}") for c in columns)


def fan_out(plan: Plan, territory: Territory, result: Result, progress: Progress) -> None:
    templates = plan.fan_out_from
    ids = territory.subdistrict_ids
    maps = _Maps(territory, templates)
    case_table, event_table = Case._meta.db_table, CaseEvent._meta.db_table
    counter_table = CaseCounter._meta.db_table
    columns, select = _case_select()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # pending deferred checks must not block ALTER
        cursor.execute(
            f"SELECT min(id), max(id), count(*) FROM {case_table} WHERE subdistrict_id = ANY(%s)",  # noqa: S608
            [ids[:templates]],
        )
        low, high, _n = cursor.fetchone()
        if low is None:
            raise ValueError("模板街道里没有工单，无法复制。")
        span = high - low + 1
        cursor.execute("DROP TABLE IF EXISTS fan_tpl, fan_events, fan_pick, fan_area, fan_unit, fan_user")
        cursor.execute(
            f"CREATE TEMP TABLE fan_tpl AS SELECT id, subdistrict_id FROM {case_table} "  # noqa: S608
            "WHERE subdistrict_id = ANY(%s)",
            [ids[:templates]],
        )
        cursor.execute("SELECT subdistrict_id, count(*) FROM fan_tpl GROUP BY subdistrict_id")
        sizes = dict(cursor.fetchall())
        if plan.fan_out_events:
            cursor.execute(
                f"CREATE TEMP TABLE fan_events AS SELECT e.* FROM {event_table} e "  # noqa: S608
                "JOIN fan_tpl t ON t.id = e.case_id"
            )
            cursor.execute("CREATE INDEX ON fan_events (case_id)")
        cursor.execute("CREATE TEMP TABLE fan_area (old bigint PRIMARY KEY, new bigint)")
        cursor.execute("CREATE TEMP TABLE fan_unit (old bigint PRIMARY KEY, new bigint)")
        cursor.execute("CREATE TEMP TABLE fan_user (old bigint PRIMARY KEY, new bigint, label text)")
        cursor.execute("ANALYZE fan_tpl")
        if plan.fan_out_events:
            cursor.execute("ANALYZE fan_events")
    targets = [(i, s) for i, s in enumerate(ids) if i >= templates]
    template_of = {s: ids[i % templates] for i, s in targets}
    # Exactly plan.cases in all: each target gets a share proportional to its template's size.
    remaining = plan.cases - result.cases
    weights = [sizes.get(template_of[s], 0) for _i, s in targets]
    if remaining > sum(weights):
        raise ValueError(f"模板工单不足：还需 {remaining:,} 件，模板可复制 {sum(weights):,} 件。")
    quotas, left, weight_left = [], remaining, sum(weights)
    for w in weights:
        q = round(left * w / weight_left) if weight_left else 0
        quotas.append(min(q, w))
        left, weight_left = left - quotas[-1], weight_left - w

    saved = {table: _secondary(table) for table in (case_table, event_table)}
    progress(
        f"复制：{templates} 个模板街道的工单复制到其余 {len(targets)} 个街道；"
        f"先删除 {case_table}/{event_table} 的二级索引和约束"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # a lost last commit only means a rerun
    _drop(case_table, *saved[case_table])
    if plan.fan_out_events:
        _drop(event_table, *saved[event_table])
    began = time.monotonic()
    copied_cases = copied_events = 0
    try:
        for n, ((_index, target), quota) in enumerate(zip(targets, quotas, strict=True)):
            template = template_of[target]
            dx, dy = maps.shift[target]
            params = {
                "offset": span * (n + 1),
                "tag": Area.objects.filter(pk=target).values_list("code", flat=True)[0][-3:],
                "target": target,
                "dx": dx,
                "dy": dy,
            }
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("TRUNCATE fan_area, fan_unit, fan_user")
                cursor.executemany("INSERT INTO fan_area VALUES (%s, %s)", maps.areas[target])
                cursor.executemany("INSERT INTO fan_unit VALUES (%s, %s)", maps.units[target])
                cursor.executemany("INSERT INTO fan_user VALUES (%s, %s, %s)", maps.users[target])
                cursor.execute("DROP TABLE IF EXISTS fan_pick")
                cursor.execute(
                    "CREATE TEMP TABLE fan_pick AS SELECT id FROM fan_tpl WHERE subdistrict_id = %s "
                    "ORDER BY md5(id::text || ':' || %s::text) LIMIT %s",
                    [template, target, quota],
                )
                cursor.execute(
                    f"INSERT INTO {case_table} ({columns}) SELECT {select} FROM fan_pick p "  # noqa: S608
                    f"JOIN {case_table} c ON c.id = p.id JOIN fan_area a ON a.old = c.area_id "
                    "LEFT JOIN fan_unit un ON un.old = c.assigned_unit_id "
                    "LEFT JOIN fan_user ru ON ru.old = c.reported_by_id",
                    params,
                )
                copied_cases += cursor.rowcount
                if plan.fan_out_events:
                    cursor.execute(
                        f"INSERT INTO {event_table} (case_id, seq, action, actor_id, actor_label, "  # noqa: S608
                        "from_status, to_status, note, data, created_at, subdistrict_id) "
                        "SELECT e.case_id + %(offset)s, e.seq, e.action, u.new, "
                        "CASE WHEN u.new IS NULL THEN e.actor_label ELSE u.label END, "
                        "e.from_status, e.to_status, e.note, "
                        "CASE WHEN un.new IS NULL THEN e.data "
                        "ELSE jsonb_set(e.data, '{unit}', to_jsonb(un.new)) END, e.created_at, %(target)s "
                        "FROM fan_pick p JOIN fan_events e ON e.case_id = p.id "
                        "LEFT JOIN fan_user u ON u.old = e.actor_id "
                        "LEFT JOIN fan_unit un ON un.old = (e.data->>'unit')::bigint",
                        params,
                    )
                    copied_events += cursor.rowcount
                cursor.execute(
                    f"INSERT INTO {counter_table} (subdistrict_id, day, last) "  # noqa: S608
                    f"SELECT %(target)s, day, last FROM {counter_table} WHERE subdistrict_id = %(template)s",
                    {**params, "template": template},
                )
            if n % 10 == 9 or n == len(targets) - 1:
                rate = copied_cases / max(time.monotonic() - began, 1e-6)
                progress(
                    f"复制 {n + 1}/{len(targets)} 个街道：工单 {result.cases + copied_cases:,}/{plan.cases:,}，"
                    f"复制的事件 {copied_events:,}（{rate:,.0f} 件/秒）"
                )
    finally:
        result.cases += copied_cases
        result.events += copied_events
        result.notes.append(
            f"复制用时 {time.monotonic() - began:,.1f} 秒（{copied_cases:,} 件工单，{copied_events:,} 条事件）"
        )
        progress("重建索引和约束（可能需要几分钟）")
        began = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
        _recreate(case_table, *saved[case_table], progress)
        if plan.fan_out_events:
            _recreate(event_table, *saved[event_table], progress)
        with connection.cursor() as cursor:
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET synchronous_commit")
            cursor.execute("DROP TABLE IF EXISTS fan_tpl, fan_events, fan_pick, fan_area, fan_unit, fan_user")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        result.notes.append(f"重建索引用时 {time.monotonic() - began:,.1f} 秒")
        progress(result.notes[-1])
