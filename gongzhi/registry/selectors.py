"""Every scoped read of the registry. A user sees the rows whose area lies in its scope subtree,
and only if one of its roles may see that kind of row (the role sets of registry/rules.py, as queries).
Views, exports and the visits app call these; none builds its own query."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.registry import crypto, validators
from gongzhi.registry.models import (
    Dwelling,
    Household,
    Organization,
    RegistryChange,
    Residence,
    Resident,
    ResidentTag,
    Tag,
    TagGroup,
)
from gongzhi.registry.rules import REGISTRY_VIEWERS, TAG_READERS
from gongzhi.territory.models import Area
from gongzhi.territory.scope import scoped

VIEW_ROLES = REGISTRY_VIEWERS
TAG_ROLES = TAG_READERS


def _scoped(qs: QuerySet, user: User, roles, area_field: str = "area") -> QuerySet:
    return scoped(qs, user, roles=roles, area_field=area_field)


def residents_for(user: User) -> QuerySet[Resident]:
    return _scoped(Resident.objects.all(), user, VIEW_ROLES)


def dwellings_for(user: User) -> QuerySet[Dwelling]:
    return _scoped(Dwelling.objects.all(), user, VIEW_ROLES)


def households_for(user: User) -> QuerySet[Household]:
    return _scoped(Household.objects.all(), user, VIEW_ROLES)


def organizations_for(user: User) -> QuerySet[Organization]:
    return _scoped(Organization.objects.all(), user, VIEW_ROLES)


def resident_tags_for(user: User) -> QuerySet[ResidentTag]:
    return _scoped(ResidentTag.objects.all(), user, TAG_ROLES, "resident__area")


def tags_for(user: User) -> QuerySet[Tag]:
    """The tags of the subdistricts the user's scope touches (for pickers and filters)."""
    if not user.is_authenticated or user.scope_id is None or not TAG_READERS.held_by(user):
        return Tag.objects.none()
    scope: Area = user.scope
    subdistrict_ids = (
        [scope.subdistrict_id]
        if scope.subdistrict_id
        else list(
            Area.objects.filter(path__startswith=scope.path, kind="subdistrict").values_list("pk", flat=True)
        )
    )
    return Tag.objects.filter(subdistrict_id__in=subdistrict_ids, active=True).select_related("group")


def _subdistrict_ids(user: User) -> list[int]:
    scope: Area = user.scope
    if scope.subdistrict_id:
        return [scope.subdistrict_id]
    return list(
        Area.objects.filter(path__startswith=scope.path, kind="subdistrict").values_list("pk", flat=True)
    )


def _get(qs: QuerySet, pk: int):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def resident_for(user: User, pk: int) -> Resident:
    return _get(residents_for(user).select_related("area", "dwelling", "household", "household__head"), pk)


def dwelling_for(user: User, pk: int) -> Dwelling:
    return _get(dwellings_for(user).select_related("area"), pk)


def household_for(user: User, pk: int) -> Household:
    return _get(households_for(user).select_related("dwelling", "head"), pk)


def organization_for(user: User, pk: int) -> Organization:
    return _get(organizations_for(user).select_related("area", "party_organization"), pk)


_DIGITS = re.compile(r"^\d{3,6}[\dXx]?$")


def search_residents(user: User, query: str, *, include_moved_out: bool = False) -> QuerySet[Resident]:
    """By name, address, a full ID number or phone (exact, through the keyed hash), or the last
    digits of either (matched on the masked copy, so no decryption)."""
    qs = residents_for(user).select_related("dwelling", "area")
    if not include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True)
    query = (query or "").strip()
    if not query:
        return qs
    compact = query.replace(" ", "").upper()
    if len(compact) == 18:
        try:
            return qs.filter(
                id_number_hash=crypto.blind_index(validators.clean_id_number(compact), kind="id")
            )
        except validators.FieldError:
            pass
    if compact.isdigit() and len(compact) == 11:
        return qs.filter(phone_hash=crypto.blind_index(compact, kind="phone"))
    if _DIGITS.match(compact) and len(compact) <= 6:
        return qs.filter(Q(id_number_mask__endswith=compact[-4:]) | Q(phone_mask__endswith=compact[-4:]))
    return qs.filter(Q(name__icontains=query) | Q(dwelling__address__icontains=query))


