"""Drawing what happens to each demo case: its scenario (where its story ends), place, category,
tier, source and the delays between its steps, and when it starts so that its story ends before
now: finished cases spread over the last six months, open ones are recent, overdue ones started
weeks ago."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from django.utils import timezone

from gongzhi.cases.models import Category, Source
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


class Planner:
    def __init__(
        self, *, rng: random.Random, territories: list[tuple[Territory, Staff]], now: dt.datetime
    ) -> None:
        self.rng = rng
        self.territories = territories
        self.now = now
        categories = Category.objects.in_bulk(list(stories.STORIES), field_name="code")
        self.categories = [
            (categories[code], stories.STORIES[code]) for code in stories.STORIES if code in categories
        ]

    def pick(self, weights: dict) -> str:
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
        source = self.pick(SOURCES)
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

    def start(self, plan: Plan) -> dt.datetime:
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
