"""Case intake in process: the public form's service `create_case` (validation, point-in-area
lookup, case number from the day's counter, deadlines, the report event, the message to the
reporter in the same transaction — a transactional outbox, so one commit per case), one
transaction per case as in production.

Reference: the naive intake — one ORM INSERT of the same case row plus its report event in one
transaction, with the area and deadline given (no lookup, no counter, no message)."""

from __future__ import annotations

import random
import time

from django.db import transaction
from django.utils import timezone

from bench.measure import Row, p50_p99, rate, summary
from gongzhi.cases import services
from gongzhi.cases.models import FAR_FUTURE, Case, CaseEvent, Category
from gongzhi.testing.statements import intake_statements


def run(scale, log) -> list[Row]:
    rng = random.Random(5)
    leaves = list(Category.objects.filter(parent__isnull=False, active=True))
    samples = list(
        Case.objects.filter(area__code__startswith="BENCH-")
        .order_by("-id")
        .values_list("lat", "lng", "area_id", "subdistrict_id")[:2000]
    )
    before = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    n = scale.intake
    subject: list[float] = []

    def intake(i: int) -> None:
        lat, lng, _area, _sub = rng.choice(samples)
        services.create_case(
            actor=None,
            category=rng.choice(leaves),
            title="小区门口垃圾满溢",
            description=f"性能测试 {i}：垃圾桶已满两天无人清运。",
            source="web",
            lat=lat,
            lng=lng,
            reporter_name="王女士",
            reporter_phone=f"139{rng.randrange(10**8):08d}",
        )

    try:
        # The statements of one intake in the steady state (issue 19): a warm-up call, then one
        # recorded (gongzhi.testing.statements; the same count the tests assert).
        intake(-1)
        with intake_statements() as recorded:
            intake(-2)
        counted = [s for s in recorded.shapes if s not in ("BEGIN", "COMMIT")]
        statements = f"{len(counted)} SQL statements per intake ({', '.join(counted)})"
        began_all = time.perf_counter()
        for i in range(n):
            began = time.perf_counter()
            intake(i)
            subject.append(time.perf_counter() - began)
        subject_total = time.perf_counter() - began_all

        reference: list[float] = []
        now = timezone.now()
        began_all = time.perf_counter()
        for i in range(n):
            lat, lng, area, sub = rng.choice(samples)
            began = time.perf_counter()
            with transaction.atomic():
                case = Case.objects.create(
                    number=f"R{before}-{i}",
                    subdistrict_id=sub,
                    area_id=area,
                    category=rng.choice(leaves),
                    source="web",
                    title="小区门口垃圾满溢",
                    description=f"性能测试 {i}：垃圾桶已满两天无人清运。",
                    lat=lat,
                    lng=lng,
                    reporter_name="王女士",
                    reporter_phone="13900000000",
                    reporter_phone_last4="0000",
                    response_due=now,
                    next_due=FAR_FUTURE,
                )
                CaseEvent.objects.create(
                    case=case, seq=1, action="report", to_status="reported", created_at=now
                )
            reference.append(time.perf_counter() - began)
        reference_total = time.perf_counter() - began_all
    finally:
        Case.objects.filter(pk__gt=before).delete()
    s, r = summary(subject), summary(reference)
    return [
        Row(
            "intake in process: create_case (public form)",
            f"{n:,} cases, one transaction each",
            f"{rate(n, subject_total)}; {p50_p99(subject)}",
            f"naive ORM insert {rate(n, reference_total)}; p50 {r['p50'] * 1000:.2f} ms",
            s["mean"] / r["mean"],
            note=f"{statements}; the city's peak-hour intake is about 8/s",
            values={"subject": s, "reference": r},
        )
    ]
