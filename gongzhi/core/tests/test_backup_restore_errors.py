"""Restoring a truncated SQLite backup is a clear Chinese error, not a traceback, and leaves the
database as it was (issue 12)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gongzhi.core import backup

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backups")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_truncated_sqlite_backup_is_a_clear_error(tmp_path, keep):
    path = backup.backup(tmp_path / "gongzhi-test.sqlite3")
    data = path.read_bytes()
    path.write_bytes(data[: max(int(len(data) * keep), 120)])
    tables = backup.table_names()
    with pytest.raises(CommandError) as info:
        call_command("restore", str(path), "--force")
    assert "不完整" in str(info.value) or "已损坏" in str(info.value)
    assert backup.table_names() == tables
