"""Benchmark sizes. `BENCH_SCALE` picks one; `BENCH_CASES` / `BENCH_SUBDISTRICTS` override."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    subdistricts: int
    cases: int
    years: float = 5.0
    points: int = 100_000  # point-in-polygon lookups
    intake: int = 500  # in-process case intakes
    http_seconds: float = 8.0  # per HTTP load run
    repeat: int = 60  # timed repeats of a query
    fan_out_from: int = 0  # > 0: simulate this many subdistricts, copy them to the rest (PostgreSQL)


SCALES = {
    # Under 15 minutes on 2 cores, SQLite: 4 subdistricts of 50,000 cases each (five years).
    "default": Scale("default", subdistricts=4, cases=200_000),
    # The "1 million" queue size; PostgreSQL recommended (BENCH_DATABASE_URL).
    "million": Scale("million", subdistricts=10, cases=1_000_000),
    # The city: 215 subdistricts, 20 million cases; PostgreSQL only. Cases are simulated for 4
    # subdistricts and copied in SQL to the other 211 (`gongzhi generate --fan-out-from 4`):
    # about half an hour instead of 5–6 hours. BENCH_FAN_OUT_EVENTS=1 copies the events too.
    "city": Scale("city", subdistricts=215, cases=20_000_000, intake=2000, repeat=100, fan_out_from=4),
    # A smoke run of the bench itself.
    "tiny": Scale("tiny", subdistricts=2, cases=5_000, points=10_000, intake=100, http_seconds=3, repeat=20),
}


def current() -> Scale:
    scale = SCALES[os.environ.get("BENCH_SCALE", "default")]
    cases = int(os.environ.get("BENCH_CASES", scale.cases))
    subdistricts = int(os.environ.get("BENCH_SUBDISTRICTS", scale.subdistricts))
    if (cases, subdistricts) != (scale.cases, scale.subdistricts):
        scale = Scale(
            f"{scale.name}-custom",
            subdistricts,
            cases,
            scale.years,
            scale.points,
            scale.intake,
            scale.http_seconds,
            scale.repeat,
            min(scale.fan_out_from, max(subdistricts - 1, 0)),
        )
    return scale
