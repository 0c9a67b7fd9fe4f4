"""Scoped reads of the text app: likely duplicates of a new report, hot issues.

Scope lives in `gongzhi.cases.selectors.cases_for`: the duplicate index holds case ids only, and
whatever it finds is read back through the caller's scoped queryset."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cases.models import OPEN_STATUSES, Case, Status
from gongzhi.cases.selectors import cases_for
from gongzhi.text import hot
from gongzhi.text.duplicates import DuplicateIndex, Row

INDEX_DAYS = 90  # cases reported in this window are indexed per subdistrict
RECENT_CLOSED_DAYS = 30  # a closed case still counts as a possible duplicate this long
HOT_MAX_CASES = 5000


@dataclass
class Duplicate:
    case: Case
    score: float
    distance_m: float | None


@dataclass
class _Cached:
    index: DuplicateIndex
    max_pk: int
    count: int
    built_at: dt.datetime
    built_count: int


class _Indexes:
    """One DuplicateIndex per subdistrict, kept in this process and brought up to date on each
    lookup: new cases are added incrementally; a shrunk window or lost rows force a rebuild."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_subdistrict: dict[int, _Cached] = {}

    def clear(self) -> None:
        with self.lock:
            self.by_subdistrict.clear()

    def get(self, subdistrict_id: int, now: dt.datetime) -> DuplicateIndex:
        since = now - dt.timedelta(days=INDEX_DAYS)
        qs = Case.objects.filter(subdistrict_id=subdistrict_id, created_at__gte=since).exclude(
            status=Status.REJECTED
        )
        state = qs.aggregate(m=Max("pk"), n=Count("pk"))
        max_pk, count = state["m"] or 0, state["n"]
        with self.lock:
            found = self.by_subdistrict.get(subdistrict_id)
            stale = (
                found is None
                or max_pk < found.max_pk
                or (max_pk == found.max_pk and count != found.count)
                or now - found.built_at > dt.timedelta(hours=6)
                # the IDF weights come from the build: refit once the window has grown a lot
                or count > 1.5 * found.built_count + 20
            )
            if stale:
                index = DuplicateIndex.build(_rows(qs))
                found = _Cached(index, max_pk, count, now, count)
            else:
                if max_pk > found.max_pk:
                    found.index.add(_rows(qs.filter(pk__gt=found.max_pk)))
                found.max_pk, found.count = max_pk, count
            self.by_subdistrict[subdistrict_id] = found
            return found.index


def _rows(qs) -> list[Row]:
    return [
        Row(id=pk, text=f"{t}。{d}", lat=lat, lng=lng, when=c, subdistrict=s)
        for pk, t, d, lat, lng, c, s in qs.values_list(
            "pk", "title", "description", "lat", "lng", "created_at", "subdistrict_id"
        ).iterator(chunk_size=2000)
    ]


INDEXES = _Indexes()


def likely_duplicates(
    title: str,
    description: str,
    lat: float | None,
    lng: float | None,
    subdistrict,
    now: dt.datetime | None = None,
    *,
    user: User | None = None,
    exclude: Case | None = None,
    limit: int = 5,
    min_score: float = 0.3,
) -> list[Duplicate]:
    """Open or recently closed cases of the subdistrict like this report: similar text, within
    500 m when the report has a point, reported in the last 60 days. With `user`, only cases the
    user may see; without, any (the public variant shows number, title and status only)."""
    if subdistrict is None or not (f"{title}{description}").strip():
        return []
    now = now or timezone.now()
    sub_id = subdistrict.subdistrict_id or subdistrict.pk
    index = INDEXES.get(sub_id, now)
    matches = index.query(
        f"{title}。{description}",
        lat,
        lng,
        now,
        subdistrict=sub_id,
        min_score=min_score,
        limit=limit * 3,
        exclude=[exclude.pk] if exclude else (),
    )
    if not matches:
        return []
    base = cases_for(user) if user is not None else Case.objects.all()
    recent = now - dt.timedelta(days=RECENT_CLOSED_DAYS)
    found = {
        c.pk: c
        for c in base.filter(pk__in=[m.id for m in matches])
        .filter(Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=recent, master__isnull=True))
        .exclude(status=Status.REJECTED)
        .select_related("category", "area")
    }
    out = [Duplicate(found[m.id], m.score, m.distance_m) for m in matches if m.id in found]
    return out[:limit]


@dataclass
class HotIssue:
    cluster: hot.Cluster
    cases: list[Case]
    subdistrict_name: str


def hot_issues_for(
    user: User, *, days: int = 90, now: dt.datetime | None = None, min_size: int = 3
) -> list[HotIssue]:
    """Groups of cases about the same thing in the same subdistrict, reported in the last
    `days`, among the cases the user may see; ranked by size, recent growth and support (the
    number of reports merged into a case)."""
    now = now or timezone.now()
    qs = (
        cases_for(user)
        .filter(created_at__gte=now - dt.timedelta(days=days), created_at__lte=now)
        .exclude(status=Status.REJECTED)
        .select_related("category", "area", "subdistrict")
        # Public support: reports merged into the case and residents following it.
        .annotate(
            merged_reports=Count("duplicates", distinct=True),
            follower_count=Count("followers", distinct=True),
        )
        .order_by("-created_at", "-pk")[:HOT_MAX_CASES]
    )
    cases = {c.pk: c for c in qs}
    items = [
        hot.Item(
            id=c.pk,
            title=c.title,
            text=f"{c.title}。{c.description}",
            when=c.created_at,
            support=c.merged_reports + c.follower_count,
            place=c.subdistrict_id,
        )
        for c in cases.values()
    ]
    clusters = hot.hot_issues(items, min_size=min_size, now=now, recent_days=max(1, days // 3))
    return [
        HotIssue(
            cluster=cl,
            cases=[cases[i] for i in cl.ids],
            subdistrict_name=cases[cl.ids[0]].subdistrict.name,
        )
        for cl in clusters
    ]
