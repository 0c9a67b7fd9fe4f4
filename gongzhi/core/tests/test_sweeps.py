"""Every app's sweep is registered, runs from `gongzhi sweep` and the scheduler, and is
idempotent (a second run adds nothing)."""

import io

import pytest
from django.core.management import call_command

from gongzhi.core import sweeps

EXPECTED = {
    "care",
    "participation",
    "committees",
    "mediation",
    "cobuilding-places",
    "cobuilding-needs",
    "cases-pending-photos",
    "accounts-stale",
    "registry-retention",
}


def test_every_apps_sweep_is_registered():
    assert {s.name for s in sweeps.registered()} == EXPECTED
    for sweep in sweeps.registered():
        from croniter import croniter

        assert croniter.is_valid(sweep.cron), sweep
        assert callable(sweep.run.__func__)


@pytest.mark.django_db
def test_sweeps_run_from_the_command_and_twice_change_nothing_more(world):
    from gongzhi.accounts.models import Notice

    out = io.StringIO()
    call_command("sweep", stdout=out)
    text = out.getvalue()
    for name in EXPECTED:
        assert f"{name}: " in text
    assert "failed" not in text
    notices = Notice.objects.count()
    results = sweeps.run_all()
    assert not any(str(v).startswith("failed") for v in results.values()), results
    assert Notice.objects.count() == notices


@pytest.mark.django_db
def test_a_failing_sweep_does_not_stop_the_others(monkeypatch):
    monkeypatch.setitem(
        sweeps._sweeps, "broken", sweeps.Sweep("broken", "gongzhi.core.sweeps.no_such_function")
    )
    results = sweeps.run_all()
    assert str(results["broken"]).startswith("failed")
    assert set(results) == EXPECTED | {"broken"}


def test_the_scheduler_knows_every_sweep():
    import datetime as dt

    from gongzhi import cli

    crons = {f"sweep:{s.name}": s.cron for s in sweeps.registered()}
    runs = cli.next_runs(dt.datetime(2026, 10, 1, 6, 0, tzinfo=dt.UTC), crons)
    assert set(runs) == set(crons)
    assert all(when > dt.datetime(2026, 10, 1, 6, 0, tzinfo=dt.UTC) for when in runs.values())
