"""Case intake over HTTP on two app servers, to choose the server profile's (issue 5) by
measurement: gunicorn (2 sync workers, the reference) and granian (`--interface wsgi`, 2 workers,
with 1 and 4 blocking threads per worker and with granian's default of backpressure/2 threads),
all started at once on this database; load from a separate process on loopback (bench/load.py,
8 keep-alive connections, closed loop, bounded in time and count), interleaved over the servers
round by round (every other round in reverse order) so that a busier minute of the shared
machine hits every server alike.

Workloads, the same on every server:
- ping: GET /bench/ping, a minimal JSON view (the stack's ceiling);
- intake: POST /bench/intake, JSON → `services.create_case` (a thin adapter);
- api: POST /api/cases/ with a Bearer token (django-ninja, schema validation, permission check);
- open311: POST /open311/v2/requests.json, form-encoded with an api_key (key lookup, the per-key
  rate counter row, the GeoReport request record);
- static: GET /static/vendor/echarts.min.js (≈1 MB) through whitenoise in the app process; on
  granian also the same file from granian's own static route (Rust, no Python).

Rows: gunicorn's figure with that server's ping as reference; each granian variant's figure with
gunicorn's for the same workload as reference (ratio < 1: granian is faster); granian's static
route with whitenoise on the same granian as reference. gunicorn's sync workers close the
connection after each response (no keep-alive), granian keeps it: the load generator reconnects
for every request to gunicorn, as nginx does by default towards its upstream. Best of the rounds
by req/s. On a 2-core machine the servers, the database and the load generator share the cores:
the figures compare servers within one run, they are not capacity planning.

Environment: BENCH_HTTP=0 skips it; BENCH_HTTP_SECONDS (default the scale's), BENCH_HTTP_ROUNDS
(default 2), BENCH_HTTP_SERVERS (comma-separated keys of SERVERS, default all),
BENCH_HTTP_WORKLOADS (comma-separated, default all)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import connection

from bench.measure import Row
from gongzhi.accounts.models import Role, User
from gongzhi.cases.models import Case, Category
from gongzhi.open311 import services as open311_services
from gongzhi.open311.models import ApiKey

ROOT = Path(__file__).resolve().parents[2]
STATIC_FILE = "vendor/echarts.min.js"
WSGI_APP = "gongzhi.wsgi:application"


def _gunicorn(port: int) -> list[str]:
    return [
        *("-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"),
        *("--log-level", "warning", WSGI_APP),
    ]


def _granian(threads: int | None):
    def command(port: int) -> list[str]:
        cmd = ["-m", "granian", "--interface", "wsgi", "--workers", "2", "--no-ws"]
        if threads is not None:
            cmd += ["--blocking-threads", str(threads)]
        cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        # Granian's own static route beside whitenoise's, to compare the two.
        cmd += [
            "--static-path-route",
            "/static-native",
            "--static-path-mount",
            str(ROOT / "gongzhi" / "static"),
        ]
        return [*cmd, WSGI_APP]

    return command


# key: (label, command builder). The first is the reference for the others.
SERVERS = {
    "gunicorn": ("gunicorn, 2 sync workers", _gunicorn),
    "granian": ("granian wsgi, 2 workers × 1 thread", _granian(1)),
    "granian4": ("granian wsgi, 2 workers × 4 threads", _granian(4)),
    "granian-default": ("granian wsgi, 2 workers × default threads (256)", _granian(None)),
}

WORKLOADS = {
    "ping": "GET /bench/ping (minimal JSON view)",
    "intake": "POST JSON → create_case (/bench/intake)",
    "api": "POST /api/cases/ (Bearer token)",
    "open311": "Open311 POST requests.json",
    "static": "GET static echarts.min.js via whitenoise",
    "static-native": "GET static echarts.min.js via granian's static route",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url}")


def _load(url: str, seconds: float, request: dict) -> dict:
    cmd = [sys.executable, "-m", "bench.load", url, "--seconds", str(seconds)]
    cmd += ["--method", request.get("method", "GET"), "--max-requests", str(request.get("max", 200_000))]
    if request.get("body"):
        cmd += ["--body", request["body"], "--content-type", request.get("content_type", "application/json")]
    for header in request.get("headers", ()):
        cmd += ["--header", header]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _requests(sample: dict, category: Category, token: str, key: str) -> dict[str, dict]:
    """What each workload sends (the same on every server)."""
    phone = "13900001111"
    return {
        "ping": {"path": "/bench/ping"},
        "intake": {
            "path": "/bench/intake",
            "method": "POST",
            "max": 50_000,
            "body": json.dumps(
                {
                    "category": category.pk,
                    "title": "路灯不亮",
                    "description": "HTTP 性能测试",
                    "lat": sample["lat"],
                    "lng": sample["lng"],
                    "phone": phone,
                }
            ),
        },
        "api": {
            "path": "/api/cases/",
            "method": "POST",
            "max": 50_000,
            "headers": [f"Authorization: Bearer {token}"],
            "body": json.dumps(
                {
                    "category": category.code,
                    "title": "路灯不亮",
                    "description": "HTTP 性能测试（API）",
                    "source": "patrol",
                    "lat": sample["lat"],
                    "lng": sample["lng"],
                    "reporter_phone": phone,
                }
            ),
        },
        "open311": {
            "path": "/open311/v2/requests.json",
            "method": "POST",
            "max": 50_000,
            "content_type": "application/x-www-form-urlencoded",
            "body": urllib.parse.urlencode(
                {
                    "api_key": key,
                    "service_code": category.code,
                    "lat": sample["lat"],
                    "long": sample["lng"],
                    "description": "路灯不亮（Open311 性能测试）",
                    "phone": phone,
                }
            ),
        },
        "static": {"path": f"/static/{STATIC_FILE}"},
        "static-native": {"path": f"/static-native/{STATIC_FILE}"},
    }


def _last_exception(log: Path) -> str:
    """The last exception line of a server's log (why it answered 500), or ''."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    found = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]
    return found[-1][:160] if found else ""


