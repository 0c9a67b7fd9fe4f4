"""The real run of an import from the web wizard, beside the request.

A 100,000-row file takes a minute or more: the wizard starts the all-or-nothing import in a
background thread and shows its progress; the status page polls it (htmx) until the import is
done. The command line (`gongzhi import`) prints the same progress. The report keeps counts and
row errors only, never the rows themselves.

The job lives in the database (`ImportJob`, one row per job), so that with several app servers
behind a load balancer (the city profile) whichever server the poll reaches answers it: the row
is made before the thread starts and holds the result once the import ends. The import writes
in one transaction, and its progress messages come from inside it, so they cannot go through the
import's own connection (nobody else would see them before the commit): on PostgreSQL a small
reporter thread writes them to the row over its own connection. SQLite allows one writer at a
time and the import holds the lock until it ends, so there the messages go to a small JSON file
next to the upload (`var/imports/<token>.status.json`) that every process of the one host reads
(SQLite means one host); it is removed when the job ends.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import threading
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.registry import importing
from gongzhi.registry.models import ImportJob

logger = logging.getLogger(__name__)
TOKEN = re.compile(r"[0-9a-f]{32}")
MAX_ERRORS_KEPT = 500
_threads: dict[str, threading.Thread] = {}


def _status_path(directory: Path, token: str) -> Path:
    return directory / f"{token}.status.json"


def _write(path: Path, data: dict) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)  # readers never see half a file


class _Reporter:
    """Progress messages to the job's row over a connection of its own (a thread of its own:
    Django's connections are per thread), so others see them while the import's transaction is
    open. Only the latest message waiting is written."""

    def __init__(self, token: str):
        self.token = token
        self.messages: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(
            target=self._run, name=f"registry-import-progress-{token}", daemon=True
        )
        self.thread.start()

    def _run(self) -> None:
        try:
            while True:
                message = self.messages.get()
                stop = message is None
                while not self.messages.empty():  # coalesce: only the newest counts
                    newer = self.messages.get()
                    stop = stop or newer is None
                    message = newer if newer is not None else message
                if message is not None:
                    try:
                        ImportJob.objects.filter(token=self.token, state="running").update(
                            message=message[:300]
                        )
                    except Exception:  # progress is best effort; the import itself goes on
                        logger.exception("registry import %s: progress not written", self.token)
                if stop:
                    return
        finally:
            connection.close()

    def send(self, message: str) -> None:
        self.messages.put(message)

    def close(self) -> None:
        self.messages.put(None)
        self.thread.join(30)


def start(*, directory: Path, token: str, upload: Path, kind: str, user: User, filename: str) -> None:
    first = _("开始导入…")
    ImportJob.objects.create(token=token, user=user, kind=kind, filename=filename[:255], message=first)
    on_sqlite = connection.vendor == "sqlite"
    status_file = _status_path(directory, token)
    if on_sqlite:
        _write(status_file, {"message": first})

    def run() -> None:
        reporter = None if on_sqlite else _Reporter(token)

        def progress(message: str) -> None:
            if reporter is not None:
                reporter.send(message)
            else:
                _write(status_file, {"message": message})

        try:
            report = importing.import_file(
                kind, upload, user, dry_run=False, filename=filename, progress=progress
            )
            errors = [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors]
            result = {
                "ok": report.ok,
                "summary": report.summary(),
                "errors": errors[:MAX_ERRORS_KEPT],
                "error_count": len(errors),
            }
        except Exception:  # the import rolled back; say so instead of leaving "running" forever
            logger.exception("registry import %s failed", token)
            result = {"ok": False, "summary": _("导入失败，未写入任何数据。"), "errors": [], "error_count": 0}
        try:
            if reporter is not None:
                reporter.close()  # its last message must not land after the result
            ImportJob.objects.filter(token=token).update(state="done", message="", result=result)
        finally:
            upload.unlink(missing_ok=True)
            status_file.unlink(missing_ok=True)
            connection.close()

    thread = threading.Thread(target=run, name=f"registry-import-{token}", daemon=True)
    _threads[token] = thread
    thread.start()


def status(*, directory: Path, token: str, user: User) -> dict | None:
    """The job's state for the user who started it; None for anyone else or an unknown token."""
    if not TOKEN.fullmatch(token or ""):
        return None
    job = ImportJob.objects.filter(token=token, user=user).first()
    if job is None:
        return None
    data = {"user": user.pk, "kind": job.kind, "filename": job.filename, "state": job.state}
    if job.state == "done":
        return {**data, **job.result}
    message = job.message
    with contextlib.suppress(OSError, ValueError, KeyError):  # SQLite: the newer one is in the host's file
        message = json.loads(_status_path(directory, token).read_text(encoding="utf-8"))["message"]
    return {**data, "message": message}


def wait(token: str, timeout: float = 60) -> None:
    """Block until a job started in this process ends (tests, and the command line)."""
    thread = _threads.get(token)
    if thread is not None:
        thread.join(timeout)