def search_organizations(user: User, query: str = "", *, kind: str = "") -> QuerySet[Organization]:
    qs = organizations_for(user).select_related("area")
    if kind:
        qs = qs.filter(kind=kind)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(address__icontains=query) | Q(credit_code=query.upper()))
    return qs


def search_dwellings(user: User, query: str = "", *, use: str = "") -> QuerySet[Dwelling]:
    qs = dwellings_for(user).select_related("area")
    if use:
        qs = qs.filter(use=use)
    if query:
        qs = qs.filter(
            Q(address__icontains=query) | Q(room__icontains=query) | Q(owner_name__icontains=query)
        )
    return qs


def current_tags_q(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on})
    )


def tags_of(user: User, resident: Resident) -> QuerySet[ResidentTag]:
    return (
        resident_tags_for(user).filter(resident=resident).select_related("tag", "tag__group", "verified_by")
    )


def history_of(resident: Resident) -> tuple[QuerySet[Residence], QuerySet[RegistryChange]]:
    """The stays and the changed facts of a resident the caller has already been allowed to see."""
    return (
        Residence.objects.filter(resident=resident).order_by("created_at", "id"),
        RegistryChange.objects.filter(object_type="resident", object_id=resident.pk).select_related("actor"),
    )


@dataclass
class TagQuery:
    tag_ids: list[int]
    area: Area | None = None
    min_age: int | None = None
    on: dt.date | None = None


def residents_with_tags(user: User, query: TagQuery) -> QuerySet[Resident]:
    """Residents in scope (and in `query.area`) who hold ALL the given tags on the day, and are at
    least `min_age` years old. Someone without the tag permission gets nothing: the tags are
    sensitive, and so is the fact that a list is built from them."""
    on = query.on or timezone.localdate()
    qs = residents_for(user).filter(moved_out_on__isnull=True)
    if not TAG_READERS.held_by(user):
        return qs.none()
    if query.area is not None:
        qs = qs.filter(area__path__startswith=query.area.path)
    for tag_id in query.tag_ids:
        holders = ResidentTag.objects.filter(current_tags_q(on), tag_id=tag_id).values("resident_id")
        qs = qs.filter(pk__in=holders)
    if query.min_age:
        try:
            born_by = on.replace(year=on.year - query.min_age)
        except ValueError:  # 29 February
            born_by = on.replace(year=on.year - query.min_age, day=28)
        qs = qs.filter(birth_date__lte=born_by)
    return qs


def counts_by_child_area(user: User, qs: QuerySet, within: Area) -> list[tuple[Area, int]]:
    """How many rows of `qs` lie under each child of `within` (the user's scope bounds both)."""
    children = list(Area.objects.filter(parent=within).order_by("kind", "name"))
    if user.scope_id and not within.path.startswith(user.scope.path):
        children = [c for c in children if c.path.startswith(user.scope.path)]
    return [(child, qs.filter(area__path__startswith=child.path).count()) for child in children]


def changes_by_reference(reference: str, *, subdistrict_id: int) -> QuerySet[RegistryChange]:
    """The registry changes made under one reference (e.g. "visit:12"), for a caller who may see it."""
    return RegistryChange.objects.filter(reference=reference, subdistrict_id=subdistrict_id)


def tag_groups_for(user: User) -> QuerySet[TagGroup]:
    """The tag groups of the subdistricts in the user's scope, with their tags (all, inactive too)."""
    if not user.is_authenticated or user.scope_id is None or not TAG_READERS.held_by(user):
        return TagGroup.objects.none()
    subdistrict_ids = _subdistrict_ids(user)
    return (
        TagGroup.objects.filter(subdistrict_id__in=subdistrict_ids)
        .prefetch_related("tags")
        .order_by("subdistrict_id", "order", "id")
    )


def holders_by_tag(user: User, on: dt.date | None = None) -> dict[int, int]:
    """How many residents in the user's scope hold each tag today."""
    on = on or timezone.localdate()
    rows = (
        resident_tags_for(user)
        .filter(current_tags_q(on), resident__moved_out_on__isnull=True)
        .values("tag_id")
        .annotate(n=Count("id"))
    )
    return {row["tag_id"]: row["n"] for row in rows}


def occupied_households_for(user: User) -> QuerySet[Household]:
    """Households in scope with at least one member still living there (visit targets)."""
    living = Resident.objects.filter(household=OuterRef("pk"), moved_out_on__isnull=True)
    return households_for(user).filter(Exists(living))
