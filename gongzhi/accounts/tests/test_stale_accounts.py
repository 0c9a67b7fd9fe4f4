"""Default, shared and stale accounts (等保 8.1.4.2 a–c, A6): no active superuser in a production
deployment (a deploy check), and accounts not used for 90 days disabled and audited."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import timezone

from gongzhi.accounts import checks, services
from gongzhi.accounts.models import AuditEvent, User
from gongzhi.accounts.tokens import issue_token
from gongzhi.core import sweeps
from gongzhi.testing import make_user

NOW = dt.datetime(2027, 3, 1, 2, 20, tzinfo=dt.UTC)


def test_an_active_superuser_is_reported_by_the_deploy_check(world, settings):
    settings.GONGZHI_DEMO_MODE = False
    assert checks.no_active_superuser() == []
    User.objects.create_superuser("root", password="Root-password-2026-x")
    warnings = checks.no_active_superuser()
    assert [w.id for w in warnings] == ["gongzhi.W013"] and "root" in warnings[0].msg
    assert "gongzhi.W013" in {m.id for m in run_checks(include_deployment_checks=True, tags=["security"])}
    User.objects.filter(username="root").update(is_active=False)
    assert checks.no_active_superuser() == []
    settings.GONGZHI_DEMO_MODE = True
    User.objects.filter(username="root").update(is_active=True)
    assert checks.no_active_superuser() == []  # the demo's own accounts


def _age(user: User, *, joined_days: int, login_days: int | None) -> None:
    User.objects.filter(pk=user.pk).update(
        date_joined=NOW - dt.timedelta(days=joined_days),
        last_login=None if login_days is None else NOW - dt.timedelta(days=login_days),
    )


def test_accounts_unused_for_ninety_days_are_disabled_and_audited(world):
    stale = make_user("a_stale", roles=[], scope=world.a.grid)
    never = make_user("a_never", roles=[], scope=world.a.grid)
    recent = make_user("a_recent", roles=[], scope=world.a.grid)
    newcomer = make_user("a_newcomer", roles=[], scope=world.a.grid)
    machine = make_user("a_machine", roles=[], scope=world.a.grid)
    _age(stale, joined_days=400, login_days=91)
    _age(never, joined_days=120, login_days=None)
    _age(recent, joined_days=400, login_days=89)
    _age(newcomer, joined_days=10, login_days=None)
    _age(machine, joined_days=400, login_days=None)
    issue_token(user=machine, name="sync")
    from gongzhi.accounts.models import ApiToken

    ApiToken.objects.filter(user=machine).update(last_used_at=NOW - dt.timedelta(days=3))
    with time_machine.travel(NOW, tick=False):
        other = set(
            User.objects.filter(is_active=True)
            .exclude(pk__in=[stale.pk, never.pk])
            .values_list("pk", flat=True)
        )
        User.objects.filter(pk__in=other).update(last_login=timezone.now())
        done = services.deactivate_stale_accounts()
    assert sorted(done) == ["a_never", "a_stale"]
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {
        "a_never",
        "a_stale",
    }
    events = AuditEvent.objects.filter(action="account.deactivate_stale").order_by("object_id")
    assert {e.object_id for e in events} == {str(stale.pk), str(never.pk)}
    assert all(
        e.actor is None and e.actor_label == "system" and e.subdistrict == world.a.subdistrict for e in events
    )
    with time_machine.travel(NOW, tick=False):
        assert services.deactivate_stale_accounts() == []  # twice does nothing twice


def test_the_command_lists_with_dry_run_then_disables(world):
    stale = make_user("a_stale", roles=[], scope=world.a.grid)
    User.objects.update(last_login=NOW)
    _age(stale, joined_days=200, login_days=100)
    from io import StringIO

    with time_machine.travel(NOW, tick=False):
        out = StringIO()
        call_command("deactivate_stale_accounts", "--dry-run", stdout=out)
        assert "a_stale" in out.getvalue() and "将停用 1 个账号" in out.getvalue()
        assert User.objects.get(pk=stale.pk).is_active
        out = StringIO()
        call_command("deactivate_stale_accounts", stdout=out)
        assert "已停用 1 个账号" in out.getvalue()
    assert not User.objects.get(pk=stale.pk).is_active


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(world, client):
    worker = world.a.users["gridworker"]
    client.force_login(worker)
    assert client.get("/accounts/notices/").status_code == 200
    User.objects.filter(pk=worker.pk).update(is_active=False)
    assert client.get("/accounts/notices/").status_code == 302


def test_the_sweep_is_registered_nightly_and_skips_demo_mode(world, settings):
    sweep = {s.name: s for s in sweeps.registered()}["accounts-stale"]
    assert sweep.cron == "20 2 * * *"
    settings.GONGZHI_DEMO_MODE = True
    assert sweep.run() == {"skipped": "demo mode"}
    settings.GONGZHI_DEMO_MODE = False
    stale = make_user("a_stale", roles=[], scope=world.a.grid)
    User.objects.update(last_login=timezone.now())
    _age(stale, joined_days=200, login_days=100)
    with time_machine.travel(NOW, tick=False):
        User.objects.exclude(pk=stale.pk).update(last_login=timezone.now())
        assert sweep.run() == {"deactivated": ["a_stale"]}


def test_the_migrations_create_no_account(db):
    """No default account: a fresh database has no user (the operator makes the first one)."""
    assert not User.objects.exists()
