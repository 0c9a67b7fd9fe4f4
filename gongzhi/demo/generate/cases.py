"""Generated cases and their timelines, as the services would have written them."""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from gongzhi.cases import deadlines, transitions
from gongzhi.cases.models import Action, Case, CaseCounter, CaseEvent, Category, Rating, Status, Tier
from gongzhi.demo.generate.bulk import bulk_write, next_id
from gongzhi.demo.generate.catalogue import DETAILS, REPLIES, SOURCES, SURNAMES, CategoryPick
from gongzhi.demo.generate.plan import Plan, Progress, Result
from gongzhi.demo.generate.territory import Leaf, Territory
from gongzhi.demo.generate.working_time import WorkingTime
from gongzhi.registry import crypto

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
    "subdistrict_id",
]
OPEN = {Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED, Status.REPLIED, Status.VERIFIED, Status.SUSPENDED}
FAR = deadlines.FAR_FUTURE

PHONE_CONTEXT = "cases.case.reporter_phone"


class CaseSim:
    """One case moving through the loop, event by event, with the services' field updates."""

    __slots__ = ("row", "events", "now", "dues", "territory", "leaf", "rng", "working")

    def __init__(
        self,
        row: dict,
        now: dt.datetime,
        territory: Territory,
        leaf: Leaf,
        rng: random.Random,
        dues: Callable,
        working: WorkingTime,
    ):
        self.row, self.events, self.now = row, [], now
        self.territory, self.leaf, self.rng, self.dues, self.working = territory, leaf, rng, dues, working

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
                row["subdistrict_id"],
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
        row["reply_due"] = self.working.add_days(at, limits.reply_days)
        row["close_due"] = max(self.working.add_days(at, limits.close_days), row["reply_due"])


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
    rng = random.Random(plan.seed)
    now = plan.now or timezone.now()
    span = dt.timedelta(days=round(plan.years * 365.25))
    start = (now - span).replace(minute=0, second=0, microsecond=0)
    working = WorkingTime(timezone.localdate(start), timezone.localdate(now) + dt.timedelta(days=1))
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
    next_case = next_id(Case)
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
                # Sealed and indexed as the Case model writes them (registry.crypto).
                "reporter_phone": crypto.encrypt(phone, context=PHONE_CONTEXT) if phone else "",
                "reporter_phone_hash": crypto.blind_index(phone or "", kind="phone"),
                "reporter_phone_last4": phone[-4:],
                "reported_by_id": territory.gridworker[leaf.grid_index][0] if not phone else None,
                "status": Status.REPORTED,
                "tier": None,
                "assigned_unit_id": None,
                "master_id": None,
                "response_due": working.add_hours(t, dues(category_id, None).response_hours),
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
            sim = CaseSim(row, now, territory, leaf, rng, dues, working)
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
