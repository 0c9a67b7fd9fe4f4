"""A15: residents who moved out more than N years ago are pseudonymised; the figures stay."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear

from gongzhi.accounts.models import AuditEvent
from gongzhi.registry import retention, selectors, services
from gongzhi.registry.crypto import mask_id_number, mask_phone
from gongzhi.registry.models import Household, RegistryChange, Residence, Resident, ResidentTag
from gongzhi.registry.tests.conftest import person_id

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def moved(reg):
    """王秀英 moved out in 2019 (past five years, with tags and an edited name), 陈阿婆 in 2023."""
    with time_machine.travel(dt.datetime(2018, 1, 5, 10, 0), tick=False):
        services.update_resident(
            actor=None, resident=reg.resident_a, data={"name": "王秀瑛", "note": "腿脚不便"}
        )
        services.tag_resident(
            actor=None, resident=reg.resident_a, tag=reg.poor_a, valid_from=dt.date(2015, 1, 1), note="低保证"
        )
        services.tag_resident(
            actor=None, resident=reg.resident_a, tag=reg.alone_a, valid_from=dt.date(2016, 1, 1)
        )
    recent = services.register_resident(
        actor=None,
        dwelling=reg.dwelling_a,
        data={
            "name": "陈阿婆",
            "id_number": person_id(3),
            "phone": "13900003333",
            "birth_date": "1941-07-09",
        },
    )
    services.tag_resident(actor=None, resident=recent, tag=reg.alone_a, valid_from=dt.date(2020, 1, 1))
    services.move_resident(actor=None, resident=reg.resident_a, on=dt.date(2019, 6, 1))
    services.move_resident(actor=None, resident=recent, on=dt.date(2023, 6, 1))
    return reg.resident_a, recent


def figures(reg) -> dict:
    """What the registry's pages and dashboards count."""
    leader = reg.world.a.users["leader"]
    residents = Resident.objects.all()
    group = (
        "subdistrict_id",
        "area_id",
        "dwelling_id",
        "gender",
        "registration_type",
        "living_status",
        "relation",
    )
    return {
        "residents": sorted(map(tuple, residents.values_list(*group).annotate(n=Count("id"))), key=str),
        "born": sorted(
            residents.annotate(y=ExtractYear("birth_date"))
            .values_list("y")
            .annotate(n=Count("id"))
            .values_list("y", "n"),
            key=str,
        ),
        "moved_out": sorted(
            residents.annotate(y=ExtractYear("moved_out_on"))
            .values_list("y")
            .annotate(n=Count("id"))
            .values_list("y", "n"),
            key=str,
        ),
        "living": residents.filter(moved_out_on__isnull=True).count(),
        "stays": sorted(
            Residence.objects.values_list("dwelling_id")
            .annotate(n=Count("id"))
            .values_list("dwelling_id", "n")
        ),
        "tag_holders": selectors.holders_by_tag(leader, on=TODAY),
        "by_area": [
            (a.pk, n)
            for a, n in selectors.counts_by_child_area(
                leader, selectors.residents_for(leader), reg.world.a.subdistrict
            )
        ],
        "dwellings_with_people": selectors.occupied_households_for(leader).count(),
    }


def test_past_retention_the_person_is_gone_and_the_figures_are_unchanged(reg, moved):
    old, recent = moved
    before = figures(reg)
    result = retention.apply_retention(today=TODAY)
    assert (result.pseudonymised, result.tags_dropped) == (1, 2)
    assert figures(reg) == before

    old.refresh_from_db()
    assert old.name == retention.pseudonym(old) and old.name.startswith("已去标识化居民")
    assert (old.id_number_enc, old.id_number_hash, old.id_number_mask) == ("", "", "")
    assert (old.phone_enc, old.phone_hash, old.phone_mask) == ("", "", "")
    assert old.note == "" and old.household is None and old.pseudonymised_on == TODAY
    assert old.birth_date == dt.date(1950, 1, 1)  # the year stays, day and month go
    assert not ResidentTag.objects.filter(resident=old).exists()
    assert not Household.objects.filter(head=old).exists()
    assert set(Residence.objects.filter(resident=old).values_list("address", flat=True)) == {""}
    # Nothing in the registry's tables still says who it was.
    with connection.cursor() as cursor:
        for table in (
            "registry_resident",
            "registry_residence",
            "registry_registrychange",
            "registry_residenttag",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            dump = repr(cursor.fetchall())
            traces = (
                "王秀英",
                "王秀瑛",
                "13900001111",
                mask_phone("13900001111"),
                mask_id_number(person_id(1)),
            )
            for trace in (*traces, "腿脚不便", "低保证"):
                assert trace not in dump, (table, trace)
    # The recent mover and the one still living there are untouched.
    recent.refresh_from_db()
    assert (
        recent.name == "陈阿婆"
        and recent.unseal("phone") == "13900003333"
        and recent.pseudonymised_on is None
    )
    assert ResidentTag.objects.filter(resident=recent).count() == 1
    assert Resident.objects.get(pk=reg.resident_b.pk).name == "李建国"

    events = AuditEvent.objects.filter(action=retention.ACTION)
    assert [(e.object_id, e.object_label, e.data) for e in events] == [
        (str(old.pk), old.name, {"moved_out_on": "2019-06-01", "retention_years": 5})
    ]


def test_applying_it_again_changes_nothing(reg, moved):
    old, _recent = moved
    retention.apply_retention(today=TODAY)
    old.refresh_from_db()
    stamp, events = old.updated_at, AuditEvent.objects.count()
    again = retention.apply_retention(today=TODAY + dt.timedelta(days=1))
    assert (again.pseudonymised, again.tags_dropped, again.changes_cleared) == (0, 0, 0)
    old.refresh_from_db()
    assert old.updated_at == stamp and AuditEvent.objects.count() == events


def test_the_period_is_a_setting(reg, moved, settings):
    _old, recent = moved
    settings.GONGZHI_RESIDENT_RETENTION_YEARS = 2
    assert set(retention.due(TODAY)) == {moved[0], recent}
    settings.GONGZHI_RESIDENT_RETENTION_YEARS = 10
    assert not retention.due(TODAY).exists()
    del settings.GONGZHI_RESIDENT_RETENTION_YEARS
    assert retention.retention_years() == 5
    # Exactly five years after moving out is not yet past it.
    assert not retention.due(dt.date(2024, 6, 1)).filter(pk=moved[0].pk).exists()
    assert retention.due(dt.date(2024, 6, 2)).filter(pk=moved[0].pk).exists()


def test_the_command_counts_on_a_dry_run_then_applies(reg, moved):
    out = StringIO()
    call_command("apply_retention", "--today", TODAY.isoformat(), "--dry-run", stdout=out)
    assert "1 人（未修改）" in out.getvalue()
    assert Resident.objects.get(pk=moved[0].pk).name == "王秀瑛"
    out = StringIO()
    call_command("apply_retention", "--today", TODAY.isoformat(), stdout=out)
    assert "已去标识化：1 人，删除标签 2 条" in out.getvalue()
    assert Resident.objects.get(pk=moved[0].pk).pseudonymised_on == TODAY
    assert RegistryChange.objects.filter(object_id=moved[0].pk, field="name", old_value="王秀英").count() == 0


def test_the_retention_runs_every_night_from_the_scheduler(reg, moved):
    from gongzhi.core import sweeps

    sweep = {s.name: s for s in sweeps.registered()}["registry-retention"]
    assert sweep.cron == "50 2 * * *"
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 50), tick=False):
        first = sweep.run()
        again = sweep.run()
    assert first["pseudonymised"] >= 1 and again["pseudonymised"] == 0
