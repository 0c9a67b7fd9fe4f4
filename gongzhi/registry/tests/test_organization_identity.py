from gongzhi.registry import services
from gongzhi.registry.models import Organization, OrganizationKind


def test_a_handling_unit_is_one_organisation(world):
    unit = world.a.department
    org = services.organization_for_unit(unit=unit)
    assert org.unit == unit and org.name == unit.name and org.kind == OrganizationKind.GOVERNMENT
    assert services.organization_for_unit(unit=unit) == org
    assert Organization.objects.filter(unit=unit).count() == 1
    assert unit.organization == org


def test_an_organisation_of_the_same_name_is_linked_not_copied(world):
    committee = world.a.committee
    existing = services.create_organization(
        actor=None,
        area=committee.area,
        data={"name": committee.name, "kind": OrganizationKind.NEIGHBOURHOOD_COMMITTEE},
    )
    assert services.organization_for_unit(unit=committee).pk == existing.pk
    # …but not one of the other subdistrict.
    other = services.organization_for_unit(unit=world.b.committee)
    assert other.pk != existing.pk and other.subdistrict_id == world.b.subdistrict.pk
