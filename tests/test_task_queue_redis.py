"""The city profile's task queue: django-tasks on RQ and a real Redis (issue 5).

Each test starts a private `redis-server` on a free loopback port in a temporary directory
(nothing saved to disk), points the task backend at it, enqueues gongzhi's real deadline sweep
and lets an RQ worker run it in burst mode: once in this process (rq's SimpleWorker, inside the
test's transaction) and once as the `gongzhi rqworker` command the systemd unit runs (rq's
forking Worker, configured only by GONGZHI_REDIS_URL). Skipped where redis-server is not installed; in CI (CI set), which
installs it, its absence fails instead."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.models import Action, Case, Source

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (apt-get install redis-server): the RQ task queue needs it"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI installs it in .ci/run)")
        pytest.skip(reason)
    import redis

    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)]
        + ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _rq_settings(url: str) -> dict:
    """TASKS and RQ_QUEUES as settings.py makes them when GONGZHI_REDIS_URL is set. Changing
    TASKS through override_settings resets django-tasks' cached backends on the way in and out
    (its setting_changed receiver), so the RQ backend does not leak into other tests."""
    return {
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend"}},
        "RQ_QUEUES": {name: {"URL": url, "DEFAULT_TIMEOUT": 600} for name in settings.GONGZHI_TASK_QUEUES},
    }


def _late_case(world) -> Case:
    """A reported case whose response deadline passed an hour ago: the sweep flags it."""
    case = services.create_case(
        actor=None,
        category=world.category,
        title="楼道堆物",
        description="楼道里堆满纸箱，消防通道被堵。",
        source=Source.WEB,
        area=world.a.estate,
        reporter_phone="13812345678",
    )
    Case.objects.filter(pk=case.pk).update(next_due=timezone.now() - dt.timedelta(hours=1))
    return case


def test_the_sweep_runs_through_redis_in_an_rq_worker(world, redis_url):
    import django_rq
    from django_tasks import TaskResultStatus
    from django_tasks_rq import Job
    from rq import SimpleWorker

    from gongzhi.cases.sweep import sweep_deadlines

    case = _late_case(world)
    with override_settings(**_rq_settings(redis_url)):
        assert type(sweep_deadlines.get_backend()).__name__ == "RQBackend"
        result = sweep_deadlines.enqueue()
        assert result.status == TaskResultStatus.READY
        queue = django_rq.get_queue("default", job_class=Job)
        assert queue.count == 1  # it waits in Redis, not in the database
        case.refresh_from_db()
        assert not case.overdue
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            assert worker.work(burst=True)
        finally:  # the worker installs its own; give pytest's back
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value["overdue"] == 1
        assert queue.count == 0
    # Leaving override_settings restored the configured backend (no RQ leak into other tests).
    assert type(sweep_deadlines.get_backend()).__name__ == "DatabaseBackend"
    case.refresh_from_db()
    assert case.overdue
    assert case.events.filter(action=Action.OVERDUE).count() == 1


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_the_rqworker_command_configured_by_the_environment_runs_an_enqueued_sweep(redis_url):
    """What the city profile's gongzhi-rqworker unit runs, configured only by GONGZHI_REDIS_URL:
    the task is enqueued by this process and done by the worker process, in the same database."""
    from django_tasks import TaskResultStatus

    from gongzhi.cases.sweep import sweep_deadlines
    from gongzhi.testing import build_world

    world = build_world()
    case = _late_case(world)
    with override_settings(**_rq_settings(redis_url)):
        result = sweep_deadlines.enqueue()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
            "DATABASE_URL": _database_url(),
            "GONGZHI_REDIS_URL": redis_url,
        }
        env.pop("GONGZHI_TASKS_BACKEND", None)
        worker = subprocess.run(
            [sys.executable, "-m", "gongzhi.cli", "rqworker", "default", "--burst"]
            + ["--job-class", "django_tasks_rq.Job", "--with-scheduler"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=150,
        )
        assert worker.returncode == 0, worker.stderr[-2000:]
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
        assert result.return_value["overdue"] == 1
        assert len(result.worker_ids) == 1
    case.refresh_from_db()
    assert case.overdue
