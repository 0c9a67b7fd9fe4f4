"""Invented cases that walk the whole loop, made only through `gongzhi.cases.services` with past
timestamps (`now=`), so every event, deadline, message and rate is what the real loop makes.
What happens to each case is drawn in `plans.py`; here it is played, step by step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import Counter

from django.conf import settings
from django.utils import timezone
from shapely.geometry import Point

from gongzhi.accounts.models import Unit, User
from gongzhi.cases import services
from gongzhi.cases.models import Case, Rating, Source, Status, Tier
from gongzhi.demo import geometry, stories
from gongzhi.demo.people import Staff
from gongzhi.demo.plans import HOUR, RATED, SCENARIOS, Plan, Planner
from gongzhi.demo.territory import Territory


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


class CaseMaker:
    def __init__(
        self, *, rng: random.Random, territories: list[tuple[Territory, Staff]], now: dt.datetime
    ) -> None:
        self.rng = rng
        self.now = now
        self.limit = now - dt.timedelta(minutes=5)
        self.planner = Planner(rng=rng, territories=territories, now=now)
        self.made: list[Case] = []
        self.masters: set[int] = set()  # cases that hold a merged duplicate

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
            solved=_judged_solved(case, rating),
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
        clock = Clock(self.planner.start(plan), self.limit)
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
            scenario = order.pop(0) if order else self.planner.pick(SCENARIOS)
            self.play(self.planner.plan(scenario))
        return Counter(Case.objects.values_list("status", flat=True))


def make_cases(
    *, rng: random.Random, territories: list[tuple[Territory, Staff]], count: int, now: dt.datetime
) -> Counter:
    """Make about `count` cases; returns the number in each status."""
    return CaseMaker(rng=rng, territories=territories, now=now).make(count)


# How often a reporter says the problem is solved, by rating: satisfaction and resolution are
# separate questions (基本满意 often means "partly fixed"; some who are 不满意 with the way they
# were treated still say the problem is gone), so 解决率 and 满意率 differ as they do in real reviews.
SOLVED_GIVEN_RATING = {Rating.SATISFIED: 0.97, Rating.BASICALLY: 0.7, Rating.UNSATISFIED: 0.12}


def _judged_solved(case: Case, rating: str) -> bool:
    # A stream of its own per case, so that the rest of the demo draws the same numbers.
    return random.Random(f"solved:{case.number}:{case.reopen_count}").random() < SOLVED_GIVEN_RATING[rating]
