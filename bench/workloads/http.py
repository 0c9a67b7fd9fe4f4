"""Case intake over HTTP: gunicorn with 2 sync workers on this database, load from a separate
process on loopback (bench/load.py, 8 keep-alive connections, closed loop, bounded in time and
count). Subject: POST /bench/intake (JSON → create_case, like the API's create). Reference: GET
/bench/ping, a minimal JSON view on the same server stack — the ceiling. On a 2-core machine the
server, the database and the load generator share the cores; the figures are for comparison in
one run, not capacity planning. BENCH_HTTP=0 skips it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.db import connection

from bench.measure import Row
from gongzhi.cases.models import Case, Category

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url}")


def _load(url: str, seconds: float, method: str = "GET", body: str = "", max_requests: int = 200_000) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "bench.load",
        url,
        "--method",
        method,
        "--seconds",
        str(seconds),
        "--max-requests",
        str(max_requests),
    ]
    if body:
        cmd += ["--body", body]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(scale, log) -> list[Row]:
    if os.environ.get("BENCH_HTTP", "1") == "0":
        return [Row("intake over HTTP", "", "", skipped="BENCH_HTTP=0")]
    sample = Case.objects.filter(area__code__startswith="BENCH-").values("lat", "lng").first()
    category = Category.objects.filter(parent__isnull=False, active=True).first()
    body = json.dumps(
        {
            "category": category.pk,
            "title": "路灯不亮",
            "description": "HTTP 性能测试",
            "lat": sample["lat"],
            "lng": sample["lng"],
            "phone": "13900001111",
        }
    )
    before = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "GONGZHI_CONN_MAX_AGE": "600"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "gongzhi.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/bench/ping")
        results = {"ping": [], "intake": []}
        # Interleaved: reference, subject, reference, subject.
        for _round in range(2):
            results["ping"].append(_load(base + "/bench/ping", scale.http_seconds))
            results["intake"].append(
                _load(base + "/bench/intake", scale.http_seconds, "POST", body, max_requests=50_000)
            )
        ping = max(results["ping"], key=lambda r: r["rps"])
        intake = max(results["intake"], key=lambda r: r["rps"])
        note = f"2 gunicorn sync workers, {connection.vendor}; errors {intake['errors']}; best of 2"
        rows.append(
            Row(
                "intake over HTTP: POST JSON → create_case",
                f"{intake['ok']:,} requests in {intake['seconds']:.0f} s",
                f"{intake['rps']:,.0f} req/s; p50 {intake['p50'] * 1000:.1f} ms / p99 {intake['p99'] * 1000:.1f} ms",
                f"ping {ping['rps']:,.0f} req/s; p50 {ping['p50'] * 1000:.1f} ms",
                ping["rps"] / intake["rps"] if intake["rps"] else None,
                note=note,
                values=results,
            )
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        Case.objects.filter(pk__gt=before).delete()
    return rows
