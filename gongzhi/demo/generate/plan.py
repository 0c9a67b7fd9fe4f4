"""What to generate, and what was generated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


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
    fan_out_from: int = 0  # > 0: simulate cases in this many subdistricts, copy them to the rest (PostgreSQL)
    fan_out_events: bool = True  # copy the events with the cases


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
    dwellings: int = 0
    organizations: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str], None]
