"""`gongzhi serve` for real: the production server, the worker and the scheduler as one process
tree on a temporary SQLite database, DEBUG off, stopped by SIGTERM with nothing left behind."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gongzhi import cli

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (from /proc: gunicorn's workers are grandchildren)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own server)
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.timeout(900)
def test_serve_runs_the_production_tree_and_stops_it_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "GONGZHI_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "GONGZHI_DEBUG": "1",  # serve turns it off whatever the shell says
        "GONGZHI_HTTPS": "0",
        "GONGZHI_SECURE_COOKIES": "0",
        "GONGZHI_DEMO_MODE": "1",  # the demo's public keys, allowed with DEBUG off only in demo mode
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gongzhi.cli", "serve", "--prepare", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Migrating every app and collecting the static files first: minutes on a busy machine.
        deadline = time.monotonic() + 600
        while True:
            try:
                status, body, _ = _get(f"{base}/healthz")
            except OSError:
                status = 0
            if status == 200:
                break
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "no /healthz within 600 s"
            time.sleep(0.5)
        assert '"ok": true' in body

        status, page, headers = _get(f"{base}/accounts/login/")
        assert status == 200 and "登录" in page
        assert headers.get("Server", "").startswith("gunicorn")
        # Static files: fingerprinted by collectstatic, served by whitenoise with long caching.
        css = re.search(r'href="(/static/vendor/pico\.min\.[0-9a-f]{12}\.css)"', page)
        assert css, page
        status, _, headers = _get(base + css.group(1))
        assert status == 200 and "max-age" in headers.get("Cache-Control", "")

        # DEBUG off: the site's own Chinese 404, no technical page listing the URL patterns.
        status, page, _ = _get(f"{base}/no-such-page/")
        assert status == 404
        assert "页面不存在" in page
        assert "Traceback" not in page and "URLconf" not in page and "Using the URLconf" not in page

        # The worker and the scheduler run beside the web server.
        tree = _children(server.pid)
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") for pid in tree}
        assert any(b"gunicorn" in c for c in commands.values())
        assert any(b"db_worker" in c for c in commands.values())
        assert any(b"schedule" in c for c in commands.values())
        assert len(tree) >= 4  # gunicorn master + its worker, db_worker, scheduler
    finally:
        tree = _children(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in tree if _alive(pid)], "children left running after SIGTERM"
    output = (tmp_path / "serve.log").read_text()
    assert "sweep enqueued" in output  # the scheduler's start-up sweep reached the queue


def test_schedule_runs_the_sweep_every_five_minutes_and_the_nightly_jobs_at_night() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    now = dt.datetime(2026, 3, 2, 14, 3, 20, tzinfo=shanghai)
    runs = cli.next_runs(now)
    assert runs["sweep"] == dt.datetime(2026, 3, 2, 14, 5, tzinfo=shanghai)
    assert runs["text-training"] == dt.datetime(2026, 3, 3, 2, 40, tzinfo=shanghai)
    assert runs["partitions"] == dt.datetime(2026, 3, 3, 3, 10, tzinfo=shanghai)
