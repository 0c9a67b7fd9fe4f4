"""Cutting an outline into child outlines for the demo territory.

A parent polygon is split into `k` compact pieces: k-means over sample points inside it gives k
centres, their Voronoi cells are clipped to the parent. Voronoi cells tile the plane, so the
pieces cover the parent with no gap and no overlap, and each lies inside it.
"""

from __future__ import annotations

import math
import random

from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep


def to_geojson(geometry: BaseGeometry) -> dict:
    return mapping(geometry)


def from_geojson(geojson: dict) -> BaseGeometry:
    return shape(geojson)


def random_point_in(geometry: BaseGeometry, rng: random.Random, *, tries: int = 2000) -> Point:
    """A uniformly drawn point strictly inside `geometry`."""
    minx, miny, maxx, maxy = geometry.bounds
    prepared = prep(geometry)
    for _ in range(tries):
        point = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared.contains(point):
            return point
    return geometry.representative_point()


def _polygonal(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """Keep the polygon parts of an intersection (which may also hold stray lines or points)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def split(parent: BaseGeometry, k: int, rng: random.Random, *, samples: int = 600) -> list[BaseGeometry]:
    """Cut `parent` into `k` compact pieces, ordered north-west to south-east."""
    if k <= 1:
        return [parent]
    points = [random_point_in(parent, rng) for _ in range(samples)]
    centres = [(p.x, p.y) for p in rng.sample(points, k)]
    for _ in range(25):  # Lloyd's iterations: enough for compact, even pieces
        groups: list[list[tuple[float, float]]] = [[] for _ in centres]
        for p in points:
            nearest = min(range(k), key=lambda i: (p.x - centres[i][0]) ** 2 + (p.y - centres[i][1]) ** 2)
            groups[nearest].append((p.x, p.y))
        centres = [
            (sum(x for x, _ in g) / len(g), sum(y for _, y in g) / len(g)) if g else centres[i]
            for i, g in enumerate(groups)
        ]
    minx, miny, maxx, maxy = parent.bounds
    margin = max(maxx - minx, maxy - miny)
    envelope = Polygon(
        [
            (minx - margin, miny - margin),
            (maxx + margin, miny - margin),
            (maxx + margin, maxy + margin),
            (minx - margin, maxy + margin),
        ]
    )
    cells = voronoi_polygons(MultiPoint(centres), extend_to=envelope)
    pieces = []
    for cell in cells.geoms:
        piece = _polygonal(cell.intersection(parent))
        if not piece.is_empty:
            pieces.append(piece)
    pieces.sort(key=lambda g: (-round(g.centroid.y, 3), g.centroid.x))
    return pieces


def rectangle(centre: Point, width: float, height: float, angle: float) -> Polygon:
    """A rectangle (sizes in degrees) around `centre`, turned by `angle` radians."""
    cos, sin = math.cos(angle), math.sin(angle)
    corners = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = dx * width / 2, dy * height / 2
        corners.append((centre.x + x * cos - y * sin, centre.y + x * sin + y * cos))
    return Polygon(corners)
