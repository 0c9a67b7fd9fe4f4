"""Point-in-polygon: which area a point falls in (`gongzhi.territory.geo.area_id_at`), for
random points over all generated subdistricts (every grid, neighbourhood and building outline).

Reference: shapely's vectorised STRtree query of all points at once over the same polygons,
deepest match per point (what a batch import could use). Answers are compared on every point."""

from __future__ import annotations

import random
import time

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import shape

from bench.measure import Row, ms
from gongzhi.territory import geo
from gongzhi.territory.models import Area


def run(scale, log) -> list[Row]:
    boxes = [
        shape(b).bounds
        for b in Area.objects.filter(kind="subdistrict", code__startswith="BENCH-").values_list(
            "boundary", flat=True
        )
    ]
    minx, miny = min(b[0] for b in boxes), min(b[1] for b in boxes)
    maxx, maxy = max(b[2] for b in boxes), max(b[3] for b in boxes)
    rng = random.Random(11)
    points = [
        (miny + (maxy - miny) * rng.random(), minx + (maxx - minx) * rng.random())
        for _ in range(scale.points)
    ]
    polygons = Area.objects.exclude(boundary=None).count()
    grids = Area.objects.filter(kind="grid").count()
    size = f"{scale.points:,} points; {polygons:,} outlines ({grids:,} grids)"

    geo.invalidate()
    began = time.perf_counter()
    geo.area_id_at(points[0][0], points[0][1])
    build = time.perf_counter() - began

    began = time.perf_counter()
    found = [geo.area_id_at(lat, lng) for lat, lng in points]
    subject = time.perf_counter() - began

    rows_ = list(Area.objects.exclude(boundary=None).values_list("id", "depth", "boundary"))
    began_ref_build = time.perf_counter()
    geoms = [shape(b) for _i, _d, b in rows_]
    tree = STRtree(geoms)
    ref_build = time.perf_counter() - began_ref_build
    ids = np.array([i for i, _d, _b in rows_])
    depths = np.array([d for _i, d, _b in rows_])
    began = time.perf_counter()
    arr = shapely.points([lng for _lat, lng in points], [lat for lat, _lng in points])
    point_idx, geom_idx = tree.query(arr, predicate="covered_by")
    order = np.lexsort((-depths[geom_idx], point_idx))  # per point, deepest first
    point_sorted, geom_sorted = point_idx[order], geom_idx[order]
    first = np.unique(point_sorted, return_index=True)[1]
    answer = np.full(len(points), -1)
    answer[point_sorted[first]] = ids[geom_sorted[first]]
    reference = time.perf_counter() - began

    mismatches = sum(1 for a, b in zip(found, answer.tolist(), strict=True) if (a or -1) != b)
    outside = sum(1 for a in found if a is None)
    return [
        Row(
            "area lookup: index build",
            f"{polygons:,} outlines",
            ms(build),
            f"bare STRtree {ms(ref_build)}",
            build / ref_build if ref_build else None,
            note="once per process (and after an outline changes)",
        ),
        Row(
            "area lookup: area_id_at per point",
            size,
            f"{scale.points / subject:,.0f} points/s ({ms(subject / scale.points)} each)",
            f"vectorised {scale.points / reference:,.0f} points/s",
            subject / reference,
            note=f"{mismatches} answers differ; {outside:,} points outside every area",
            values={"subject_seconds": subject, "reference_seconds": reference},
        ),
    ]
