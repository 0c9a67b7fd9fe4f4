"""一网统管驾驶舱: the command centre's panels, read through aggregates so that a district's
data stays fast (docs/insight.md, "Cockpit at scale"):

- the month's rates read the cases' monthly rollup (`CaseMonthly`) for finished cases and count
  only the open ones live; today's and this week's count a few days of rows by the
  (subdistrict, created_at) index;
- open and overdue by tier group the open cases only (about 1 % of all);
- the map takes the newest open cases with a point (capped), the heat is their count per cell;
- the index reads the stored monthly rows; alerts read insight's own table."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cases import metrics
from gongzhi.cases.models import OPEN_STATUSES
from gongzhi.cases.selectors import cases_for, sees_whole_scope
from gongzhi.core.rules import has
from gongzhi.insight import config, providers, selectors
from gongzhi.insight.models import AlertStatus
from gongzhi.insight.periods import monday_of
from gongzhi.insight.providers import CockpitContext
from gongzhi.territory.models import Area
from gongzhi.territory.scope import scope_filter

MAP_LIMIT = 3000
CELL = 0.004  # degrees: the heat grid (≈ 400 m)


def _rates(tally) -> dict:
    return {
        "response_rate": tally.response_rate,
        "resolution_rate": tally.resolution_rate,
        "satisfaction_rate": tally.satisfaction_rate,
        "total": tally.total,
    }


def cockpit_data(user: User, root: Area, *, now: dt.datetime | None = None) -> dict:
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    cases = cases_for(user).filter(scope_filter(root))
    whole = sees_whole_scope(user) and user.scope.contains(root)
    first = today.replace(day=1)
    month_end = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    periods = {
        "today": metrics.dashboard(cases, root=root, since=today, until=today),
        "week": metrics.dashboard(cases, root=root, since=monday_of(today), until=today),
        # To the month's last day: the month counts as whole, so finished cases come from the rollup.
        "month": metrics.dashboard(cases, root=root, since=first, until=month_end, use_rollup=whole),
    }
    settings = config.get("cockpit")
    targets = settings["targets"]
    rates = {name: _rates(board.overall) for name, board in periods.items()}

    by_tier = {str(t): {"open": 0, "overdue": 0} for t in ("1", "2", "3", "none")}
    for row in (
        cases.filter(status__in=OPEN_STATUSES)
        .values("tier")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(next_due__lt=now)))
        .order_by()
    ):
        by_tier[str(row["tier"]) if row["tier"] else "none"] = {
            "open": row["open"],
            "overdue": row["overdue"],
        }

    points = list(
        cases.filter(status__in=OPEN_STATUSES, lat__isnull=False, lng__isnull=False)
        .order_by("-created_at")
        .values_list("number", "lat", "lng", "tier", "next_due")[:MAP_LIMIT]
    )
    heat = Counter((round(lat / CELL), round(lng / CELL)) for _n, lat, lng, _t, _d in points)
    hot = list(
        cases.filter(created_at__gte=now - dt.timedelta(days=7))
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")[:8]
    )
    latest = (
        selectors.index_rows_for(user)
        .filter(scope_filter(root))
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    index_rows = []
    if latest:
        index_rows = [
            {
                "name": r.area.name,
                "value": round(r.value, 1),
                "url": reverse("insight:index_detail", args=[r.pk]),
            }
            for r in selectors.index_rows_for(user)
            .filter(scope_filter(root), month=latest)
            .select_related("area")
            .order_by("-value")[:10]
        ]
    data = {
        "root": {"id": root.pk, "name": root.name, "lat": root.centre_lat, "lng": root.centre_lng},
        "now": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        "rates": rates,
        "targets": targets,
        "tiers": by_tier,
        "map": {
            "points": [
                {"number": n, "lat": lat, "lng": lng, "tier": t, "overdue": d < now}
                for n, lat, lng, t, d in points
            ],
            "heat": [{"lat": a * CELL, "lng": b * CELL, "n": n} for (a, b), n in heat.items()],
            "capped": len(points) >= MAP_LIMIT,
        },
        "hot": [{"name": h["category__name"], "n": h["n"]} for h in hot],
        "index": {"month": f"{latest:%Y-%m}" if latest else None, "rows": index_rows},
        "alerts": None,
        "refresh_seconds": settings["refresh_seconds"],
        "extra": [],
        "links": {
            "cases": reverse("cases:queue"),
            "dashboard": reverse("cases:dashboard"),
            "map": reverse("map:map"),
            "index": reverse("insight:index"),
            "alerts": reverse("insight:alerts"),
        },
    }
    if has(user, "alert.view", root):
        alerts = selectors.alerts_for(user).filter(scope_filter(root), status=AlertStatus.OPEN)
        data["alerts"] = {
            "open": alerts.count(),
            "by_rule": dict(alerts.values_list("rule").annotate(n=Count("id")).order_by()),
            "latest": [
                {"title": a.title, "url": reverse("insight:alert", args=[a.pk])}
                for a in alerts.order_by("-found_at", "-id")[:5]
            ],
        }
    ctx = CockpitContext(root=root, user=user, now=now)
    for provider in providers.active():
        if provider.cockpit_figures is not None:
            data["extra"] += [f.__dict__ for f in provider.cockpit_figures(ctx)]
    data["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return data
