"""The demo territory: two real Shanghai subdistricts, cut into grids, neighbourhoods, estates and
buildings. Subdistrict outlines are simplified public outlines kept in `demo/data/`; the cuts
below them are invented (the real grid lines are not public)."""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from gongzhi.demo import geometry
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.services import create_area

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class SubdistrictSpec:
    key: str  # file stem in demo/data and key of the address list
    code: str
    name: str
    short: str  # for unit and grid names: 华阳, 湖南
    district_code: str
    district_name: str
    suffix: str  # appended to usernames
    # grids, each a list of (neighbourhood name, pinyin slug)
    grids: list[list[tuple[str, str]]]


SUBDISTRICTS = [
    SubdistrictSpec(
        key="huayang_road",
        code="310105001",
        name="华阳路街道",
        short="华阳",
        district_code="310105",
        district_name="长宁区",
        suffix="",
        grids=[
            [("姚家角", "yaojiajiao"), ("天诚", "tiancheng"), ("陶家宅", "taojiazhai"), ("飞乐", "feile")],
            [("华院", "huayuan"), ("华一", "huayi"), ("华二", "huaer"), ("华三", "huasan")],
            [("华四", "huasi"), ("华五", "huawu"), ("秀水", "xiushui")],
            [("长二", "changer"), ("潘西", "panxi"), ("大西", "daxi")],
        ],
    ),
    SubdistrictSpec(
        key="hunan_road",
        code="310104004",
        name="湖南路街道",
        short="湖南",
        district_code="310104",
        district_name="徐汇区",
        suffix="_hn",
        grids=[
            [("陕新", "shanxin"), ("武康", "wukang")],
            [("复中", "fuzhong"), ("东湖", "donghu")],
            [("高安", "gaoan"), ("五原", "wuyuan")],
            [("建业", "jianye"), ("永嘉", "yongjia")],
        ],
    ),
]

GRID_ORDINALS = "一二三四五六七八九十"
ESTATES_PER_NEIGHBOURHOOD = 3
ESTATE_SUFFIXES = ["新村", "小区", "公寓", "花园", "坊", "苑"]


@dataclass
class Neighbourhood:
    area: Area
    slug: str
    estates: list[Area] = field(default_factory=list)
    buildings: list[Area] = field(default_factory=list)


@dataclass
class Grid:
    area: Area
    ordinal: int
    neighbourhoods: list[Neighbourhood] = field(default_factory=list)


@dataclass
class Territory:
    spec: SubdistrictSpec
    subdistrict: Area
    grids: list[Grid] = field(default_factory=list)
    # addresses (road + number) inside the subdistrict, for case addresses
    addresses: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def neighbourhoods(self) -> list[Neighbourhood]:
        return [n for g in self.grids for n in g.neighbourhoods]


def outline(key: str) -> BaseGeometry:
    with open(DATA / f"{key}.geojson", encoding="utf-8") as handle:
        collection = json.load(handle)
    return geometry.from_geojson(collection["features"][0]["geometry"])


def addresses(key: str) -> list[tuple[str, float, float]]:
    with open(DATA / "addresses.csv", encoding="utf-8", newline="") as handle:
        return [
            (row["address"], float(row["lng"]), float(row["lat"]))
            for row in csv.DictReader(handle)
            if row["subdistrict"] == key
        ]


def _split_exactly(parent: BaseGeometry, k: int, rng: random.Random) -> list[BaseGeometry]:
    for _attempt in range(20):
        pieces = geometry.split(parent, k, rng)
        if len(pieces) == k:
            return pieces
    raise RuntimeError(f"could not cut an outline into {k} pieces")


def _estate_name(address: str) -> str:
    """ "长宁支路279弄（住宅）" → "长宁支路279弄"; "耀华小区伊犁路134弄" → "耀华小区"."""
    address = re.sub(r"[（(].*?[)）]", "", address).strip()
    for marker in ("小区", "新村", "公寓", "花园", "弄"):
        if marker in address:
            return address[: address.index(marker) + len(marker)]
    return address


