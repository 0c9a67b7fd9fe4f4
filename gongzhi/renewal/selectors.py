"""Scoped reads of renewal projects and the live figures: building grid, holdouts by obstacle
and by cadre."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Prefetch, QuerySet

from gongzhi.accounts.models import User
from gongzhi.committees import counting
from gongzhi.core.errors import NotFound
from gongzhi.renewal.models import Certificate, CertificateState, Obstacle, ObstacleKind, Project
from gongzhi.renewal.rules import CADRES, PROJECT_MANAGERS, RENEWAL_READERS
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.scope import scoped

DONE_STATES = {1: {CertificateState.AGREED, CertificateState.SIGNED, CertificateState.MOVED}}
SIGNED_STATES = {CertificateState.SIGNED, CertificateState.MOVED}


def projects_for(user: User) -> QuerySet[Project]:
    return scoped(Project.objects.all(), user, roles=RENEWAL_READERS)


def projects_managed_by(user: User) -> QuerySet[Project]:
    """Projects the user may run (create rounds, import the register, close, clear)."""
    return scoped(Project.objects.all(), user, roles=PROJECT_MANAGERS)


def certificates_recordable_by(user: User) -> QuerySet[Certificate]:
    """Certificates the user may record a visit, an answer, a signature or a withdrawal for."""
    return scoped(Certificate.objects.all(), user, roles=CADRES)


def project_areas_for(user: User) -> QuerySet[Area]:
    """Where the user may start a project: neighbourhoods, estates and buildings in scope."""
    if user.scope_id is None or not PROJECT_MANAGERS.held_by(user):
        return Area.objects.none()
    return Area.objects.filter(
        path__startswith=user.scope.path,
        kind__in=[AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.BUILDING],
        subdistrict__isnull=False,
    ).order_by("path")


def project_for(user: User, pk: int) -> Project:
    project = projects_for(user).select_related("area").filter(pk=pk).first()
    if project is None:
        raise NotFound()
    return project


def certificates_for(user: User) -> QuerySet[Certificate]:
    return scoped(Certificate.objects.all(), user, roles=RENEWAL_READERS)


def certificate_for(user: User, pk: int) -> Certificate:
    certificate = (
        certificates_for(user)
        .select_related("project", "area", "cadre")
        .prefetch_related("contacts", "obstacles", "responses__round")
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise NotFound()
    return certificate


def open_obstacles() -> Prefetch:
    return Prefetch(
        "obstacles", queryset=Obstacle.objects.filter(resolved_on__isnull=True), to_attr="open_obstacles"
    )


def holdouts(user: User, project: Project) -> QuerySet[Certificate]:
    """Certificates not yet signed, with their open obstacles (the work list)."""
    return (
        certificates_for(user)
        .filter(project=project)
        .exclude(state__in=SIGNED_STATES)
        .select_related("area", "cadre")
        .prefetch_related(open_obstacles())
        .order_by("area__name", "number")
    )


def by_building(user: User, project: Project) -> list[dict]:
    """Per building: certificates by state (the building-by-building grid)."""
    rows: dict[int, dict] = {}
    for area_id, name, state in (
        certificates_for(user).filter(project=project).values_list("area_id", "area__name", "state")
    ):
        row = rows.setdefault(area_id, {"name": name, "total": 0, "signed": 0, "states": Counter()})
        row["total"] += 1
        row["states"][state] += 1
        row["signed"] += state in SIGNED_STATES
    return sorted(rows.values(), key=lambda r: r["name"])


def holdouts_by_obstacle(user: User, project: Project) -> list[tuple[str, int]]:
    counts = Counter(
        Obstacle.objects.filter(
            certificate__in=certificates_for(user).filter(project=project).exclude(state__in=SIGNED_STATES),
            resolved_on__isnull=True,
        ).values_list("kind", flat=True)
    )
    return [(ObstacleKind(kind).label, n) for kind, n in counts.most_common()]


def holdouts_by_cadre(user: User, project: Project) -> list[tuple[str, int, int]]:
    """(cadre, certificates, still unsigned) per responsible cadre."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, username, state in (
        certificates_for(user)
        .filter(project=project)
        .values_list("cadre__display_name", "cadre__username", "state")
    ):
        key = name or username or "未分配"
        totals[key][0] += 1
        totals[key][1] += state not in SIGNED_STATES
    return sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda r: -r[2])


def lift_tally(project: Project):
    """A lift's consent by the owners' double majority (民法典 §278 for 改建: ≥ 2/3 of the building's
    area and owners take part, ≥ 3/4 of those in favour), from the signed dwellings' floor areas.
    Only signatures are recorded, so taking part and consenting coincide here."""
    rows = list(Certificate.objects.filter(project=project).values_list("state", "dwellings__floor_area"))
    areas = [(state, area) for state, area in rows if area]
    if not areas:
        return None
    quorum, share, strict = counting.thresholds_for("major")
    return counting.tally(
        eligible_area=sum(counting.cents(a) for _s, a in areas),
        eligible_count=len(areas),
        ballots=[(counting.cents(a), counting.FOR) for s, a in areas if s in SIGNED_STATES],
        quorum=counting.parse_share(quorum),
        pass_share=counting.parse_share(share),
        pass_strict=strict,
    )
