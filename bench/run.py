"""`python -m bench`: prepare the database (generated once per size, then reused), run each
workload, print the table and write bench/results/<timestamp>.json.

Environment:
  BENCH_SCALE          default | million | city | tiny (see bench/scale.py)
  BENCH_DATABASE_URL   run on this database instead of a SQLite file under bench/var/
  BENCH_ONLY           comma-separated workload names (queue,dashboard,geo,intake,http,registry,duplicates,peer,partition)
  BENCH_HTTP           0 to skip the HTTP load runs
  BENCH_FAN_OUT_EVENTS 1 to copy the events too when the scale fans out (city: about 140 M rows)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _environment(scale) -> None:
    """Settings for a measurement: no DEBUG (it records every query), our own database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ["GONGZHI_DEBUG"] = "0"
    os.environ.setdefault("GONGZHI_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["GONGZHI_LOG_LEVEL"] = "ERROR"
    # Plain HTTP on loopback: no HTTPS redirect, no collected-static manifest.
    os.environ["GONGZHI_HTTPS"] = "0"
    os.environ["GONGZHI_STATIC_MANIFEST"] = "0"
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
        var = HERE / "var" / f"{scale.name}-{scale.subdistricts}x{scale.cases}"
        var.mkdir(parents=True, exist_ok=True)
        os.environ["GONGZHI_VAR_DIR"] = str(var)


def _prepare(scale, log) -> dict:
    """Migrate and generate unless this size is already there. Returns what the workloads use."""
    from django.core.management import call_command

    from gongzhi.cases.models import Case
    from gongzhi.demo.generate import Plan, generate
    from gongzhi.territory.models import Area

    call_command("migrate", verbosity=0, interactive=False)
    generated = Area.objects.filter(code__startswith="BENCH-", kind="subdistrict").count()
    info = {"generated_now": False, "generate_seconds": None}
    if generated == 0:
        log(f"生成测试数据：{scale.subdistricts} 个街道，{scale.cases:,} 件工单（只在第一次运行时生成）")
        began = time.monotonic()
        plan = Plan(
            subdistricts=scale.subdistricts,
            cases=scale.cases,
            years=scale.years,
            seed=2026,
            prefix="BENCH",
            chunk=50_000,
            fan_out_from=scale.fan_out_from,
            fan_out_events=os.environ.get("BENCH_FAN_OUT_EVENTS", "0") == "1",
        )
        try:
            result = generate(plan, progress=log)
        except ValueError as exc:  # e.g. the city's fan-out on SQLite
            raise SystemExit(str(exc)) from exc
        info.update(
            generated_now=True,
            generate_seconds=time.monotonic() - began,
            generate_rate=result.cases / max(result.seconds, 1e-9),
            events=result.events,
            fan_out_from=scale.fan_out_from,
            notes=result.notes,
        )
    elif generated != scale.subdistricts:
        raise SystemExit(
            f"数据库里已有 {generated} 个 BENCH 街道，与规模 {scale.name} 不符：请换一个空数据库。"
        )
    info["cases"] = Case.objects.count()
    return info


def _table(rows) -> str:
    headers = ["workload", "size", "figure", "reference", "ratio", "note"]
    lines = []
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}×"
        if row.skipped:
            lines.append([row.workload, row.size, "skipped", "", "", row.skipped])
        else:
            lines.append([row.workload, row.size, row.figure, row.reference, ratio, row.note])
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *lines, strict=False)]
    widths[-1] = min(widths[-1], 60)
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)) + " |"]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        out.append("| " + " | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=False)) + " |")
    return "\n".join(out)


def main() -> int:
    from bench.scale import current

    scale = current()
    _environment(scale)
    import django

    django.setup()
    from django.db import connection

    from bench import machine
    from bench.workloads import REGISTRY

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.monotonic()
    info = _prepare(scale, log)
    only = {w for w in os.environ.get("BENCH_ONLY", "").split(",") if w}
    rows = []
    for name, run in REGISTRY:
        if only and name not in only:
            continue
        log(f"… {name}")
        began = time.monotonic()
        try:
            rows.extend(run(scale, log))
        except Exception as exc:  # one broken workload must not hide the others' figures
            traceback.print_exc()
            from bench.measure import Row

            rows.append(Row(name, "", "", skipped=f"error: {type(exc).__name__}: {exc}"[:200]))
        log(f"  {name}: {time.monotonic() - began:,.1f} s")
    table = _table(rows)
    print(table)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = {
        "timestamp": stamp,
        "scale": scale.__dict__,
        "machine": machine.describe(connection),
        "data": info,
        "seconds": time.monotonic() - started,
        "rows": [r.as_dict() for r in rows],
        "table": table,
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{stamp}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    log(f"结果：{path.relative_to(ROOT)}（用时 {out['seconds']:,.0f} 秒）")
    return 0