def _fmt(result: dict) -> str:
    return (
        f"{result['rps']:,.0f} req/s; p50 {result['p50'] * 1000:.1f} ms / p99 {result['p99'] * 1000:.1f} ms"
    )


def _credentials(subdistrict_id: int) -> tuple[User, str, ApiKey, str]:
    """A grid worker with an API token and an Open311 key (no practical rate limit), in the
    subdistrict of the sample point; removed again at the end."""
    from gongzhi.territory.models import Area

    subdistrict = Area.objects.get(pk=subdistrict_id)
    user = User.objects.create(username="bench-http-api", display_name="HTTP 性能测试", scope=subdistrict)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.set([Group.objects.get_or_create(name=Role.GRIDWORKER)[0]])
    _token, token_secret = open311_services.issue_token(user=user, name="bench", days=1)
    key, key_secret = open311_services.issue_key(
        name="bench-http", subdistrict=subdistrict, actor=None, rate_limit=2_000_000_000
    )
    return user, token_secret, key, key_secret


def _statements(requests: dict[str, dict]) -> dict[str, str]:
    """For each intake workload, the SQL statements of one request sent in process (Django's test
    client, the second of two so that caches are warm): the intake's (create_case and its
    suggestion, BEGIN/COMMIT not counted) and the request's in all (issue 19)."""
    from django.test import Client, override_settings

    from gongzhi.testing.statements import intake_statements

    client = Client(HTTP_HOST="127.0.0.1")
    out = {}
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["127.0.0.1"]):
        for w in ("intake", "api", "open311"):
            if w in requests:
                out[w] = _statements_of(client, requests[w], intake_statements)
    return out


