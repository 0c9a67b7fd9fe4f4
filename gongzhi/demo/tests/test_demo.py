import io

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import shape
from shapely.ops import unary_union

from gongzhi import settings as project_settings
from gongzhi.accounts.models import Role, Unit, UnitKind, User
from gongzhi.cases.models import Case, Category, Consultation, Source, Status
from gongzhi.demo import builder
from gongzhi.demo.people import DEMO_PASSWORD
from gongzhi.demo.tests import fake_extension
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import area_at

# Outlines are cut with floating-point arithmetic: allow about a millimetre.
TOLERANCE = 1e-8


def test_demo_has_both_subdistricts_under_their_districts(demo):
    subdistricts = {
        a.name: a for a in Area.objects.filter(kind=AreaKind.SUBDISTRICT).select_related("parent")
    }
    assert set(subdistricts) == {"华阳路街道", "湖南路街道"}
    assert subdistricts["华阳路街道"].parent.name == "长宁区"
    assert subdistricts["湖南路街道"].parent.name == "徐汇区"
    assert subdistricts["华阳路街道"].code == "310105001"
    names = set(Area.objects.filter(kind=AreaKind.NEIGHBOURHOOD).values_list("name", flat=True))
    assert {"姚家角居民区", "华一居民区", "陕新居民区"} <= names
    assert Area.objects.filter(kind=AreaKind.GRID, subdistrict__name="湖南路街道").count() == 4


def test_every_level_has_an_outline(demo):
    for kind in AreaKind.values:
        if kind != AreaKind.DISTRICT:
            assert not Area.objects.filter(kind=kind, boundary=None).exists(), kind
            assert Area.objects.filter(kind=kind).exists(), kind


def test_child_outlines_are_valid_and_lie_inside_their_parents(demo):
    areas = {a.pk: a for a in Area.objects.exclude(boundary=None)}
    for area in areas.values():
        outline = shape(area.boundary)
        assert outline.is_valid, area.name
        parent = areas.get(area.parent_id)
        if parent is not None:
            assert shape(parent.boundary).buffer(TOLERANCE).covers(outline), f"{area.name} 超出 {parent.name}"


def test_grids_and_neighbourhoods_tile_their_parent_without_gaps_or_overlaps(demo):
    for parent in Area.objects.filter(kind__in=[AreaKind.SUBDISTRICT, AreaKind.GRID]):
        children = [shape(c.boundary) for c in parent.children.all()]
        outline = shape(parent.boundary)
        assert len(children) >= 2
        assert sum(c.area for c in children) == pytest.approx(outline.area, rel=1e-6), parent.name
        assert unary_union(children).symmetric_difference(outline).area < outline.area * 1e-6


def test_estates_and_buildings_do_not_overlap(demo):
    for parent in Area.objects.filter(kind__in=[AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE]):
        children = [shape(c.boundary) for c in parent.children.all()]
        for i, one in enumerate(children):
            for other in children[i + 1 :]:
                assert one.intersection(other).area == 0, parent.name


def test_every_role_has_an_account_in_each_subdistrict(demo):
    for subdistrict in Area.objects.filter(kind=AreaKind.SUBDISTRICT):
        users = User.objects.filter(scope__path__startswith=subdistrict.path)
        roles = set(users.values_list("groups__name", flat=True))
        assert roles == set(Role.values), subdistrict.name


def test_main_accounts_have_the_documented_names_and_password(demo, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the demo hashed with these
    for username, role in [
        ("admin", Role.ADMIN),
        ("secadmin", Role.SECURITY_ADMIN),
        ("auditadmin", Role.AUDIT_ADMIN),
        ("auditadmin_hn", Role.AUDIT_ADMIN),
        ("auditor", Role.AUDITOR),
        ("leader", Role.LEADER),
        ("dispatcher", Role.DISPATCHER),
        ("handler", Role.HANDLER),
        ("juwei", Role.NEIGHBOURHOOD),
        ("wangge", Role.GRIDWORKER),
        ("dispatcher_hn", Role.DISPATCHER),
        ("juwei_hn", Role.NEIGHBOURHOOD),
    ]:
        user = User.objects.get(username=username)
        assert user.has_role(role)
        assert user.display_name
    assert User.objects.get(username="dispatcher_hn").check_password(DEMO_PASSWORD)
    assert User.objects.values("password").distinct().count() == 1  # one password for all
    assert User.objects.get(username="handler").unit.name == "城管中队"
    assert User.objects.get(username="juwei").scope.name == "姚家角居民区"
    assert User.objects.get(username="leader_hn").scope.name == "湖南路街道"


def test_command_prints_the_accounts_table(demo):
    assert "dispatcher_hn" in demo
    assert DEMO_PASSWORD in demo
    assert "网格中心调度员" in demo
    assert "安全管理员" in demo and "安全审计员" in demo  # 三员分立: one account each


def test_no_demo_account_holds_two_administrator_roles(demo):
    from gongzhi.accounts.models import ADMINISTRATOR_ROLES

    for user in User.objects.filter(groups__name__in=ADMINISTRATOR_ROLES).distinct():
        assert len(user.role_codes) == 1, user.username


def test_every_unit_that_handles_cases_has_an_account(demo):
    for unit in Unit.objects.all():
        assert unit.members.exists(), unit.name


def test_category_default_units_exist_in_each_subdistrict(demo):
    names = set(Category.objects.exclude(default_unit_name="").values_list("default_unit_name", flat=True))
    for subdistrict in Area.objects.filter(kind=AreaKind.SUBDISTRICT):
        units = set(Unit.objects.filter(subdistrict=subdistrict).values_list("name", flat=True))
        assert names <= units, names - units
        kinds = set(Unit.objects.filter(subdistrict=subdistrict).values_list("kind", flat=True))
        assert kinds == set(UnitKind.values) - {UnitKind.ENTERPRISE}


def test_cases_are_in_every_status(demo):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)


