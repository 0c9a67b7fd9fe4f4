"""The real run of an import from the web wizard, beside the request.

A 100,000-row file takes a minute or more: the wizard starts the all-or-nothing import in a
background thread and shows its progress, which the thread writes to a small JSON file next to
the upload (`var/imports/<token>.status.json`), readable by any process on the host. The status
page polls it (htmx) until the import is done. The command line (`gongzhi import`) prints the
same progress. The report keeps counts and row errors only, never the rows themselves.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.registry import importing

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


def start(*, directory: Path, token: str, upload: Path, kind: str, user: User, filename: str) -> None:
    status = _status_path(directory, token)
    base = {"user": user.pk, "kind": kind, "filename": filename}
    _write(status, {**base, "state": "running", "message": _("开始导入…")})

    def progress(message: str) -> None:
        _write(status, {**base, "state": "running", "message": message})

    def run() -> None:
        try:
            report = importing.import_file(
                kind, upload, user, dry_run=False, filename=filename, progress=progress
            )
            errors = [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors]
            _write(
                status,
                {
                    **base,
                    "state": "done",
                    "ok": report.ok,
                    "summary": report.summary(),
                    "errors": errors[:MAX_ERRORS_KEPT],
                    "error_count": len(errors),
                },
            )
        except Exception:  # the import rolled back; say so instead of leaving "running" forever
            logger.exception("registry import %s failed", token)
            _write(
                status,
                {
                    **base,
                    "state": "done",
                    "ok": False,
                    "summary": _("导入失败，未写入任何数据。"),
                    "errors": [],
                },
            )
        finally:
            upload.unlink(missing_ok=True)
            connection.close()

    thread = threading.Thread(target=run, name=f"registry-import-{token}", daemon=True)
    _threads[token] = thread
    thread.start()


def status(*, directory: Path, token: str, user: User) -> dict | None:
    """The job's state for the user who started it; None for anyone else or an unknown token."""
    if not TOKEN.fullmatch(token or ""):
        return None
    path = _status_path(directory, token)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("user") == user.pk else None


def wait(token: str, timeout: float = 60) -> None:
    """Block until a job started in this process ends (tests, and the command line)."""
    thread = _threads.get(token)
    if thread is not None:
        thread.join(timeout)
