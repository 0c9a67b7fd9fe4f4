"""The replica router: dashboard and export reads go to the replica, everything else to the
primary. The test with a real streaming replica starts a private primary and a standby made by
pg_basebackup on loopback (skipped where the PostgreSQL server programs are not installed)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from gongzhi.core import dbrouter
from gongzhi.core.dbrouter import ReplicaRouter, replica_reads, use_replica

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def with_replica(monkeypatch):
    # As if DATABASE_REPLICA_URL were set (changing settings.DATABASES at run time is unsafe).
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)


def test_reads_go_to_the_primary_outside_a_replica_block(with_replica):
    assert ReplicaRouter().db_for_read(None) == "default"


def test_reads_in_a_replica_block_go_to_the_replica(with_replica):
    with replica_reads() as alias:
        assert alias == "replica"
        assert ReplicaRouter().db_for_read(None) == "replica"
    assert ReplicaRouter().db_for_read(None) == "default"


def test_writes_always_go_to_the_primary(with_replica):
    with replica_reads():
        assert ReplicaRouter().db_for_write(None) == "default"
    assert not ReplicaRouter().allow_migrate("replica", "cases")


def test_without_a_replica_everything_stays_on_the_primary():
    with replica_reads() as alias:
        assert alias == "default"
        assert ReplicaRouter().db_for_read(None) == "default"


def test_a_decorated_view_reads_from_the_replica(with_replica):
    @use_replica
    def view():
        return ReplicaRouter().db_for_read(None)

    assert view() == "replica"


def _pg_bin() -> Path | None:
    # Debian's /usr/bin wrappers need a configured cluster; the version's own directory does not.
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REPLICA_SCRIPT = """
import time
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.contrib.contenttypes.models import ContentType
from gongzhi.core.dbrouter import replica_reads

ContentType.objects.create(app_label="replica_test", model="r1")
deadline = time.monotonic() + 30
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_is_in_recovery()")
    assert cursor.fetchone()[0] is True, "replica is not a standby"
    while time.monotonic() < deadline:
        cursor.execute("SELECT count(*) FROM django_content_type WHERE model = 'r1'")
        if cursor.fetchone()[0] == 1:
            break
        shutil.rmtree(work, ignore_errors=True)
with CaptureQueriesContext(connections["replica"]) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
    with replica_reads():
        assert ContentType.objects.filter(app_label="replica_test", model="r1").count() == 1
        ContentType.objects.create(app_label="replica_test", model="r2")
assert len(on_replica.captured_queries) == 1, on_replica.captured_queries
assert any("INSERT" in q["sql"] for q in on_primary.captured_queries)
assert not any("INSERT" in q["sql"] for q in on_replica.captured_queries)
print("REPLICA-OK")
"""


@pytest.mark.timeout(240)
def test_dashboard_reads_reach_a_real_streaming_replica(tmp_path):
    """Primary + standby (pg_basebackup -R) on loopback: a read in replica_reads() is answered by
    the standby, writes in the same block go to the primary."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_basebackup) are not installed")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Its own directory: the server runs as "postgres" when the test runs as root, and pytest's
    # tmp_path is private to root.
    work = Path(tempfile.mkdtemp(prefix="gongzhi-replica-"))
    if as_postgres:
        shutil.chown(work, "postgres")
    primary, standby = work / "primary", work / "standby"
    p1, p2 = _free_port(), _free_port()

    def pg(*args, timeout=90):
        return subprocess.run(
            [*as_postgres, *args], check=True, capture_output=True, text=True, timeout=timeout
        )

    started = []

    def start(data: Path, port: int) -> None:
        options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(work / f"{data.name}.log")
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", log, "-o", options, "start")
        started.append(data)

    try:
        pg(str(bin_dir / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
        start(primary, p1)
        pg(
            str(bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(p1),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE gongzhi",
        )
        pg(
            str(bin_dir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(p1), "-U", "postgres", "-D", str(standby)),
            *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        start(standby, p2)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p1}/gongzhi",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{p2}/gongzhi",
            "GONGZHI_VAR_DIR": str(tmp_path / "var"),
        }
        cli = [sys.executable, "-m", "gongzhi.cli"]
        # One small app's tables are enough: the router does not look at models.
        migrate = subprocess.run(
            [*cli, "migrate", "contenttypes", "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert migrate.returncode == 0, migrate.stderr
        check = subprocess.run(
            [*cli, "shell", "-c", REPLICA_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "REPLICA-OK" in check.stdout, check.stderr
    finally:
        for data in reversed(started):
            subprocess.run(
                [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(work, ignore_errors=True)
