import io
import random

from gongzhi.registry import demo, validators
from gongzhi.registry.models import Organization, Resident, ResidentTag, TagGroup
from gongzhi.visits import demo as visits_demo
from gongzhi.visits.models import Visit


def test_demo_seeds_valid_registry_and_visits(world):
    out = io.StringIO()
    subdistricts = [world.a.subdistrict, world.b.subdistrict]
    demo.seed(rng=random.Random(7), subdistricts=subdistricts, stdout=out, residents_per_subdistrict=40)
    assert Resident.objects.filter(subdistrict=world.a.subdistrict).count() >= 40
    for r in Resident.objects.filter(id_type="resident_id")[:50]:
        validators.clean_id_number(r.unseal("id_number"))
    for o in Organization.objects.exclude(credit_code=""):
        validators.clean_credit_code(o.credit_code)
    assert TagGroup.objects.filter(subdistrict=world.a.subdistrict, kind="nine").get().tags.count() == 9
    assert ResidentTag.objects.exists()
    visits_demo.seed(rng=random.Random(7), subdistricts=subdistricts, stdout=out)
    assert Visit.objects.filter(subdistrict=world.a.subdistrict).exists()
    assert "实有人口" in out.getvalue() and "走访" in out.getvalue()


def test_synthetic_rows_import_cleanly(reg):
    from gongzhi.registry import importing

    rows = demo.resident_rows(60, area_codes=["A-B1"])
    report = importing.import_rows("residents", rows, None, dry_run=False)
    assert report.ok and report.created == 60, report.lines()[:3]
