"""Backup → drop → restore on PostgreSQL (等保 8.1.4.9, control A22): the database is backed up
with `gongzhi backup`, lost, and restored with `gongzhi restore` into a new empty database; every
table holds as many rows as before, the audit trail's SM3 chains verify in the restored copy
(`gongzhi audit verify`), and the dump holds no ID number or phone in clear."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from gongzhi.accounts import audit, chain
from gongzhi.accounts.models import AccessLog, AuditEvent
from gongzhi.cases import services as cases
from gongzhi.cases.tests.helpers import assigned_case
from gongzhi.core import backup
from gongzhi.registry.tests.conftest import Reg, person_id

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scratch():
    """A fresh database name on the test server, created empty and dropped at the end."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backup path (pg_dump/pg_restore): run with DATABASE_URL=postgres://…")
    import psycopg

    db = connection.settings_dict
    name = f"gongzhi_restore_{uuid.uuid4().hex[:12]}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    dsn = f"host={host} port={port} user={db['USER']} password={db['PASSWORD']}"
    with psycopg.connect(f"{dsn} dbname={db['NAME']}", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "url": f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{name}",
            "connect": lambda: psycopg.connect(f"{dsn} dbname={name}"),
        }
    finally:
        with psycopg.connect(f"{dsn} dbname={db['NAME']}", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _gongzhi(*args: str, url: str) -> subprocess.CompletedProcess:
    """The `gongzhi` command as an operator runs it, against the database at `url`."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings", "DATABASE_URL": url}
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "gongzhi.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from introspection
        counts[table] = cursor.fetchone()[0]
    return counts


def _some_of_everything(world) -> None:
    """Residents with sealed ID numbers and phones, a case with a follower, audit events and
    access-log rows, so that both chains have rows to verify."""
    reg = Reg(world)
    case = assigned_case(world)
    cases.follow_case(case=case, phone="13600003333")
    user = world.a.users["leader"]
    for n in range(3):
        audit.record(actor=user, action="config.change", target=world.a.subdistrict, data={"n": n})
        AccessLog.objects.create(
            user=user,
            action="reveal:id_number",
            object_type="resident",
            object_id=str(reg.resident_a.pk),
            reason="走访核实",
        )


def test_backup_drop_restore_keeps_every_row_and_the_audit_chain(scratch, world, tmp_path):
    _some_of_everything(world)
    assert chain.verify(AuditEvent).ok and chain.verify(AccessLog).ok
    tables = sorted(backup.table_names())
    with connection.cursor() as cursor:
        before = _counts(cursor, tables)
    assert before["accounts_auditevent"] >= 3 and before["accounts_accesslog"] == 3
    assert before["registry_resident"] == 2 and before["cases_casefollower"] == 1

    path = tmp_path / "gongzhi.dump"
    call_command("backup", str(path))
    assert path.read_bytes().startswith(backup.PG_MAGIC)

    # The database is lost; the operator restores the file into a new, empty one.
    restored = _gongzhi("restore", str(path), url=scratch["url"])
    assert restored.returncode == 0, restored.stderr

    with scratch["connect"]() as copy, copy.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert sorted(row[0] for row in cursor.fetchall()) == tables
        assert _counts(cursor, tables) == before

    verified = _gongzhi("audit", "verify", url=scratch["url"])
    assert verified.returncode == 0, verified.stderr
    assert (
        "accounts_auditevent: " in verified.stdout
        and "accounts_accesslog: 3 rows, chain intact" in verified.stdout
    )
    assert verified.stdout.count("chain intact") == 2


def test_a_row_edited_in_the_restored_copy_is_named_by_the_verify(scratch, world, tmp_path):
    """The verify after a restore can fail: a restored audit row changed on the way is caught."""
    _some_of_everything(world)
    path = tmp_path / "gongzhi.dump"
    call_command("backup", str(path))
    assert _gongzhi("restore", str(path), url=scratch["url"]).returncode == 0
    bad = AuditEvent.objects.order_by("id")[1].pk
    with scratch["connect"]() as copy:
        copy.execute("SET gongzhi.audit_maintenance = 'on'")
        copy.execute("UPDATE accounts_auditevent SET actor_label = 'someone' WHERE id = %s", [bad])
    verified = _gongzhi("audit", "verify", url=scratch["url"])
    assert verified.returncode != 0
    assert f"row #{bad} content changed" in verified.stderr


def test_the_dump_holds_no_clear_id_number_or_phone(scratch, world, tmp_path):
    _some_of_everything(world)
    path = tmp_path / "gongzhi.dump"
    call_command("backup", str(path))
    # The custom format is compressed: read it as the SQL pg_restore would run.
    script = subprocess.run(  # noqa: S603 - the PostgreSQL tool and our own file
        [backup._tool("pg_restore"), "--file", "-", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "王秀英" in script and "139****1111" in script  # the rows are there, masked
    # ID numbers and the sealed phones (residents, followers). The outbox keeps the number each
    # text went to in clear (cases.OutboundMessage.to, inventoried as clear), so the reporter's
    # phone is left out here.
    for clear in (person_id(1), person_id(2), "13900001111", "13900002222", "13600003333"):
        assert clear not in script, clear
