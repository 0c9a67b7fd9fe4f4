"""insight's `make bench` workload (registered in bench/workloads/__init__.py as "insight").

Each figure beside a reference measured in the same run on the same rows:

- weekly reports of every grid of the district — reference: one GROUP BY of the week's cases per
  area of the district (the least any report must read);
- the interaction index of every subdistrict for last month (computed, not stored) — reference:
  one GROUP BY of the month's cases per area;
- every supervision rule over every subdistrict — reference: one GROUP BY of the look-back
  window's case events per case;
- the cockpit's data for a district leader — reference: the cases dashboard of the same scope
  (`metrics.dashboard_for`), which the product already serves."""

from __future__ import annotations

import datetime as dt
import statistics

from django.db import transaction
from django.db.models import Count
from django.utils import timezone


def run(scale, log) -> list:
    from bench.measure import Row, ms, timings
    from gongzhi.accounts.models import User
    from gongzhi.cases import metrics
    from gongzhi.cases.models import Case, CaseEvent
    from gongzhi.insight import config, index, reports, supervision
    from gongzhi.insight.cockpit import cockpit_data
    from gongzhi.insight.periods import monday_of, start_of
    from gongzhi.territory.models import Area, AreaKind

    leader = User.objects.filter(username__startswith="bench", groups__name="leader").order_by("id").first()
    if leader is None:
        return [Row("insight", "", "", skipped="no bench leader")]
    district = Area.objects.get(pk=leader.scope.path.strip("/").split("/")[0])
    subdistricts = list(Area.objects.filter(kind=AreaKind.SUBDISTRICT, path__startswith=district.path))
    grids = Area.objects.filter(kind=AreaKind.GRID, path__startswith=district.path).count()
    cases = Case.objects.filter(subdistrict__in=subdistricts)
    total = cases.count()
    latest = cases.order_by("-created_at").values_list("created_at", flat=True).first() or timezone.now()
    week = monday_of(timezone.localdate(latest)) - dt.timedelta(days=7)
    month = (timezone.localdate(latest).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    repeat = min(getattr(scale, "repeat", 10), 5)
    rows = []

    def rolled_back(fn):
        def call():
            with transaction.atomic():
                fn()
                transaction.set_rollback(True)

        return call

    def row(name, size, subject, reference, note):
        s = statistics.median(timings(subject, repeat=repeat, warmup=1, budget=30))
        r = statistics.median(timings(reference, repeat=repeat, warmup=1, budget=10))
        rows.append(Row("insight", size, f"{name} {ms(s)}", f"reference {ms(r)}", s / r if r else None, note))
        log(f"  insight {name}: {ms(s)} (reference {ms(r)})")

    start, end = start_of(week), start_of(week + dt.timedelta(days=7))
    row(
        "weekly reports",
        f"{grids} grids, {total:,} cases",
        rolled_back(lambda: reports.generate_week(root=district, week_start=week)),
        lambda: list(
            cases.filter(created_at__gte=start, created_at__lt=end)
            .values("area_id")
            .annotate(n=Count("id"))
            .order_by()
        ),
        "all grids of the district, sections from every provider (rolled back)",
    )
    m_start, m_end = start_of(month), start_of((month + dt.timedelta(days=32)).replace(day=1))
    row(
        "interaction index, one month",
        f"{len(subdistricts)} subdistricts",
        lambda: [index.compute(s, month) for s in subdistricts],
        lambda: list(
            cases.filter(created_at__gte=m_start, created_at__lt=m_end)
            .values("area_id")
            .annotate(n=Count("id"))
            .order_by()
        ),
        "computed, not stored; rates from the monthly rollup",
    )
    since = timezone.now() - dt.timedelta(days=int(config.get("supervision")["lookback_days"]))
    row(
        "supervision, all rules",
        f"{len(supervision.active_rules())} rules, {len(subdistricts)} subdistricts",
        rolled_back(lambda: [supervision.scan(subdistrict=s) for s in subdistricts]),
        lambda: list(
            CaseEvent.objects.filter(subdistrict__in=subdistricts, created_at__gte=since)
            .values("case_id")
            .annotate(n=Count("id"))
            .order_by()
        ),
        "alerts written and rolled back",
    )
    row(
        "cockpit data",
        f"subdistrict leader, {cases.filter(subdistrict=leader.scope).count():,} cases",
        lambda: cockpit_data(leader, leader.scope),
        lambda: metrics.dashboard_for(leader, root=leader.scope),
        "one refresh of every panel",
    )
    return rows