def _estates(
    neighbourhood: Neighbourhood,
    shape: BaseGeometry,
    candidates: list[tuple[str, float, float]],
    rng: random.Random,
) -> None:
    """A few estates, each a small block around a real address where one lies inside, and a few
    buildings in each."""
    inner = shape.buffer(-0.0003)
    if inner.is_empty:
        inner = shape
    prepared = prep(inner)
    inside = [a for a in candidates if prepared.contains(Point(a[1], a[2]))]
    rng.shuffle(inside)
    placed: list[BaseGeometry] = []
    used_names: set[str] = set()
    for index in range(ESTATES_PER_NEIGHBOURHOOD):
        for _attempt in range(30):
            if inside:
                name, lng, lat = inside.pop()
                centre = Point(lng, lat)
            else:
                centre = geometry.random_point_in(inner, rng)
                short = neighbourhood.area.name.removesuffix("居民区")
                name = f"{short}{rng.choice(ESTATE_SUFFIXES)}"
            block = geometry.rectangle(
                centre, rng.uniform(0.0006, 0.0009), rng.uniform(0.0004, 0.0006), rng.uniform(-0.3, 0.3)
            )
            if not shape.contains(block) or any(block.intersects(p) for p in placed):
                continue
            name = _estate_name(name)
            if name in used_names:
                name = f"{name}（{index + 1}）"
            used_names.add(name)
            placed.append(block)
            estate = create_area(
                code=f"{neighbourhood.area.code}-E{index + 1}",
                name=name,
                kind=AreaKind.ESTATE,
                parent=neighbourhood.area,
                boundary=geometry.to_geojson(block),
            )
            neighbourhood.estates.append(estate)
            _buildings(neighbourhood, estate, block, rng)
            break


def _buildings(neighbourhood: Neighbourhood, estate: Area, block: BaseGeometry, rng: random.Random) -> None:
    """Two to four slab blocks in a row inside the estate."""
    count = rng.randint(2, 4)
    minx, miny, maxx, maxy = block.bounds
    made = 0
    for number in range(1, 12):
        if made == count:
            break
        x = minx + (maxx - minx) * (0.2 + 0.6 * ((number - 1) % 4) / 3)
        y = miny + (maxy - miny) * (0.35 if number <= 4 else 0.65)
        slab = geometry.rectangle(Point(x, y), 0.00009, 0.00004, 0.0)
        if not block.buffer(-0.00002).contains(slab):
            continue
        made += 1
        building = create_area(
            code=f"{estate.code}-B{made}",
            name=f"{made}号楼",
            kind=AreaKind.BUILDING,
            parent=estate,
            boundary=geometry.to_geojson(slab),
        )
        neighbourhood.buildings.append(building)


def build(rng: random.Random) -> list[Territory]:
    """Create the districts, subdistricts, grids, neighbourhoods, estates and buildings."""
    territories = []
    districts: dict[str, Area] = {}
    for spec in SUBDISTRICTS:
        district = districts.get(spec.district_code)
        if district is None:
            district = Area.objects.filter(code=spec.district_code).first() or create_area(
                code=spec.district_code, name=spec.district_name, kind=AreaKind.DISTRICT
            )
            districts[spec.district_code] = district
        shape = outline(spec.key)
        subdistrict = create_area(
            code=spec.code,
            name=spec.name,
            kind=AreaKind.SUBDISTRICT,
            parent=district,
            boundary=geometry.to_geojson(shape),
        )
        territory = Territory(spec=spec, subdistrict=subdistrict, addresses=addresses(spec.key))
        grid_shapes = _split_exactly(shape, len(spec.grids), rng)
        for g, (grid_shape, members) in enumerate(zip(grid_shapes, spec.grids, strict=True), start=1):
            grid_area = create_area(
                code=f"{spec.code}-G{g:02d}",
                name=f"{spec.short}第{GRID_ORDINALS[g - 1]}网格",
                kind=AreaKind.GRID,
                parent=subdistrict,
                boundary=geometry.to_geojson(grid_shape),
            )
            grid = Grid(area=grid_area, ordinal=g)
            pieces = _split_exactly(grid_shape, len(members), rng)
            for n, (piece, (name, slug)) in enumerate(zip(pieces, members, strict=True), start=1):
                area = create_area(
                    code=f"{spec.code}-G{g:02d}-N{n:02d}",
                    name=f"{name}居民区",
                    kind=AreaKind.NEIGHBOURHOOD,
                    parent=grid_area,
                    boundary=geometry.to_geojson(piece),
                )
                neighbourhood = Neighbourhood(area=area, slug=slug)
                _estates(neighbourhood, piece, territory.addresses, rng)
                grid.neighbourhoods.append(neighbourhood)
            territory.grids.append(grid)
        territories.append(territory)
    return territories
