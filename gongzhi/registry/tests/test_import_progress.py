"""The web import's progress is read from the database, so any app server answers the poll
(the city profile has several). The import is paused at its first progress message inside its
transaction; this thread, on a connection of its own, reads the job meanwhile."""

import threading
import time
import uuid

import pytest
from django.db import connection

from gongzhi.registry import import_jobs, importing
from gongzhi.registry.models import ImportJob, Resident
from gongzhi.registry.tests.conftest import person_id


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_another_connection_reads_the_progress_of_a_running_import(reg, tmp_path, monkeypatch):
    user = reg.world.a.users["neighbourhood"]
    upload = tmp_path / "r.csv"
    upload.write_text(f"楼栋编码,房号,姓名,证件号码\nA-B1,701,新居民,{person_id(77)}\n", encoding="utf-8")
    seen: list[str] = []
    inside, release = threading.Event(), threading.Event()
    real_import = importing.import_file

    def paused_import(kind, path, actor, **kwargs):
        outer = kwargs["progress"]

        def progress(message: str) -> None:
            seen.append(message)
            outer(message)
            # The first message sent from inside the import's transaction: hold it open here.
            if connection.in_atomic_block and not inside.is_set():
                inside.set()
                release.wait(60)

        return real_import(kind, path, actor, **{**kwargs, "progress": progress})

    monkeypatch.setattr(importing, "import_file", paused_import)
    token = uuid.uuid4().hex
    import_jobs.start(
        directory=tmp_path, token=token, upload=upload, kind="residents", user=user, filename="r.csv"
    )
    try:
        assert inside.wait(60), "the import never reached its transaction"
        # PostgreSQL: the reporter thread writes the row over its own connection (soon, not at
        # once); SQLite: the host's file has it.
        deadline = time.monotonic() + 10
        while (job := import_jobs.status(directory=tmp_path, token=token, user=user))["message"] != seen[-1]:
            assert time.monotonic() < deadline, f"progress never got out of the import: {job}"
            time.sleep(0.05)
        assert job["state"] == "running"
        assert not Resident.objects.filter(name="新居民").exists()  # not committed yet
        if connection.vendor != "sqlite":
            # Another app server has no file of this host: the row itself carries the message.
            assert not list(tmp_path.glob("*.status.json"))
            assert ImportJob.objects.get(token=token).message == seen[-1]
    finally:
        release.set()
        import_jobs.wait(token)
    job = import_jobs.status(directory=tmp_path, token=token, user=user)
    assert job["state"] == "done" and job["ok"] and job["error_count"] == 0
    assert Resident.objects.filter(name="新居民").exists()
    assert not upload.exists() and not list(tmp_path.glob("*.status.json"))
    # Only the user who started it may read it.
    assert import_jobs.status(directory=tmp_path, token=token, user=reg.world.a.users["leader"]) is None
