"""Scoped reads of the co-building network, the lists and the map's places."""

from __future__ import annotations

from django.db.models import QuerySet

from gongzhi.accounts.models import User
from gongzhi.cobuilding.models import (
    Alliance,
    Claim,
    Coverage,
    Need,
    NeedState,
    Pairing,
    PartyBranch,
    Place,
    PlaceState,
    Project,
    Resource,
    Timeline,
)
from gongzhi.cobuilding.rules import COBUILDING_READERS, LIST_READERS
from gongzhi.core.errors import NotFound
from gongzhi.territory.scope import scoped


def party_branches_for(user: User) -> QuerySet[PartyBranch]:
    return scoped(PartyBranch.objects.all(), user, roles=COBUILDING_READERS)


def coverages_for(user: User) -> QuerySet[Coverage]:
    return scoped(Coverage.objects.all(), user, roles=COBUILDING_READERS)


def pairings_for(user: User) -> QuerySet[Pairing]:
    return scoped(Pairing.objects.all(), user, roles=COBUILDING_READERS)


def alliances_for(user: User) -> QuerySet[Alliance]:
    return scoped(Alliance.objects.all(), user, roles=COBUILDING_READERS)


def needs_for(user: User) -> QuerySet[Need]:
    return scoped(Need.objects.all(), user, roles=LIST_READERS)


def resources_for(user: User) -> QuerySet[Resource]:
    return scoped(Resource.objects.all(), user, roles=LIST_READERS)


def projects_for(user: User) -> QuerySet[Project]:
    return scoped(Project.objects.all(), user, roles=LIST_READERS)


def claims_for(user: User) -> QuerySet[Claim]:
    return scoped(Claim.objects.all(), user, roles=LIST_READERS)


def places_for(user: User) -> QuerySet[Place]:
    return scoped(Place.objects.all(), user, roles=COBUILDING_READERS)


def published_places() -> QuerySet[Place]:
    """What the public map shows: published places only, for everyone."""
    return Place.objects.filter(state=PlaceState.PUBLISHED).select_related("operator", "area")


def _one(qs: QuerySet, pk: int):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def party_branch_for(user: User, pk: int) -> PartyBranch:
    return _one(party_branches_for(user).select_related("organization", "parent__organization", "area"), pk)


def pairing_for(user: User, pk: int) -> Pairing:
    return _one(pairings_for(user).select_related("unit", "area", "neighbourhood_party"), pk)


def alliance_for(user: User, pk: int) -> Alliance:
    return _one(alliances_for(user).select_related("area"), pk)


def need_for(user: User, pk: int) -> Need:
    return _one(needs_for(user).select_related("area", "raised_by"), pk)


def resource_for(user: User, pk: int) -> Resource:
    return _one(resources_for(user).select_related("area", "organization"), pk)


def project_for(user: User, pk: int) -> Project:
    return _one(projects_for(user).select_related("area", "lead"), pk)


def place_for(user: User, pk: int) -> Place:
    return _one(places_for(user).select_related("area", "operator", "verified_by"), pk)


def public_place(pk: int) -> Place:
    return _one(published_places(), pk)


def open_needs_for(user: User) -> QuerySet[Need]:
    return needs_for(user).filter(state__in=[NeedState.PUBLISHED, NeedState.PARTLY_CLAIMED])


def timeline(subject: str, subject_id: int) -> QuerySet[Timeline]:
    return Timeline.objects.filter(subject=subject, subject_id=subject_id).select_related("actor")