def test_cases_show_every_part_of_the_loop(demo):
    cases = Case.objects.all()
    assert cases.filter(overdue=True).exists()
    assert cases.filter(reopen_count__gt=0).exists()
    assert cases.filter(master__isnull=False, status=Status.MERGED).exists()
    assert set(cases.exclude(tier=None).values_list("tier", flat=True)) == {1, 2, 3}
    assert set(Consultation.objects.values_list("kind", flat=True)) == {"grid", "subdistrict"}
    assert set(cases.exclude(rating="").values_list("rating", flat=True)) == {
        "satisfied",
        "basically",
        "unsatisfied",
    }
    assert len(set(cases.values_list("source", flat=True))) >= 5
    assert set(cases.values_list("source", flat=True)) <= set(Source.values)


def test_cases_spread_over_months_and_events_run_forwards(demo):
    months = {c.created_at.strftime("%Y-%m") for c in Case.objects.all()}
    assert len(months) >= 4
    for case in Case.objects.prefetch_related("events"):
        times = [e.created_at for e in case.events.all()]
        assert times == sorted(times), case.number
        assert times[0] == case.created_at


def test_every_case_point_lies_in_its_area(demo):
    # Cases raised on door-to-door visits (the visits demo) may have an address and no point.
    assert not Case.objects.exclude(source="visit").filter(lat=None).exists()
    for case in Case.objects.exclude(lat=None).select_related("area"):
        assert area_at(case.lat, case.lng) == case.area, case.number
        assert case.area.subdistrict_id == case.subdistrict_id


def test_if_empty_keeps_existing_data(demo):
    before = (Area.objects.count(), User.objects.count(), Case.objects.count())
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "保留" in out.getvalue()
    assert (Area.objects.count(), User.objects.count(), Case.objects.count()) == before


def test_refuses_a_database_that_has_data_without_if_empty(demo):
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())


def test_extension_modules_are_seeded_with_their_own_random_stream(demo):
    fake_extension.calls.clear()
    subdistricts = list(Area.objects.filter(kind=AreaKind.SUBDISTRICT))
    out = io.StringIO()
    modules = ["gongzhi.demo.tests.fake_extension"]
    called = builder.run_extensions(seed=7, subdistricts=subdistricts, stdout=out, modules=modules)
    builder.run_extensions(seed=7, subdistricts=subdistricts, stdout=out, modules=modules)
    assert called == modules
    first, second = fake_extension.calls
    assert first == second  # same seed, same stream
    assert first["subdistricts"] == [s.code for s in subdistricts]
    assert "fake extension seeded" in out.getvalue()


def test_extension_modules_are_found_in_installed_app_order():
    from django.apps import apps

    found = builder.extension_modules()
    order = [c.name for c in apps.get_app_configs()]
    assert [m.removesuffix(".demo") for m in found] == [n for n in order if f"{n}.demo" in found]
    assert "gongzhi.demo.demo" not in found


def test_every_demo_case_carries_the_category_its_story_is_about(demo):
    from gongzhi.demo import stories
    from gongzhi.visits.demo import PROBLEMS

    visit_codes = {title: code for title, _description, code in PROBLEMS}
    cases = list(Case.objects.select_related("category"))
    assert cases
    for case in cases:
        if case.title in visit_codes:
            assert case.category.code == visit_codes[case.title], (case.title, str(case.category))
        else:
            assert case.category.code in stories.STORIES, (case.title, str(case.category))


def test_demo_accounts_are_listed_at_any_time(demo):
    out = io.StringIO()
    call_command("demo", "--accounts", stdout=out)
    listed = out.getvalue()
    for username in ("dispatcher", "handler", "juwei", "wangge", "dispatcher_hn", "auditor_hn"):
        assert f"\n{username} " in listed, listed
    assert DEMO_PASSWORD in listed


def test_demo_resolution_and_satisfaction_are_separate_answers(demo):
    """解决率 equalled 满意率 in every row: the demo said solved exactly when not 不满意."""
    from gongzhi.cases.models import Rating
    from gongzhi.demo.cases import _judged_solved

    rated = Case.objects.exclude(rating="")
    assert rated.exists() and all(
        c.solved == _judged_solved(c, c.rating) for c in rated if c.status == Status.RATED
    )
    # Over a year's worth of ratings the two rates part as they do in real reviews.
    numbers = [Case(number=f"260101001{n:04d}", reopen_count=0) for n in range(400)]
    solved_when_basically = sum(_judged_solved(c, Rating.BASICALLY) for c in numbers) / len(numbers)
    solved_when_unsatisfied = sum(_judged_solved(c, Rating.UNSATISFIED) for c in numbers) / len(numbers)
    assert 0.5 < solved_when_basically < 0.9
    assert 0.02 < solved_when_unsatisfied < 0.3
