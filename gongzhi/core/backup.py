"""Consistent backups and restores of the whole database: `gongzhi backup` / `gongzhi restore`.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot page
  by page while the site keeps running; the backup is itself a SQLite database file.
- PostgreSQL: `pg_dump -Fc` (one consistent snapshot, custom format), restored by `pg_restore`.

A restore goes into an empty database (no tables at all) and refuses any other unless forced:
with force, SQLite's file is replaced as a whole and PostgreSQL's objects that the dump holds are
dropped first (`pg_restore --clean --if-exists`). Uploaded files (GONGZHI_MEDIA_ROOT) are not in
the database: back them up with the file system (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils.translation import gettext as _

from gongzhi.core.errors import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def default_path() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
    return Path(settings.VAR_DIR) / "backups" / f"gongzhi-{stamp}.{suffix}"


def _pg_env(alias: str = "default") -> tuple[list[str], dict]:
    db = connections[alias].settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise DomainError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端工具。") % {"tool": name})


def backup(path: Path | None = None, *, alias: str = "default") -> Path:
    """Write a consistent backup of the database to `path` (a new file) and return it."""
    conn = connections[alias]
    path = Path(path or default_path())
    if path.exists():
        raise DomainError(_("备份文件 %(path)s 已存在，不会覆盖。") % {"path": path})
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # Readable by the owner only (it holds every sealed field and the password hashes),
    # whatever the umask of the shell or unit that runs it.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    partial.chmod(0o600)
    if conn.vendor == "sqlite":
        conn.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            conn.connection.backup(target, pages=4096)
        finally:
            target.close()
    elif conn.vendor == "postgresql":
        args, env = _pg_env(alias)
        # An argument list (no shell) built from the settings, not from user input.
        result = subprocess.run(  # noqa: S603
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise DomainError(_("pg_dump 失败：%(error)s") % {"error": result.stderr.strip()[-500:]})
    else:
        raise DomainError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": conn.vendor})
    partial.chmod(0o600)
    partial.rename(path)
    return path


def table_names(alias: str = "default") -> list[str]:
    conn = connections[alias]
    with conn.cursor() as cursor:
        return conn.introspection.table_names(cursor)


def _check_sqlite(path: Path) -> None:
    """Refuse a truncated or damaged SQLite file before touching the database: the header's page
    count must fit the file, and SQLite's own integrity check must pass."""
    with path.open("rb") as handle:
        header = handle.read(100)
    size = path.stat().st_size
    page_size = int.from_bytes(header[16:18], "big") if len(header) >= 18 else 0
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big") if len(header) >= 32 else 0
    broken = _("备份文件 %(path)s 不完整（可能复制中断或磁盘已满），无法恢复；请换用一份完整的备份。") % {
        "path": path
    }
    if len(header) < 100 or not page_size or size < page_size * max(pages, 1):
        raise DomainError(broken)
    try:
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA quick_check").fetchone()
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise DomainError(broken) from exc
    if not result or result[0] != "ok":
        raise DomainError(broken)


def restore(path: Path, *, force: bool = False, alias: str = "default") -> None:
    """Load the backup at `path` into the database, which must be empty unless `force`."""
    conn = connections[alias]
    path = Path(path)
    if not path.is_file():
        raise DomainError(_("备份文件 %(path)s 不存在。") % {"path": path})
    with path.open("rb") as handle:
        head = handle.read(16)
    tables = table_names(alias)
    if tables and not force:
        raise DomainError(
            _("数据库不是空的（已有 %(n)d 张表）：请恢复到一个空数据库，或加 --force 覆盖。")
            % {"n": len(tables)}
        )
    if conn.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise DomainError(_("%(path)s 不是 SQLite 备份文件。") % {"path": path})
        _check_sqlite(path)
        conn.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(conn.connection)
        except sqlite3.DatabaseError as exc:
            raise DomainError(
                _("备份文件 %(path)s 已损坏或不完整，无法恢复：%(error)s") % {"path": path, "error": exc}
            ) from exc
        finally:
            source.close()
        conn.close()
    elif conn.vendor == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise DomainError(_("%(path)s 不是 pg_dump 自定义格式的备份文件。") % {"path": path})
        args, env = _pg_env(alias)
        conn.close()  # pg_restore works on its own connection
        clean = ["--clean", "--if-exists"] if force else []
        result = subprocess.run(  # noqa: S603 - argument list from settings and the operator's file
            [
                _tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                *clean,
                *args,
                str(path),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise DomainError(_("pg_restore 失败：%(error)s") % {"error": result.stderr.strip()[-500:]})
    else:
        raise DomainError(_("不支持恢复 %(vendor)s 数据库。") % {"vendor": conn.vendor})
