"""The permission registry: each app's rules registered once, overridable, and no role tuples
written outside the rules modules."""

import re
from pathlib import Path

import pytest
import rules as django_rules

from gongzhi.core import rules

PACKAGE = Path(__file__).resolve().parents[2]


def test_every_app_registered_its_rules():
    names = set(rules.permission_names())
    for expected in ("case.view", "resident.reveal", "visit.create", "text.hot_escalate", "area.view"):
        assert expected in names


def test_a_name_registered_twice_by_different_predicates_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        rules.register({"case.view": rules.role("admin")})


def test_unknown_permission_is_a_programming_error(django_user_model):
    with pytest.raises(KeyError):
        rules.has(django_user_model(username="x"), "no.such.permission")


def test_listing_for_an_unknown_permission_is_refused():
    with pytest.raises(ValueError, match="unknown permission"):
        rules.register({}, listings={"nowhere.view": "gongzhi.nowhere.selectors.x"})


def test_a_deployment_can_replace_one_rule(world):
    original = rules.PERMISSIONS["text.hot"]
    dispatcher, gridworker = world.a.users["dispatcher"], world.a.users["gridworker"]
    assert rules.has(dispatcher, "text.hot") and not rules.has(gridworker, "text.hot")
    try:
        rules.replace("text.hot", rules.role("gridworker"))
        assert rules.has(gridworker, "text.hot") and not rules.has(dispatcher, "text.hot")
    finally:
        rules.replace("text.hot", original)


def test_role_sets_carry_their_codes_for_selectors(world):
    viewers = rules.role("leader", "auditor")
    assert viewers.codes == ("leader", "auditor")
    assert viewers.held_by(world.a.users["leader"]) and not viewers.held_by(world.a.users["handler"])
    assert isinstance(viewers & rules.in_scope, django_rules.Predicate)


def test_in_scope_reads_areas_of_objects_or_areas(world):
    grid_worker = world.a.users["gridworker"]
    assert rules.in_scope(grid_worker, grid_worker.scope)
    assert not rules.in_scope(grid_worker, world.b.grid)
    assert not rules.in_scope(grid_worker, world.a.subdistrict)  # above the grid: outside its scope
    assert not rules.in_scope(grid_worker, None)


ROLE_TUPLE = re.compile(r"has_role\(|_ROLES\s*=\s*\(")


def test_no_view_template_or_selector_spells_out_roles():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if "/tests/" in relative or "/migrations/" in relative or relative.startswith(("demo/", "testing/")):
            continue
        if path.name == "rules.py" or relative == "accounts/models.py":
            continue  # where roles are defined and named
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_TUPLE.search(line) and "held_by" not in line:
                offenders.append(f"{relative}:{number}: {line.strip()}")
    for path in PACKAGE.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if "has_role" in text or "role_codes" in text:
            offenders.append(path.relative_to(PACKAGE).as_posix())
    assert offenders == [], "ask rules.has() or use a role set from rules.py:\n" + "\n".join(offenders)
