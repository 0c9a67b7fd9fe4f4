"""Backups are readable by their owner only (issue 12: they were written 0644)."""

import os
import stat
from pathlib import Path

import pytest

from gongzhi.core import backup

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db(transaction=True)
def test_backup_file_is_owner_only_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = backup.backup(tmp_path / "b" / "gongzhi-test.sqlite3")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


def test_backup_unit_sets_a_private_umask():
    unit = (ROOT / "deploy" / "systemd" / "gongzhi-backup.service").read_text()
    assert "UMask=0077" in unit.splitlines()
