import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from gongzhi.core.tests.shared_data import shared_data
from gongzhi.territory import coords

REPO = Path(__file__).resolve().parents[3]
GEO = REPO / ".." / "shared" / "data" / "geo"


def address_rows():
    shared_data("geo", "huayang_road_addresses.csv")  # skips without ../shared (fails in CI)
    rows = []
    for name in ("huayang_road_addresses.csv", "hunan_road_addresses.csv"):
        with open(GEO / name, encoding="utf-8") as handle:
            rows += [
                tuple(float(r[k]) for k in ("wgs84_lat", "wgs84_lng", "gcj02_lat", "gcj02_lng"))
                for r in csv.DictReader(handle)
            ]
    return rows


def test_known_pair_from_the_published_algorithm():
    # Tiananmen, the example every implementation of the transform quotes.
    lat, lng = coords.wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)
    assert lng == pytest.approx(116.41024449916938, abs=1e-12)


def test_outside_china_is_unchanged():
    assert coords.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert coords.gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


def test_round_trip_is_exact_to_a_millimetre():
    for lat, lng in [(31.2171794, 121.4403392), (22.54, 114.06), (45.75, 126.63)]:
        back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lat, lng))
        assert back == pytest.approx((lat, lng), abs=1e-8)


def test_shanghai_addresses_match_both_directions():
    # The data's WGS84 column was derived from GCJ-02 by the one-step approximate inverse,
    # which is off by up to ~1.5 m; both directions must agree with it within 2 m (2e-5°).
    for wlat, wlng, glat, glng in address_rows():
        assert coords.wgs84_to_gcj02(wlat, wlng) == pytest.approx((glat, glng), abs=2e-5)
        assert coords.gcj02_to_wgs84(glat, glng) == pytest.approx((wlat, wlng), abs=2e-5)


def test_map_js_converts_exactly_as_python():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed: cannot run map.js")
    script = REPO / "gongzhi" / "static" / "gongzhi" / "map.js"
    points = [(31.2171794, 121.4403392), (39.915, 116.404), (22.54, 114.06)]
    program = (
        f"require({str(script)!r});"
        f"const pts = {[list(p) for p in points]!r};"
        "const c = globalThis.gongzhiCoords;"
        "console.log(JSON.stringify(pts.map(p => [c.wgs84ToGcj02(p[0], p[1]), c.gcj02ToWgs84(p[0], p[1])])));"
    )
    output = subprocess.run([node, "-e", program], capture_output=True, text=True, check=True, timeout=30)
    import json

    for (lat, lng), (gcj, wgs) in zip(points, json.loads(output.stdout), strict=True):
        assert gcj == pytest.approx(coords.wgs84_to_gcj02(lat, lng), abs=1e-12)
        assert wgs == pytest.approx(coords.gcj02_to_wgs84(lat, lng), abs=1e-10)


def test_geometry_conversion_keeps_the_shape():
    square = {
        "type": "Polygon",
        "coordinates": [[[121.4, 31.2], [121.41, 31.2], [121.41, 31.21], [121.4, 31.2]]],
    }
    converted = coords.convert_geometry(square)
    assert converted["type"] == "Polygon" and len(converted["coordinates"][0]) == 4
    lat, lng = coords.wgs84_to_gcj02(31.2, 121.4)
    assert converted["coordinates"][0][0] == [round(lng, 7), round(lat, 7)]
