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
Registry (`--residents N`, gongzhi/demo/generate/registry.py): dwellings, households, residents
with sealed ID numbers and phones, their stays, and organisations, in the generated buildings.
Not generated (yet): consultations, merges, suspensions, attachments, messages to reporters,
registry tags.

City scale (`fan_out_from`, PostgreSQL only): cases are simulated for a few template
subdistricts and copied in SQL to the others; see `fanout.py` for what that keeps and what is
duplicated.

Ids are allocated here (max + 1) so that children can point at parents without a round trip;
run it on a database nobody else is writing to, then sequences are reset.
"""

from __future__ import annotations

import time
from dataclasses import replace

from django.db import transaction

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import rollup
from gongzhi.cases.models import Case, CaseCounter, CaseEvent
from gongzhi.demo.generate.bulk import analyze, bulk_write, reset_sequences
from gongzhi.demo.generate.cases import generate_cases
from gongzhi.demo.generate.catalogue import LABELLED_MIX, ensure_categories
from gongzhi.demo.generate.fanout import check_possible, fan_out, template_cases, template_territory
from gongzhi.demo.generate.plan import Plan, Progress, Result
from gongzhi.demo.generate.registry import generate_registry
from gongzhi.demo.generate.territory import build_territory
from gongzhi.demo.generate.working_time import WorkingTime
from gongzhi.territory.models import Area

__all__ = ["LABELLED_MIX", "Plan", "Result", "WorkingTime", "bulk_write", "generate"]


def generate(plan: Plan, progress: Progress = print) -> Result:
    began = time.monotonic()
    check_possible(plan)
    result = Result()
    categories = ensure_categories(progress)
    with transaction.atomic():
        territory = build_territory(plan, result, progress)
    if plan.cases and plan.fan_out_from:
        templates = replace(plan, cases=template_cases(plan))
        progress(f"模板：前 {plan.fan_out_from} 个街道模拟 {templates.cases:,} 件工单，再复制到其余街道")
        generate_cases(
            templates, template_territory(territory, plan.fan_out_from), categories, result, progress
        )
        fan_out(plan, territory, result, progress)
    elif plan.cases:
        generate_cases(plan, territory, categories, result, progress)
    if plan.cases:
        # The dashboards' rollup is kept by the services; bulk rows need it rebuilt.
        began_rollup = time.monotonic()
        buckets = rollup.rebuild(result.subdistricts)
        progress(f"月度汇总表：{buckets:,} 行，用时 {time.monotonic() - began_rollup:,.1f} 秒")
    if plan.residents:
        generate_registry(plan, territory, result, progress)
    reset_sequences([Area, Unit, User, Case, CaseEvent, CaseCounter])
    analyze()
    result.seconds = time.monotonic() - began
    people = f"，实有人口 {result.residents:,} 人，单位 {result.organizations:,} 个" if plan.residents else ""
    progress(
        f"完成：{len(result.subdistricts)} 个街道，{result.cases:,} 件工单，{result.events:,} 条事件{people}，"
        f"用时 {result.seconds:,.1f} 秒"
    )
    return result
