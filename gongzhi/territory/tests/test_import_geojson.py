import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.tests.shared_data import shared_data
from gongzhi.territory import geo
from gongzhi.territory.models import Area
from gongzhi.testing import square

GEO = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "geo"


def write(tmp_path, features):
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def feature(code, name, geometry, **props):
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def test_grids_are_imported_under_the_parent(world, tmp_path):
    path = write(
        tmp_path,
        [
            feature("A-G3", "A第三网格", square(121.40, 31.21, 0.005)),
            feature("A-G4", "A第四网格", square(121.405, 31.21, 0.005)),
        ],
    )
    call_command("import_geojson", path, "--kind", "grid", "--parent", "A")
    grid = Area.objects.get(code="A-G4")
    assert (
        grid.parent == world.a.subdistrict and grid.kind == "grid" and grid.subdistrict == world.a.subdistrict
    )
    assert geo.area_id_at(31.2125, 121.4075) == grid.pk


def test_properties_drive_kind_and_parent(world, tmp_path):
    path = write(
        tmp_path,
        [
            feature("A-G3", "A第三网格", square(121.40, 31.21, 0.005), kind="grid", parent="A"),
            feature("A-N3", "A三居", square(121.40, 31.21, 0.002), kind="neighbourhood", parent="A-G3"),
            feature(
                "A-B1",
                "1号楼",
                {"type": "Point", "coordinates": [121.4005, 31.2105]},
                kind="building",
                parent="A-N3",
            ),
        ],
    )
    call_command("import_geojson", path)
    building = Area.objects.get(code="A-B1")
    assert building.parent.code == "A-N3" and building.boundary is None
    assert (building.centre_lat, building.centre_lng) == (31.2105, 121.4005)


@pytest.mark.parametrize(
    "bad",
    [
        feature(
            "A-G4", "自相交", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
        ),
        feature("A-G4", "", square(121.40, 31.21, 0.005)),
        feature("A-G1", "重复编码", square(121.40, 31.21, 0.005)),
        feature("A-G4", "经纬度颠倒", square(31.21, 121.40, 0.005)),
        {
            "type": "Feature",
            "properties": {"code": "A-G4", "name": "无父级", "parent": "NOPE"},
            "geometry": square(121.4, 31.2, 0.01),
        },
    ],
)
def test_one_bad_feature_imports_nothing(world, tmp_path, bad):
    good = feature("A-G3", "A第三网格", square(121.40, 31.21, 0.005))
    path = write(tmp_path, [good, bad])
    before = Area.objects.count()
    with pytest.raises(CommandError):
        call_command("import_geojson", path, "--kind", "grid", "--parent", "A")
    assert Area.objects.count() == before


def test_update_replaces_an_outline(world, tmp_path):
    path = write(tmp_path, [feature("A-G1", "A第一网格", square(121.40, 31.20, 0.012))])
    call_command("import_geojson", path, "--update")
    assert Area.objects.get(code="A-G1").boundary == square(121.40, 31.20, 0.012)


def test_not_geojson_is_refused(world, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_geojson", str(path))


def test_real_subdistrict_outline_imports(world):
    source = shared_data("geo", "huayang_road_subdistrict.geojson")
    call_command(
        "import_geojson",
        str(source),
        "--kind",
        "subdistrict",
        "--parent",
        "D1",
        "--code",
        "HY",
        "--name",
        "华阳路街道",
    )
    huayang = Area.objects.get(code="HY")
    assert huayang.subdistrict == huayang
    # 长宁路476弄, a Huayang Road address (WGS84 from the address list).
    assert geo.area_id_at(31.2247464, 121.4196653) == huayang.pk
