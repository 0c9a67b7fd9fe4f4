"""A masked export re-imported as it is changes nothing; a masked number means "unchanged"."""

from gongzhi.registry import exporting, importing
from gongzhi.registry.models import Dwelling, RegistryChange, Resident


def _reimport(reg, kind, tmp_path, body: bytes):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(body)
    return importing.import_file(kind, path, reg.world.a.users["neighbourhood"], dry_run=False)


def test_masked_resident_export_reimports_unchanged(reg, tmp_path):
    user = reg.world.a.users["neighbourhood"]
    body = exporting.export_bytes("residents", "csv", user=user)
    assert "*" in body.decode("utf-8-sig")  # it is masked
    before = {r.pk: (r.id_number_hash, r.phone_hash) for r in Resident.objects.all()}
    report = _reimport(reg, "residents", tmp_path, body)
    assert report.ok, report.lines()
    assert report.created == 0 and report.unchanged >= 1
    assert {r.pk: (r.id_number_hash, r.phone_hash) for r in Resident.objects.all()} == before
    assert not RegistryChange.objects.filter(field__in=["id_number", "phone"]).exists()


def test_masked_row_with_an_edited_note_updates_only_the_note(reg, tmp_path):
    user = reg.world.a.users["neighbourhood"]
    text = exporting.export_bytes("residents", "csv", user=user).decode("utf-8-sig")
    lines = text.splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",行动不便"
    report = _reimport(reg, "residents", tmp_path, ("\n".join(lines) + "\n").encode("utf-8-sig"))
    assert report.ok, report.lines()
    assert report.updated == 1
    assert Resident.objects.filter(note="行动不便").count() == 1


def test_a_mask_that_is_not_the_stored_one_is_refused(reg, tmp_path):
    user = reg.world.a.users["neighbourhood"]
    text = exporting.export_bytes("residents", "csv", user=user).decode("utf-8-sig")
    resident = Resident.objects.filter(area__path__startswith=reg.world.a.subdistrict.path).first()
    wrong = (
        resident.id_number_mask[:-4] + "0000"
        if not resident.id_number_mask.endswith("0000")
        else resident.id_number_mask[:-4] + "1111"
    )
    text = text.replace(resident.id_number_mask, wrong, 1)
    report = _reimport(reg, "residents", tmp_path, text.encode("utf-8-sig"))
    assert not report.ok
    assert "脱敏" in report.errors[0].message


def test_masked_dwelling_phone_reimports_unchanged(reg, tmp_path):
    user = reg.world.a.users["neighbourhood"]
    Dwelling.objects.filter(pk=reg.resident_a.dwelling_id).update(owner_name="房东")
    dwelling = Dwelling.objects.get(pk=reg.resident_a.dwelling_id)
    dwelling.seal("owner_phone", "13912345678")
    dwelling.save()
    body = exporting.export_bytes("dwellings", "csv", user=user)
    assert "139****5678" in body.decode("utf-8-sig")
    report = _reimport(reg, "dwellings", tmp_path, body)
    assert report.ok, report.lines()
    dwelling.refresh_from_db()
    assert dwelling.unseal("owner_phone") == "13912345678"


def test_template_has_an_example_row_and_the_scope_buildings(reg, tmp_path):
    import io

    import openpyxl

    user = reg.world.a.users["neighbourhood"]
    book = openpyxl.load_workbook(io.BytesIO(importing.template_xlsx("residents", user=user)))
    assert book.sheetnames[0] == "实有人口" and book.worksheets[0].max_row == 1  # no data rows
    guide = [[c.value for c in row] for row in book["填写说明"].iter_rows()]
    example = guide[-1]
    assert example[3] == "张建国" and len(example[5]) == 18
    codes = [[c.value for c in row] for row in book["楼栋编码"].iter_rows(min_row=2)]
    assert codes and all(code for code, _name in codes)
    assert example[0] == codes[0][0]
    estate = reg.world.a.estate
    assert any(name.startswith(estate.name) or name == estate.name for _c, name in codes)
    other_side = {
        a.code
        for a in reg.world.b.subdistrict.__class__.objects.filter(
            path__startswith=reg.world.b.subdistrict.path
        )
    }
    assert not {code for code, _n in codes} & other_side


def test_imported_dwellings_get_the_full_address(reg, tmp_path):
    from gongzhi.territory.services import create_area

    building = create_area(code="A-B9", name="9号楼", kind="building", parent=reg.world.a.estate)
    path = tmp_path / "d.csv"
    path.write_text(f"楼栋编码,房号\n{building.code},902室\n", encoding="utf-8")
    report = importing.import_file("dwellings", path, reg.world.a.users["neighbourhood"], dry_run=False)
    assert report.ok, report.lines()
    assert Dwelling.objects.get(area=building, room="902室").address == f"{reg.world.a.estate.name}9号楼902室"


def test_a_masked_reimport_reads_the_stored_rows_in_a_fixed_number_of_queries(reg, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.registry import services
    from gongzhi.registry.tests.conftest import person_id

    user = reg.world.a.users["neighbourhood"]

    def queries() -> int:
        body = exporting.export_bytes("residents", "csv", user=user)
        path = tmp_path / "r.csv"
        path.write_bytes(body)
        with CaptureQueriesContext(connection) as captured:
            report = importing.import_file("residents", path, user, dry_run=True)
        assert report.ok, report.lines()
        return len(captured)

    few = queries()
    for n in range(20):
        services.register_resident(
            actor=None, dwelling=reg.dwelling_a, data={"name": f"居民{n}", "id_number": person_id(100 + n)}
        )
    assert queries() == few
