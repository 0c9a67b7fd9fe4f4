"""The one scope filter: which rows of any model lie in an area's subtree.

Every model whose rows belong to a place carries its `subdistrict` (the sharding key, which the
indexes lead with) and an `area`. A subdistrict scope filters on the subdistrict column, a district
on its subdistricts as a subquery (index-friendly, no join), a deeper scope (neighbourhood, grid)
on the area's path. Every selector builds its lists with `scoped()` or `scope_filter()`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.territory.models import Area, AreaKind


def scope_filter(
    scope: Area, *, subdistrict_field: str | None = "subdistrict", area_field: str = "area"
) -> Q:
    """Rows in `scope`'s subtree. `subdistrict_field=None` for a model without the column."""
    if subdistrict_field is not None:
        if scope.kind == AreaKind.SUBDISTRICT:
            return Q(**{f"{subdistrict_field}_id": scope.pk})
        if scope.kind == AreaKind.DISTRICT:
            subdistricts = Area.objects.filter(parent_id=scope.pk, kind=AreaKind.SUBDISTRICT).values("pk")
            return Q(**{f"{subdistrict_field}_id__in": subdistricts})
    return Q(**{f"{area_field}__path__startswith": scope.path})


def scoped(
    queryset: QuerySet,
    user,
    *,
    roles=None,
    subdistrict_field: str | None = "subdistrict",
    area_field: str = "area",
) -> QuerySet:
    """`queryset` limited to the user's scope; nothing for an inactive user, a user without scope,
    or (when `roles` is given: a role set from an app's rules.py) a user holding none of them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.scope_id is None:
        return queryset.none()
    if roles is not None and not roles.held_by(user):
        return queryset.none()
    return queryset.filter(
        scope_filter(user.scope, subdistrict_field=subdistrict_field, area_field=area_field)
    )


def overlapping(queryset: QuerySet, user, *, area_field: str = "area") -> QuerySet:
    """Rows whose area is inside the user's scope OR contains it (e.g. a subdistrict-wide campaign
    seen by a grid worker)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.scope_id is None:
        return queryset.none()
    scope = user.scope
    ancestor_ids = [int(x) for x in scope.path.strip("/").split("/") if x]
    return queryset.filter(
        Q(**{f"{area_field}__path__startswith": scope.path}) | Q(**{f"{area_field}_id__in": ancestor_ids})
    )
