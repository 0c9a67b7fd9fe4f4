"""Residual information (等保 8.1.4.10, control A23): a clear export is built in memory and sent,
never left on the server's disk; an import file staged by the dry run and never confirmed is
removed after a day."""

from __future__ import annotations

import os
import tempfile
import time

import pytest
from django.urls import reverse

from gongzhi.registry import views
from gongzhi.registry.tests.conftest import person_id


def _files(*roots) -> set[str]:
    return {os.path.join(d, f) for root in roots for d, _dirs, names in os.walk(root) for f in names}


@pytest.fixture
def disks(settings, tmp_path, monkeypatch):
    """The site's folders and the process's temporary folder, empty and watched."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    for folder in ("var", "media", "tmp"):
        (tmp_path / folder).mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return [tmp_path / "var", tmp_path / "media", tmp_path / "tmp"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_clear_export_leaves_no_file_on_the_server(client, reg, disks, fmt):
    client.force_login(reg.world.a.users["leader"])
    response = client.post(
        reverse("registry:export"), {"kind": "residents", "fmt": fmt, "clear": "1", "reason": "低保年审"}
    )
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    if fmt == "csv":
        assert person_id(1) in response.content.decode("utf-8-sig")  # the clear values went out
    assert "no-store" in response["Cache-Control"]
    assert _files(*disks) == set()


def test_a_staged_import_never_confirmed_is_removed_after_a_day(disks):
    staged = views._upload_dir() / "abandoned.csv"
    staged.write_text(f"王秀英,{person_id(1)}\n", encoding="utf-8")
    fresh = views._upload_dir() / "today.csv"
    fresh.write_text("x\n", encoding="utf-8")
    day_old = time.time() - 24 * 3600 - 60
    os.utime(staged, (day_old, day_old))
    views._upload_dir()  # the next upload's staging sweeps the folder
    assert not staged.exists() and fresh.exists()
