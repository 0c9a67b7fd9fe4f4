"""Invented cases that walk the whole loop, made only through `gongzhi.cases.services` with past
timestamps (`now=`), so every event, deadline, message and rate is what the real loop makes.

Each case follows a scenario (where its story ends). Its steps are drawn first, then it starts
far enough back for the story to end before now: finished cases spread over the last six months,
open ones are recent, overdue ones started weeks ago.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from shapely.geometry import Point

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import services
from gongzhi.cases.models import Case, Category, Rating, Source, Status, Tier
from gongzhi.demo import geometry, stories
from gongzhi.demo.people import Staff
from gongzhi.demo.territory import Grid, Neighbourhood, Territory

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SPAN_DAYS = 180

# scenario -> weight. Every scenario appears at least once (in this order) before the rest are
# drawn by weight, so even a small demo has a case in every status.
SCENARIOS: dict[str, int] = {
    "reported": 4,
    "accepted": 4,
    "assigned": 14,
    "replied": 6,
    "verified": 4,
    "closed": 10,
    "satisfied": 80,
    "basically": 25,
    "reopened": 5,
    "reopened_resolved": 8,
    "verify_failed": 6,
    "rejected": 10,
    "merged": 8,
    "suspended": 4,
    "resumed": 3,
    "overdue": 6,
    "escalated": 6,
}
# Scenarios whose case is still being worked on: they start recently.
IN_PROGRESS = {"reported", "accepted", "assigned", "replied", "verified", "suspended", "reopened"}
RATED = {"satisfied", "basically", "reopened", "reopened_resolved", "verify_failed", "resumed", "escalated"}

# The delay (see CaseMaker.plan) of the last step each scenario takes.
LAST_STEP = {
    "reported": "",
    "accepted": "accept",
    "assigned": "consult",
    "replied": "reply",
    "verified": "verify",
    "closed": "close",
    "satisfied": "rate",
    "basically": "rate",
    "reopened": "rate",
    "reopened_resolved": "again_rate",
    "verify_failed": "rate",
    "rejected": "accept",
    "merged": "rate",
    "suspended": "suspend_approve",
    "resumed": "rate",
    "overdue": "due",
    "escalated": "rate",
}

SOURCES = {
    Source.VISIT: 25,
    Source.PATROL: 18,
    Source.WEB: 20,
    Source.HOTLINE: 22,
    Source.LISTENING: 5,
    Source.SUGGESTION: 5,
    Source.MEETING: 5,
}


class Stop(Exception):
    """The next step would happen after now: the case stays where it is."""


class Clock:
    def __init__(self, start: dt.datetime, limit: dt.datetime) -> None:
        self.t = start
        self.limit = limit

    def after(self, hours: float) -> dt.datetime:
        return self.at(self.t + dt.timedelta(hours=hours))

    def at(self, moment: dt.datetime) -> dt.datetime:
        if moment >= self.limit:
            raise Stop
        self.t = max(self.t, moment)
        return self.t


@dataclass
class Place:
    territory: Territory
    staff: Staff
    grid: Grid
    neighbourhood: Neighbourhood
    lat: float
    lng: float
    text: str  # estate and building
    estate: str  # estate only
    street: str  # the nearest real street address


@dataclass
class Plan:
    scenario: str
    category: Category
    tier: int
    source: str
    place: Place
    delays: dict[str, float] = field(default_factory=dict)
    escalate: bool = False

    def span_hours(self) -> float:
        """How long the story takes up to its scenario's last step."""
        total = 0.0
        for step, hours in self.delays.items():
            total += hours
            if step == LAST_STEP[self.scenario]:
                break
        return total