def _statements_of(client, request: dict, intake_statements) -> str:
    headers = {}
    for header in request.get("headers", ()):
        name, value = header.split(":", 1)
        headers["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
    content_type = request.get("content_type", "application/json")

    def send():
        return client.post(request["path"], request["body"], content_type=content_type, **headers)

    send()
    with intake_statements() as recorded:
        response = send()
    counted = [s for s in recorded.shapes if s not in ("BEGIN", "COMMIT")]
    every = [s for s in recorded.every if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]
    return (
        f"{len(counted)} SQL statements per intake, {len(every)} per request (in process, "
        f"HTTP {response.status_code})"
    )


def run(scale, log) -> list[Row]:
    if os.environ.get("BENCH_HTTP", "1") == "0":
        return [Row("intake over HTTP", "", "", skipped="BENCH_HTTP=0")]
    seconds = float(os.environ.get("BENCH_HTTP_SECONDS", scale.http_seconds))
    rounds = int(os.environ.get("BENCH_HTTP_ROUNDS", "2"))
    wanted = [s for s in os.environ.get("BENCH_HTTP_SERVERS", "").split(",") if s] or list(SERVERS)
    workloads = [w for w in os.environ.get("BENCH_HTTP_WORKLOADS", "").split(",") if w] or list(WORKLOADS)
    sample = (
        Case.objects.filter(area__code__startswith="BENCH-").values("lat", "lng", "subdistrict_id").first()
    )
    category = Category.objects.filter(parent__isnull=False, active=True).order_by("pk").first()
    before = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    user, token, key, key_secret = _credentials(sample["subdistrict_id"])
    requests = _requests(sample, category, token, key_secret)
    statements: dict[str, str] = {}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "GONGZHI_CONN_MAX_AGE": "600"}
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    logs: dict[str, Path] = {}
    load_before = os.getloadavg()
    rows: list[Row] = []
    try:
        statements = _statements(requests)
        for name in wanted:
            port = _free_port()
            logs[name] = ROOT / "bench" / "var" / f"http-{name}-{connection.vendor}.log"
            logs[name].parent.mkdir(parents=True, exist_ok=True)
            process = subprocess.Popen(
                [sys.executable, *SERVERS[name][1](port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=logs[name].open("w"),  # server errors (a 500's traceback) for the note
                start_new_session=True,  # its own process group: the workers are stopped with it
            )
            servers[name] = (process, f"http://127.0.0.1:{port}")
        for _process, base in servers.values():
            _wait(base + "/bench/ping")
        results: dict[str, dict[str, list[dict]]] = {n: {w: [] for w in workloads} for n in servers}
        for round_ in range(rounds):
            # Every other round in reverse order: no server always goes first after a pause.
            order = list(servers.items())[:: -1 if round_ % 2 else 1]
            for name, (_process, base) in order:
                for w in workloads:
                    if w == "static-native" and not name.startswith("granian"):
                        continue
                    result = _load(base + requests[w]["path"], seconds, requests[w])
                    results[name][w].append(result)
                    log(f"  round {round_ + 1} {name:16} {w:14} {_fmt(result)}; errors {result['errors']}")
        load_after = os.getloadavg()
        best = {
            n: {w: max(r, key=lambda x: x["rps"]) for w, r in per.items() if r} for n, per in results.items()
        }
        reference = wanted[0]
        loads = f"load avg {load_before[0]:.1f} → {load_after[0]:.1f}"
        for w in workloads:
            for name in servers:
                if w not in best[name]:
                    continue
                got = best[name][w]
                errors = sum(r["errors"] for r in results[name][w])
                size = f"{got['ok']:,} requests in {got['seconds']:.0f} s"
                if got["bytes"] > 100_000:
                    size += f" × {got['bytes'] / 1e6:.1f} MB"
                note = f"{connection.vendor}; best of {rounds}; errors {errors}; {loads}"
                if w in statements:
                    note += f"; {statements[w]}"
                if errors:
                    first = next((r["first_error"] for r in results[name][w] if r.get("first_error")), "")
                    note += f"; first error: {first[:80]}"
                    cause = _last_exception(logs[name])
                    if cause:
                        note += f"; server log: {cause}"
                if w == "static-native":  # granian's own static route against whitenoise on it
                    ref = best[name].get("static")
                    ref_text = f"whitenoise on it {_fmt(ref)}" if ref else ""
                    ratio = ref["rps"] / got["rps"] if ref and got["rps"] else None
                elif name == reference or w not in best[reference]:
                    ceiling = best[name].get("ping")
                    ref_text = f"ping {_fmt(ceiling)}" if ceiling and w != "ping" else ""
                    ratio = ceiling["rps"] / got["rps"] if ref_text and got["rps"] else None
                else:
                    ref = best[reference][w]
                    ref_text = f"{SERVERS[reference][0].split(',')[0]} {_fmt(ref)}"
                    ratio = ref["rps"] / got["rps"] if got["rps"] else None
                rows.append(
                    Row(
                        f"HTTP {WORKLOADS[w]} — {SERVERS[name][0]}",
                        size,
                        _fmt(got),
                        ref_text,
                        ratio,
                        note=note,
                        values={"runs": results[name][w]},
                    )
                )
    finally:
        for process, _base in servers.values():
            process.terminate()
        for process, _base in servers.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # workers left behind by their master
        Case.objects.filter(pk__gt=before).delete()
        ApiKey.objects.filter(pk=key.pk).delete()
        User.objects.filter(pk__in=[user.pk, key.actor_id]).delete()
    return rows
