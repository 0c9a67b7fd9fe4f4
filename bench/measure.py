"""Timing helpers and the shape of one result row."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    """One line of the table. Times are seconds per operation; `ratio` = subject ÷ reference
    time (above 1: slower than the reference). `figure`/`reference` are the printed texts."""

    workload: str
    size: str
    figure: str
    reference: str = ""
    ratio: float | None = None
    note: str = ""
    skipped: str = ""
    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def timings(fn: Callable[[], object], *, repeat: int, warmup: int = 2, budget: float = 6.0) -> list[float]:
    """`repeat` timed calls after `warmup` untimed ones, stopping early (after at least 5) once
    `budget` seconds are spent: slow queries get fewer samples, so their p99 is nearer the max."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    spent = 0.0
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        out.append(time.perf_counter() - began)
        spent += out[-1]
        if spent > budget and len(out) >= 5:
            break
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": percentile(values, 0.5),
        "p99": percentile(values, 0.99),
        "mean": statistics.fmean(values) if values else float("nan"),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def p50_p99(values: list[float]) -> str:
    s = summary(values)
    return f"p50 {ms(s['p50'])} / p99 {ms(s['p99'])}"


def rate(count: int, seconds: float, unit: str = "/s") -> str:
    return f"{count / seconds:,.0f}{unit}" if seconds > 0 else "–"
