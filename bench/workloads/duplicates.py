"""Duplicate lookup: `gongzhi.text.duplicates.DuplicateIndex` over N past cases (Chinese complaint
texts from the generator's title templates and details, points over the generated subdistricts,
times over one year), then `query(text, lat, lng, when)` for new cases: half of them re-reports of
an indexed case (reworded, up to ~150 m away, 0–20 days later), half fresh.

Reference: brute force on the same vectors: for every query, a numpy mask of all N rows inside
the same 500 m / 60-day window (haversine over every row), then the cosine of the query against
every row in the mask (one sparse product). The index's top hit is compared with the brute
force's top hit (ties by score count as agreement)."""

from __future__ import annotations

import datetime as dt
import math
import random
import time

import numpy as np
from shapely.geometry import shape

from bench.measure import Row, ms, p50_p99, summary
from gongzhi.demo.generate.catalogue import BUILTIN_TREE, DETAILS
from gongzhi.territory.models import Area
from gongzhi.text.duplicates import DuplicateIndex, haversine_m
from gongzhi.text.duplicates import Row as IndexRow

QUERIES = 500
RADIUS_M = 500.0
DAYS = 60.0
MIN_SCORE = 0.25

PLACES = [
    f"{road}{n}号"
    for road in ("长宁路", "华山路", "江苏路", "愚园路", "延安西路", "武夷路")
    for n in range(1, 60)
]
OPENINGS = ["", "您好，", "我要反映：", "居民来电：", "网格员上报："]
EXTRA = ["", "今天又发生了。", "已经第二次反映了。", "麻烦尽快处理，谢谢。", "附近很多居民都有意见。"]


def _size(scale) -> int:
    if scale.name.startswith("tiny"):
        return 5_000
    if scale.name.startswith(("million", "city")):
        return 1_000_000
    return 100_000


def _texts():
    return [t for top in BUILTIN_TREE.values() for _leaf, _unit, titles in top for t in titles]


def _text(rng: random.Random, titles: list[str]) -> str:
    title = rng.choice(titles).format(place=rng.choice(PLACES))
    return f"{rng.choice(OPENINGS)}{title}。{rng.choice(DETAILS)}"


def _box() -> tuple[float, float, float, float]:
    boxes = [
        shape(b).bounds
        for b in Area.objects.filter(kind="subdistrict", code__startswith="BENCH-").values_list(
            "boundary", flat=True
        )
    ]
    if not boxes:  # no generated territory: a 4 km square in Shanghai
        return 121.40, 31.20, 121.44, 31.24
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _data(n: int, rng: random.Random):
    titles = _texts()
    minx, miny, maxx, maxy = _box()
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = [
        IndexRow(
            id=i,
            text=_text(rng, titles),
            lat=miny + (maxy - miny) * rng.random(),
            lng=minx + (maxx - minx) * rng.random(),
            when=start + dt.timedelta(seconds=rng.random() * 365 * 86400),
        )
        for i in range(n)
    ]
    queries = []
    for q in range(QUERIES):
        if q % 2 == 0:  # a re-report of an indexed case
            base = rows[rng.randrange(n)]
            text = base.text.split("。")[0] + "。" + rng.choice(EXTRA) + rng.choice(DETAILS)
            lat = base.lat + rng.uniform(-0.001, 0.001)
            lng = base.lng + rng.uniform(-0.001, 0.001)
            when = base.when + dt.timedelta(days=rng.uniform(0, 20))
        else:
            text = _text(rng, titles)
            lat = miny + (maxy - miny) * rng.random()
            lng = minx + (maxx - minx) * rng.random()
            when = start + dt.timedelta(seconds=rng.random() * 365 * 86400)
        queries.append((text, lat, lng, when))
    return rows, queries


def _brute(index: DuplicateIndex, lats, lngs, ts, matrix, query) -> tuple[int | None, float]:
    text, lat, lng, when = query
    t = when.timestamp()
    mask = (ts <= t) & (ts >= t - DAYS * 86400)
    mask &= haversine_m(lat, lng, lats, lngs) <= RADIUS_M
    cand = np.nonzero(mask)[0]
    if not len(cand):
        return None, 0.0
    q = index._vectors([text], truncate=False)
    scores = np.asarray((matrix[cand] @ q.T).todense()).ravel()
    best = int(np.argmax(scores))
    if scores[best] < MIN_SCORE:
        return None, 0.0
    return int(cand[best]), float(scores[best])


def run(scale, log) -> list[Row]:
    n = _size(scale)
    rng = random.Random(5)
    log(f"  {n:,} cases, {QUERIES} queries")
    rows, queries = _data(n, rng)

    began = time.perf_counter()
    index = DuplicateIndex.build(rows)
    index._ready()  # the first query would otherwise pay for stacking the blocks
    build = time.perf_counter() - began

    matrix, _lats, _lngs, _ts = index._ready()
    ts = np.array([r.when.timestamp() for r in rows])
    lats = np.array([r.lat for r in rows])
    lngs = np.array([r.lng for r in rows])
    # The index sorts rows by time; map its row numbers back to ours for the brute force.
    order = np.array(index.ids)
    lats, lngs, ts = lats[order], lngs[order], ts[order]

    found, took = [], []
    for text, lat, lng, when in queries:
        began = time.perf_counter()
        hits = index.query(text, lat, lng, when, radius_m=RADIUS_M, days=DAYS, min_score=MIN_SCORE)
        took.append(time.perf_counter() - began)
        found.append(hits[0] if hits else None)

    brute, ref_took = [], []
    for query in queries:
        began = time.perf_counter()
        brute.append(_brute(index, lats, lngs, ts, matrix, query))
        ref_took.append(time.perf_counter() - began)

    agree = 0
    with_hit = 0
    for hit, (pos, score) in zip(found, brute, strict=True):
        if pos is None:
            agree += hit is None
            continue
        with_hit += 1
        if hit is not None and (hit.id == index.ids[pos] or math.isclose(hit.score, score, abs_tol=1e-6)):
            agree += 1
    s, r = summary(took), summary(ref_took)
    cands = []
    for _text, lat, lng, when in queries[:50]:
        t = when.timestamp()
        mask = (ts <= t) & (ts >= t - DAYS * 86400) & (haversine_m(lat, lng, lats, lngs) <= RADIUS_M)
        cands.append(int(mask.sum()))
    size = f"{n:,} cases over 1 year; {QUERIES} queries"
    return [
        Row(
            "duplicate lookup: index build",
            f"{n:,} cases",
            f"{build:.1f} s ({n / build:,.0f} rows/s)",
            "",
            None,
            note="TF-IDF of char 2–3-grams (top 48 kept), cells, time-sorted buckets",
            values={"seconds": build},
        ),
        Row(
            "duplicate lookup: query (500 m, 60 days)",
            size,
            p50_p99(took),
            f"brute force {p50_p99(ref_took)}",
            s["p50"] / r["p50"] if r["p50"] else None,
            note=(
                f"top hit agrees {100 * agree / len(queries):.1f}% ({with_hit} queries with a hit ≥ {MIN_SCORE}); "
                f"~{int(np.median(cands)):,} rows in window (median); brute force mean {ms(r['mean'])}"
            ),
            values={"samples": took, "reference": ref_took, "agree": agree, "with_hit": with_hit},
        ),
    ]
