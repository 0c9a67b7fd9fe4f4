"""A14: the PII inventory is complete and names only fields that exist."""

import pytest
from django.db import models

from gongzhi.registry import pii


@pytest.fixture
def inventory(monkeypatch):
    """A copy of the inventory a test may change."""
    import copy

    data = copy.deepcopy(pii.load())
    monkeypatch.setattr(pii, "load", lambda: data)
    return data


def test_every_personal_field_of_every_model_is_in_the_inventory():
    assert pii.problems() == []


def test_the_inventory_covers_the_fields_the_issue_names():
    data = pii.load()["models"]
    for label, field in [
        ("registry.Resident", "id_number"),
        ("registry.Resident", "phone"),
        ("registry.ResidentTag", "resident"),
        ("cases.Case", "reporter_phone"),
        ("care.Recipient", "resident"),
        ("volunteers.Volunteer", "phone"),
        ("mediation.Party", "name"),
        ("events.Registration", "name"),
        ("renewal.Certificate", "holders"),
        ("participation.Suggestion", "author_name"),
    ]:
        entry = data[label][field]
        assert set(pii.REQUIRED) <= set(entry), (label, field)
    assert data["registry.Resident"]["id_number"]["sensitivity"] == "sensitive"


def test_a_field_left_out_is_named(inventory):
    del inventory["models"]["events.Registration"]["name"]
    del inventory["models"]["cases.Case"]["reporter_phone"]
    found = pii.problems()
    assert "events.Registration.name: looks personal and is not in pii_inventory.yaml" in found
    assert "cases.Case.reporter_phone: looks personal and is not in pii_inventory.yaml" in found


def test_an_entry_for_a_field_that_does_not_exist_is_named(inventory):
    inventory["models"]["registry.Resident"]["shoe_size"] = inventory["models"]["registry.Resident"]["name"]
    inventory["models"]["registry.Nobody"] = {}
    inventory["not_personal"]["territory.Area.nickname"] = "x"
    found = pii.problems()
    assert "registry.Resident.shoe_size: no such field" in found
    assert "registry.Nobody: no such model" in found
    assert "territory.Area.nickname: no such field" in found


def test_an_entry_without_a_legal_basis_or_retention_is_named(inventory):
    entry = inventory["models"]["registry.Resident"]["phone"]
    del entry["basis"]
    inventory["models"]["registry.Resident"]["name"]["sensitivity"] = "secret"
    found = pii.problems()
    assert "registry.Resident.phone: missing basis" in found
    assert any(p.startswith("registry.Resident.name: sensitivity 'secret'") for p in found)


def test_storage_must_match_the_model(inventory):
    inventory["models"]["registry.Resident"]["note"]["storage"] = "sealed"
    inventory["models"]["cases.Case"]["reporter_phone"]["storage"] = "clear"
    found = pii.problems()
    assert "registry.Resident.note: storage says 'sealed', the model disagrees" in found
    assert "cases.Case.reporter_phone: storage says 'clear', the model disagrees" in found


@pytest.mark.parametrize(
    "field, personal",
    [
        (models.CharField(name="guardian_phone"), True),
        (models.CharField(name="home_address"), True),
        (models.DateField(name="birth_date"), True),
        (models.CharField(name="id_number_hash"), True),
        (models.GenericIPAddressField(name="seen_from"), True),
        (models.ImageField(name="picture"), True),
        (models.CharField(name="title"), False),
        (models.CharField(name="status"), False),
        (models.CharField(name="shipping"), False),  # "ip" only as a whole word
    ],
)
def test_what_looks_personal(field, personal):
    assert pii.looks_personal(field) is personal
