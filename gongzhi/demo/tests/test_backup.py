"""Backup and restore: a backup restored into an empty database holds every case and event."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from gongzhi.cases.models import Case, CaseEvent
from gongzhi.core import backup
from gongzhi.core.errors import DomainError
from gongzhi.demo.generate import Plan, generate

ROOT = Path(__file__).resolve().parents[3]


def _restore_in_subprocess(path: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "restore", str(path)],
        cwd=ROOT,
        env={
            k: v for k, v in {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings", **env}.items() if v
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def _resident_count() -> int | None:
    from django.apps import apps

    try:
        model = apps.get_model("registry", "Resident")
    except LookupError:  # the registry app has no models yet in this branch
        return None
    return model.objects.count()


def _contents(restored, residents: int | None) -> tuple[set, set, int | None]:
    """Cases, events and the resident count of a restored database (sqlite3 or psycopg)."""
    cases = {tuple(row) for row in restored.execute("SELECT id, number, status FROM cases_case")}
    events = {tuple(row) for row in restored.execute("SELECT case_id, seq, action FROM cases_caseevent")}
    count = None
    if residents is not None:
        count = restored.execute("SELECT count(*) FROM registry_resident").fetchone()[0]
    return cases, events, count


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_case_and_event_into_an_empty_database(tmp_path):
    now = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)
    generate(
        Plan(subdistricts=1, cases=80, years=1, grids=2, buildings=2, now=now), progress=lambda line: None
    )
    cases = set(Case.objects.values_list("id", "number", "status"))
    events = set(CaseEvent.objects.values_list("case_id", "seq", "action"))
    residents = _resident_count()
    path = backup.backup(tmp_path / "gongzhi.backup")

    if connection.vendor == "sqlite":
        target = tmp_path / "empty"
        env = {"GONGZHI_VAR_DIR": str(target), "DATABASE_URL": ""}
        result = _restore_in_subprocess(path, env)
        assert result.returncode == 0, result.stderr
        restored = sqlite3.connect(target / "gongzhi.sqlite3")
        try:
            got_cases, got_events, got_residents = _contents(restored, residents)
        finally:
            restored.close()
    else:
        import psycopg

        db = connection.settings_dict
        name = f"{db['NAME']}_restore"[:63]
        dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} password={db['PASSWORD']}"
        with psycopg.connect(dsn + f" dbname={db['NAME']}", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
            result = _restore_in_subprocess(path, {"DATABASE_URL": url})
            assert result.returncode == 0, result.stderr
            with psycopg.connect(dsn + f" dbname={name}") as restored:
                got_cases, got_events, got_residents = _contents(restored, residents)
        finally:
            with psycopg.connect(dsn + f" dbname={db['NAME']}", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    assert len(cases) == 80
    assert got_cases == cases
    assert got_events == events
    assert got_residents == residents


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    path = tmp_path / "backup.sqlite3"
    path.write_bytes(backup.SQLITE_MAGIC + b"\x00" * 100)
    with pytest.raises(DomainError, match="不是空的"):
        backup.restore(path)


@pytest.mark.django_db
def test_backup_never_overwrites_a_file(tmp_path):
    path = tmp_path / "exists.backup"
    path.write_text("keep me")
    with pytest.raises(DomainError):
        backup.backup(path)
    assert path.read_text() == "keep me"
