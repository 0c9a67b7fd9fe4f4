"""The `gongzhi` command: Django's manage.py with the project's settings preset, plus two commands
of its own that run the platform on one machine as production runs it:

- `gongzhi serve` starts and supervises the web server (gunicorn, the server docs/deploy.md chose
  by measurement), the task worker (`db_worker`) and the scheduler (`gongzhi schedule`), with
  DEBUG off and whitenoise serving the collected static files; Ctrl-C or SIGTERM stops all three.
  `--demo` first migrates, collects the static files and builds the demo on an empty database.
- `gongzhi schedule` is the scheduler: it enqueues the periodic jobs (`SCHEDULE`) for the worker.

Neither imports Django in the supervising process: each child is a `gongzhi` process of its own, so
a child that dies is restarted without taking the others down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"

# The periodic jobs: (name, cron expression in the site's time zone, the task's dotted path).
# Tasks are named by string so that this table depends on no app (text sits above cases).
SCHEDULE: list[tuple[str, str, str]] = [
    ("sweep", "*/5 * * * *", "gongzhi.cases.sweep.sweep_deadlines"),
    ("partitions", "10 3 * * *", "gongzhi.cases.partitioning.ensure_partitions"),
    ("text-training", "40 2 * * *", "gongzhi.text.services.train_category_model_task"),
]
# Jobs enqueued once when the scheduler starts (a server that was off has deadlines to catch up on).
ON_START = ("sweep",)

# A child that dies this many times within RESTART_WINDOW seconds stops the whole server.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
STOP_GRACE = 20.0


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "serve":
        sys.exit(serve(sys.argv[2:]))
    if command == "schedule":
        sys.exit(schedule(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def _gongzhi(*args: str) -> list[str]:
    """A `gongzhi` command line that runs with this interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "gongzhi.cli", *args]


# ------------------------------------------------------------------------------------ serve


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    deaths: list[float] = field(default_factory=list)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed command lines)
            self.argv, env=env, preexec_fn=_die_with_parent
        )
        print(f"[serve] {self.name} started (pid {self.process.pid})", flush=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the supervisor dies, even by SIGKILL (no orphans)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gongzhi serve",
        description="Run the web server, the task worker and the scheduler together (DEBUG off).",
    )
    parser.add_argument("--host", default=os.environ.get("GONGZHI_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("GONGZHI_WORKERS", "2")), help="gunicorn workers"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="first migrate, collect static files and build the demo if the database is empty",
    )
    parser.add_argument(
        "--prepare", action="store_true", help="first migrate and collect static files (no demo data)"
    )
    return parser


def _run_step(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env)  # noqa: S603 (our own fixed command lines)
    if result.returncode:
        raise SystemExit(f"[serve] failed: {' '.join(argv[2:])} (exit {result.returncode})")


def serve(argv: list[str]) -> int:
    options = _serve_parser().parse_args(argv)
    env = dict(os.environ)
    # The production profile, whatever the shell says: no debug pages, collected static files.
    env["GONGZHI_DEBUG"] = "0"
    env.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    env["PYTHONUNBUFFERED"] = "1"
    if options.demo or options.prepare:
        _run_step(_gongzhi("migrate", "--noinput", "-v", "0"), env)
        _run_step(_gongzhi("collectstatic", "--noinput", "-v", "0"), env)
    if options.demo:
        _run_step(_gongzhi("demo", "--if-empty"), env)

    bind = f"{options.host}:{options.port}"
    web = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONF.exists():
        web += ["-c", str(GUNICORN_CONF)]
    web += ["--bind", bind, "--workers", str(options.workers), "gongzhi.wsgi:application"]
    children = [
        Child("web", web),
        Child("worker", _gongzhi("db_worker", "--queue-name", "*", "--interval", "1", "--no-reload")),
        Child("scheduler", _gongzhi("schedule")),
    ]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start(env)
    wildcard = options.host in ("0.0.0.0", "")  # noqa: S104 (only to print a URL)
    host = "127.0.0.1" if wildcard else options.host
    print(f"[serve] 共治平台已启动：http://{host}:{options.port}/  （Ctrl-C 停止）", flush=True)
    if options.demo:
        subprocess.run(_gongzhi("demo", "--accounts"), env=env)  # noqa: S603

    status = 0
    try:
        while not stopping:
            time.sleep(0.5)
            for child in children:
                if stopping or child.alive():
                    continue
                code = child.process.returncode if child.process else None
                now = time.monotonic()
                child.deaths = [t for t in child.deaths if now - t < RESTART_WINDOW] + [now]
                if len(child.deaths) >= MAX_RESTARTS:
                    print(f"[serve] {child.name} keeps failing (exit {code}): stopping", flush=True)
                    stopping, status = True, 1
                    break
                print(f"[serve] {child.name} exited ({code}), restarting", flush=True)
                time.sleep(min(5.0, 0.5 * len(child.deaths)))
                child.start(env)
    finally:
        _stop_all(children)
    return status


def _stop_all(children: list[Child]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave orphans
    for child in children:
        if child.alive():
            child.process.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        print(f"[serve] {child.name} stopped", flush=True)


# --------------------------------------------------------------------------------- schedule


def next_runs(now: dt.datetime, jobs: dict[str, str] | None = None) -> dict[str, dt.datetime]:
    """When each job (name → cron; SCHEDULE's by default) runs next after `now` (aware)."""
    from croniter import croniter

    jobs = jobs if jobs is not None else {name: cron for name, cron, _ in SCHEDULE}
    return {name: croniter(cron, now).get_next(dt.datetime) for name, cron in jobs.items()}


def schedule(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gongzhi schedule", description="Enqueue the periodic jobs.")
    parser.add_argument("--once", action="store_true", help="enqueue the start-up jobs and exit")
    options = parser.parse_args(argv)

    import django

    django.setup()
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from gongzhi.core.sweeps import registered, run_sweep

    tasks = {name: import_string(path) for name, _, path in SCHEDULE}
    crons = {name: cron for name, cron, _ in SCHEDULE}
    # The apps' own sweeps (care check-ins, list deadlines, committee terms, …), each on its cron.
    sweeps = {f"sweep:{s.name}": s for s in registered()}
    crons.update({name: s.cron for name, s in sweeps.items()})
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def enqueue(name: str) -> None:
        try:
            result = run_sweep.enqueue(sweeps[name].name) if name in sweeps else tasks[name].enqueue()
        except Exception as exc:  # a failed enqueue (database busy) is retried at the next run
            print(f"[schedule] {name}: not enqueued: {exc}", flush=True)
        else:
            print(f"[schedule] {name} enqueued ({result.id})", flush=True)

    for name in (*ON_START, *sweeps):
        enqueue(name)
    if options.once:
        return 0
    upcoming = next_runs(timezone.localtime(), crons)
    while not stopping:
        now = timezone.localtime()
        for name, when in list(upcoming.items()):
            if when <= now:
                enqueue(name)
                upcoming[name] = next_runs(now, {name: crons[name]})[name]
        time.sleep(1.0)
    return 0


if __name__ == "__main__":
    main()