class CaseMaker:
    def __init__(
        self, *, rng: random.Random, territories: list[tuple[Territory, Staff]], now: dt.datetime
    ) -> None:
        self.rng = rng
        self.territories = territories
        self.now = now
        self.limit = now - dt.timedelta(minutes=5)
        categories = Category.objects.in_bulk(list(stories.STORIES), field_name="code")
        self.categories = [
            (categories[code], stories.STORIES[code]) for code in stories.STORIES if code in categories
        ]
        self.made: list[Case] = []
        self.masters: set[int] = set()  # cases that hold a merged duplicate

    # ------------------------------------------------------------ drawing

    def _pick(self, weights: dict) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def _place(self) -> Place:
        rng = self.rng
        territory, staff = rng.choices(self.territories, weights=[3, 2][: len(self.territories)])[0]
        grid = rng.choice(territory.grids)
        neighbourhood = rng.choice(grid.neighbourhoods)
        roll = rng.random()
        if roll < 0.35 and neighbourhood.buildings:
            building = rng.choice(neighbourhood.buildings)
            outline = geometry.from_geojson(building.boundary)
            estate = building.parent.name
            text = f"{estate}{building.name}"
        elif roll < 0.75 and neighbourhood.estates:
            chosen = rng.choice(neighbourhood.estates)
            outline = geometry.from_geojson(chosen.boundary)
            estate = text = chosen.name
        else:
            outline = geometry.from_geojson(neighbourhood.area.boundary)
            estate = text = f"{neighbourhood.area.name}"
        point = geometry.random_point_in(outline, rng)
        street = min(territory.addresses, key=lambda a: (a[1] - point.x) ** 2 + (a[2] - point.y) ** 2)[0]
        street = re.sub(r"[（(].*?[)）]", "", street)
        return Place(
            territory, staff, grid, neighbourhood, round(point.y, 7), round(point.x, 7), text, estate, street
        )

    def plan(self, scenario: str) -> Plan:
        rng = self.rng
        category, _story = rng.choices(self.categories, weights=[s[0] for _c, s in self.categories])[0]
        tier = category.default_tier
        if tier > 1 and rng.random() < 0.3:
            tier -= 1  # many start lower and climb
        escalate = False
        if scenario == "escalated":
            tier = 1
        elif tier < 3 and rng.random() < 0.12:
            escalate = True
        source = self._pick(SOURCES)
        if scenario in RATED and source == Source.PATROL:
            source = Source.VISIT  # a patrol has no reporter to rate it
        reply_hours = category.reply_days * 24 * 1.4
        late = rng.random() < 0.1
        u = rng.uniform
        suspends = scenario in ("suspended", "resumed")
        fails = scenario == "verify_failed"
        again = scenario == "reopened_resolved"
        delays = {
            "accept": u(0.2, 3),
            "assign": u(0.2, 5),
            "escalate": u(4, 48) if escalate else 0,
            "consult": u(12, 72) if tier > 1 or escalate or scenario == "escalated" else 0,
            "due": 24 * 20 if scenario in ("overdue", "escalated") else 0,
            "suspend_request": u(24, 72) if suspends else 0,
            "suspend_approve": u(2, 24) if suspends else 0,
            "resume": u(120, 480) if scenario == "resumed" else 0,
            "reply": reply_hours * (u(1.05, 1.6) if late else u(0.15, 0.85)),
            "fail_verify": u(4, 30) if fails else 0,
            "fail_reply": u(24, 96) if fails else 0,
            "verify": u(2, 30),
            "close": u(1, 24),
            "rate": u(2, 72),
            "again_reply": u(24, 120) if again else 0,
            "again_verify": u(2, 30) if again else 0,
            "again_close": u(1, 24) if again else 0,
            "again_rate": u(2, 72) if again else 0,
        }
        return Plan(scenario, category, tier, source, self._place(), delays, escalate)

    def _start(self, plan: Plan) -> dt.datetime:
        rng = self.rng
        span = dt.timedelta(hours=plan.span_hours())
        if plan.scenario == "reported":
            return self.now - dt.timedelta(hours=rng.uniform(0.2, 3))
        if plan.scenario == "accepted":
            return self.now - dt.timedelta(hours=rng.uniform(3.5, 20))
        if plan.scenario in IN_PROGRESS:
            # far enough back to reach the scenario's last step, not so far that it is stale
            slack = dt.timedelta(hours=rng.uniform(1, 48))
            start = self.now - span - slack
        else:
            room = max(0.0, SPAN_DAYS - span / DAY - 1)
            start = self.now - span - dt.timedelta(days=rng.uniform(0.5, room))
        # people report in the daytime
        local = timezone.localtime(start)
        daytime = local.replace(hour=rng.randint(7, 20), minute=rng.randint(0, 59))
        start = daytime if daytime <= local else daytime - DAY
        return min(start, self.now - dt.timedelta(hours=4))

    # ------------------------------------------------------------ steps

    def _reporter(self, plan: Plan) -> tuple[User | None, str, str]:
        """Who files the case for this source, and the reporter's name and phone."""
        rng, place = self.rng, plan.place
        staff = place.staff
        name = rng.choice(stories.REPORTER_NAMES)
        phone = f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        if plan.source == Source.WEB:
            return None, name, phone
        if plan.source == Source.HOTLINE:
            return staff.dispatcher, name, phone
        if plan.source == Source.PATROL:
            return staff.gridworkers[place.grid.area.pk], "", ""
        if plan.source in (Source.VISIT, Source.LISTENING):
            return staff.neighbourhood_users[place.neighbourhood.area.pk], name, phone
        return staff.leader, name, phone if rng.random() < 0.7 else ""

    def _create(self, plan: Plan, at: dt.datetime, *, jitter: bool = False) -> Case:
        rng, place = self.rng, plan.place
        _weight, tales, _replies = stories.STORIES[plan.category.code]
        title, description = rng.choice(tales)
        names = {"place": place.text, "estate": place.estate, "street": place.street}
        spec = place.territory.spec
        address = place.street if "{street}" in title else place.text
        actor, name, phone = self._reporter(plan)
        lat, lng = place.lat, place.lng
        if jitter:  # a second report of the same problem, pinned a few metres away
            moved = (lat + rng.uniform(-0.00003, 0.00003), lng + rng.uniform(-0.00003, 0.00003))
            if geometry.from_geojson(place.neighbourhood.area.boundary).contains(Point(moved[1], moved[0])):
                lat, lng = moved
        case = services.create_case(
            actor=actor,
            category=plan.category,
            title=title.format(**names),
            description=description.format(**names),
            source=plan.source,
            lat=lat,
            lng=lng,
            address=f"{spec.district_name}{spec.name}{address}",
            reporter_name=name,
            reporter_phone=phone,
            now=at,
        )
        self.made.append(case)
        return case

    def _unit_for(self, plan: Plan, tier: int) -> Unit:
        staff, place = plan.place.staff, plan.place
        if tier == Tier.NEIGHBOURHOOD:
            return staff.committees[place.neighbourhood.area.pk]
        if tier == Tier.GRID:
            return staff.stations[place.grid.area.pk]
        return self._department(plan)

    def _department(self, plan: Plan) -> Unit:
        staff = plan.place.staff
        name = plan.category.default_unit_name
        if name in staff.departments:
            return staff.departments[name]
        return staff.centre if name == staff.centre.name else staff.departments["城管中队"]

    def _member(self, plan: Plan, unit: Unit) -> User:
        return plan.place.staff.members[unit.pk]

    def _meeting(self, plan: Plan, case: Case, clock: Clock) -> Case:
        rng, staff, place = self.rng, plan.place.staff, plan.place
        committee = staff.committees[place.neighbourhood.area.pk]
        department = self._department(plan)
        if case.tier == Tier.GRID:
            at = clock.after(plan.delays["consult"])
            station = staff.stations[place.grid.area.pk]
            lead = department if rng.random() < 0.6 else committee
            co = committee if lead == department else department
            participants = [station, committee, department]
            if plan.category.code in ("1602", "1606", "1609", "1610", "1611", "1615", "1621"):
                participants.append(rng.choice(staff.property_managers))
            decision = rng.choice(stories.CONSULT_DECISIONS).format(lead=lead.name, co=co.name)
            return services.record_consultation(
                case=case,
                actor=staff.dispatcher,
                held_on=timezone.localdate(at),
                participants=participants,
                decision=decision,
                lead_unit=lead,
                co_units=[co],
                now=at,
            )
        if case.tier == Tier.SUBDISTRICT:
            at = clock.after(plan.delays["consult"] or rng.uniform(24, 96))
            others = [u for u in staff.departments.values() if u != department]
            helper = rng.choice(others)
            decision = rng.choice(stories.COORDINATE_DECISIONS).format(
                lead=department.name, co=f"{helper.name}、{committee.name}"
            )
            return services.record_coordination(
                case=case,
                actor=staff.leader,
                held_on=timezone.localdate(at),
                participants=[department, helper, committee],
                decision=decision,
                lead_unit=department,
                co_units=[helper, committee],
                now=at,
            )
        return case

    def _reply(self, plan: Plan, case: Case, at: dt.datetime) -> Case:
        _w, _tales, replies = stories.STORIES[plan.category.code]
        return services.reply_case(
            case=case, actor=self._member(plan, case.assigned_unit), text=self.rng.choice(replies), now=at
        )

    def _rate(self, plan: Plan, case: Case, at: dt.datetime, rating: str) -> Case:
        comment = self.rng.choice(stories.RATING_COMMENTS[rating])
        by_phone = self.rng.random() < 0.3 or not case.reporter_phone
        return services.rate_case(
            case=case,
            rating=rating,
            solved=rating != Rating.UNSATISFIED,
            comment=comment,
            actor=plan.place.staff.dispatcher if by_phone else None,
            now=at,
        )

    def _finish(self, plan: Plan, case: Case, clock: Clock, rating: str, prefix: str = "") -> Case:
        """Verify, close and (for rated scenarios) rate a replied case."""
        rng, dispatcher = self.rng, plan.place.staff.dispatcher
        case = services.verify_case(
            case=case,
            actor=dispatcher,
            passed=True,
            note=rng.choice(stories.VERIFY_NOTES),
            now=clock.after(plan.delays[prefix + "verify"]),
        )
        if plan.scenario == "verified" and not prefix:
            return case
        case = services.close_case(
            case=case, actor=dispatcher, now=clock.after(plan.delays[prefix + "close"])
        )
        if plan.scenario == "closed" or not rating:
            return case
        return self._rate(plan, case, clock.after(plan.delays[prefix + "rate"]), rating)

    # ------------------------------------------------------------ one story

    def play(self, plan: Plan) -> None:
        rng, staff = self.rng, plan.place.staff
        dispatcher = staff.dispatcher
        clock = Clock(self._start(plan), self.limit)
        case = self._create(plan, clock.t)
        with contextlib.suppress(Stop):
            self._play(plan, case, clock)
        self._sweep(case)
        if plan.scenario == "merged" and case.pk not in self.masters:
            # the master's story was too short to hold its duplicate: report it now
            clock = Clock(self.now - dt.timedelta(hours=rng.uniform(1, 3)), self.limit)
            with contextlib.suppress(Stop):
                self._duplicate(plan, case, clock, dispatcher)

    def _sweep(self, case: Case) -> None:
        """What the deadline sweep (every few minutes) would have done to the case by now."""
        auto_escalate = getattr(settings, "GONGZHI_AUTO_ESCALATE", True)
        for _round in range(3):  # an escalated case may miss its new deadline too
            case = Case.objects.get(pk=case.pk)
            if not case.is_open or case.status == Status.SUSPENDED or case.overdue:
                return
            moment = case.next_due + dt.timedelta(minutes=self.rng.uniform(5, 30))
            if moment >= self.limit:
                return
            services.mark_overdue(case=case, now=moment, auto_escalate=auto_escalate)

    def _duplicate(self, plan: Plan, master: Case, clock: Clock, dispatcher: User) -> None:
        duplicate = self._create(plan, clock.after(self.rng.uniform(0.2, 1)), jitter=True)
        services.merge_case(
            case=duplicate,
            master=master,
            actor=dispatcher,
            note=self.rng.choice(stories.MERGE_NOTES),
            now=clock.after(self.rng.uniform(0.1, 0.5)),
        )
        self.masters.add(master.pk)

    def _play(self, plan: Plan, case: Case, clock: Clock) -> None:
        rng, staff, scenario = self.rng, plan.place.staff, plan.scenario
        dispatcher, leader = staff.dispatcher, staff.leader
        if scenario == "reported":
            return
        if scenario == "rejected":
            services.reject_case(
                case=case,
                actor=dispatcher,
                reason=rng.choice(stories.REJECT_REASONS),
                now=clock.after(plan.delays["accept"]),
            )
            return
        case = services.accept_case(case=case, actor=dispatcher, now=clock.after(plan.delays["accept"]))
        if scenario == "merged":
            second = Clock(clock.t, self.limit)
            self._duplicate(plan, case, second, dispatcher)
            clock.at(second.t)
        if scenario == "accepted":
            return
        case = services.assign_case(
            case=case,
            actor=dispatcher,
            tier=plan.tier,
            unit=self._unit_for(plan, plan.tier),
            now=clock.after(plan.delays["assign"]),
        )
        if scenario == "escalated":
            # nobody replied in time: the sweep escalates it to a grid consultation
            services.mark_overdue(
                case=case, now=clock.at(case.reply_due + rng.uniform(0.5, 6) * HOUR), auto_escalate=True
            )
            case = Case.objects.get(pk=case.pk)
        elif plan.escalate:
            actor = (
                staff.neighbourhood_users[plan.place.neighbourhood.area.pk] if case.tier == 1 else dispatcher
            )
            case = services.escalate_case(
                case=case,
                actor=actor,
                reason=rng.choice(stories.ESCALATE_REASONS),
                now=clock.after(plan.delays["escalate"]),
            )
        case = self._meeting(plan, case, clock)
        if scenario == "assigned":
            return
        if scenario == "overdue":
            services.mark_overdue(
                case=case, now=clock.at(case.next_due + rng.uniform(1, 30) * HOUR), auto_escalate=False
            )
            return
        if scenario in ("suspended", "resumed"):
            member = self._member(plan, case.assigned_unit)
            case = services.request_suspension(
                case=case,
                actor=member,
                reason=rng.choice(stories.SUSPEND_REASONS),
                now=clock.after(plan.delays["suspend_request"]),
            )
            case = services.approve_suspension(
                case=case,
                actor=leader,
                approved=True,
                note="同意挂起。",
                now=clock.after(plan.delays["suspend_approve"]),
            )
            if scenario == "suspended":
                return
            case = services.resume_case(
                case=case,
                actor=dispatcher,
                note="条件已具备，恢复处置。",
                now=clock.after(plan.delays["resume"]),
            )
        case = self._reply(plan, case, clock.after(plan.delays["reply"]))
        if scenario == "replied":
            return
        if scenario == "verify_failed":
            case = services.verify_case(
                case=case,
                actor=dispatcher,
                passed=False,
                note=rng.choice(stories.VERIFY_FAIL_NOTES),
                now=clock.after(plan.delays["fail_verify"]),
            )
            case = self._reply(plan, case, clock.after(plan.delays["fail_reply"]))
        first = {
            "reopened": Rating.UNSATISFIED,
            "reopened_resolved": Rating.UNSATISFIED,
            "basically": Rating.BASICALLY,
        }
        rating = first.get(scenario, Rating.SATISFIED if scenario in RATED else "")
        if scenario == "merged":
            rating = Rating.SATISFIED
        case = self._finish(plan, case, clock, rating)
        if scenario != "reopened_resolved":
            return
        # reopened by the unsatisfied rating: handled again, and this time it holds
        case = self._reply(plan, case, clock.after(plan.delays["again_reply"]))
        self._finish(plan, case, clock, rng.choice([Rating.SATISFIED, Rating.BASICALLY]), prefix="again_")

    # ------------------------------------------------------------ all

    def make(self, count: int) -> Counter:
        order = list(SCENARIOS)
        while len(self.made) < count:
            scenario = order.pop(0) if order else self._pick(SCENARIOS)
            self.play(self.plan(scenario))
        return Counter(Case.objects.values_list("status", flat=True))


def make_cases(
    *, rng: random.Random, territories: list[tuple[Territory, Staff]], count: int, now: dt.datetime
) -> Counter:
    """Make about `count` cases; returns the number in each status."""
    return CaseMaker(rng=rng, territories=territories, now=now).make(count)
