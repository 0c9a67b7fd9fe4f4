"""三员分立 (等保 8.1.4.2 d, 8.1.5.1–3; docs/security.md A8): the system, security and audit
administrators are separate roles nobody holds two of (the database refuses it), none of them
reads case or resident content, none grants themselves a role, only the security administrator
grants roles, and every such act is on the audit trail."""

import itertools
import threading

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from gongzhi.accounts import services
from gongzhi.accounts.models import ADMINISTRATOR_ROLES, ApiToken, AuditEvent, Role, User
from gongzhi.accounts.tokens import issue_token
from gongzhi.core import rules
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.testing.world import make_user

ADMINS = ["sysadmin", "secadmin", "auditadmin"]


def _group(code: str) -> Group:
    return Group.objects.get_or_create(name=code)[0]


def _roles(user: User) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


# -- the database ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(ADMINISTRATOR_ROLES, 2)))
def test_the_database_refuses_a_second_administrator_role(world, first, second):
    user = make_user("two_hats", roles=[first], scope=world.a.subdistrict)
    with pytest.raises(IntegrityError), transaction.atomic():
        user.groups.add(_group(second))  # below the service: the trigger alone
    assert _roles(user) == {first}


def test_the_database_refuses_it_on_a_raw_insert_and_an_update_too(world):
    secadmin = world.a.admins["secadmin"]
    table = User.groups.through._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, group_id) VALUES (%s, %s)", [secadmin.pk, _group(Role.ADMIN).pk]
        )
    leader = make_user("leader_and_admin", roles=[Role.LEADER, Role.ADMIN], scope=world.a.subdistrict)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET group_id = %s WHERE user_id = %s AND group_id = %s",
            [_group(Role.AUDIT_ADMIN).pk, leader.pk, _group(Role.LEADER).pk],
        )
    assert _roles(leader) == {Role.LEADER, Role.ADMIN}
    # One administrator role beside others is not the database's business (the service's).
    assert _roles(secadmin) == {Role.SECURITY_ADMIN}


@pytest.mark.django_db(transaction=True)
def test_two_grants_at_once_to_one_person_exactly_one_wins():
    from gongzhi.testing import build_world

    world = build_world()
    secadmin, other_secadmin = (
        world.a.admins["secadmin"],
        make_user("secadmin2", roles=[Role.SECURITY_ADMIN], scope=world.a.subdistrict),
    )
    target = make_user("newcomer", roles=[], scope=world.a.subdistrict)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def grant(actor: User, role: str) -> None:
        try:
            barrier.wait()
            services.grant_role(actor=actor, user=User.objects.get(pk=target.pk), role=role)
            outcomes.append("granted")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=grant, args=(secadmin, Role.ADMIN)),
        threading.Thread(target=grant, args=(other_secadmin, Role.AUDIT_ADMIN)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["administrator_roles_exclusive", "granted"]
    assert len(_roles(target) & set(ADMINISTRATOR_ROLES)) == 1
    assert AuditEvent.objects.filter(action="role.grant", object_id=str(target.pk)).count() == 1


# -- the service ----------------------------------------------------------------------------------


def test_the_security_administrator_grants_and_revokes_and_both_are_audited(world):
    secadmin, target = world.a.admins["secadmin"], make_user("fresh", roles=[], scope=world.a.grid)
    services.grant_role(actor=secadmin, user=target, role=Role.GRIDWORKER)
    assert _roles(target) == {Role.GRIDWORKER}
    services.revoke_role(actor=secadmin, user=target, role=Role.GRIDWORKER)
    assert _roles(target) == set()
    events = list(AuditEvent.objects.filter(object_id=str(target.pk)).order_by("id"))
    assert [(e.action, e.data["role"], e.actor_id) for e in events] == [
        ("role.grant", Role.GRIDWORKER, secadmin.pk),
        ("role.revoke", Role.GRIDWORKER, secadmin.pk),
    ]
    assert events[0].subdistrict == world.a.subdistrict


def test_a_second_administrator_role_is_refused_in_chinese_and_changes_nothing(world):
    secadmin, sysadmin = world.a.admins["secadmin"], world.a.admins["sysadmin"]
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="三员分立") as refused:
        services.grant_role(actor=secadmin, user=sysadmin, role=Role.AUDIT_ADMIN)
    assert refused.value.code == "administrator_roles_exclusive"
    assert "系统管理员" in refused.value.message
    assert _roles(sysadmin) == {Role.ADMIN}
    assert AuditEvent.objects.count() == before


def test_an_administrator_never_also_holds_a_business_role(world):
    secadmin = world.a.admins["secadmin"]
    with pytest.raises(DomainError, match="业务角色") as refused:
        services.grant_role(actor=secadmin, user=world.a.admins["auditadmin"], role=Role.AUDITOR)
    assert refused.value.code == "administrator_with_business_role"
    with pytest.raises(DomainError, match="业务角色"):
        services.grant_role(actor=secadmin, user=world.a.users["leader"], role=Role.SECURITY_ADMIN)
    assert _roles(world.a.users["leader"]) == {Role.LEADER}


def test_nobody_grants_or_revokes_their_own_roles(world):
    secadmin = world.a.admins["secadmin"]
    for act, role in ((services.grant_role, Role.LEADER), (services.revoke_role, Role.SECURITY_ADMIN)):
        with pytest.raises(NotAllowed, match="自己"):
            act(actor=secadmin, user=secadmin, role=role)
    assert _roles(secadmin) == {Role.SECURITY_ADMIN}
    assert not rules.has(secadmin, "role.grant", secadmin)
    with pytest.raises(NotAllowed):
        services.reset_second_factor(actor=secadmin, user=secadmin)


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin", "leader", "auditor", "dispatcher"])
def test_only_the_security_administrator_grants_roles(world, who):
    actor = world.a.admins.get(who) or world.a.users[who]
    target = world.a.users["gridworker"]
    with pytest.raises(NotAllowed):
        services.grant_role(actor=actor, user=target, role=Role.LEADER)
    with pytest.raises(NotAllowed):
        services.revoke_role(actor=actor, user=target, role=Role.GRIDWORKER)
    assert _roles(target) == {Role.GRIDWORKER}


def test_the_security_administrator_of_another_subdistrict_is_refused(world):
    with pytest.raises(NotAllowed):
        services.grant_role(
            actor=world.b.admins["secadmin"], user=world.a.users["gridworker"], role=Role.LEADER
        )
    with pytest.raises(NotAllowed):
        services.revoke_all_tokens(actor=world.b.admins["secadmin"], user=world.a.users["gridworker"])


def test_second_factor_lockout_and_tokens_are_reset_by_the_security_administrator_and_audited(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    secadmin, worker = world.a.admins["secadmin"], world.a.users["gridworker"]
    TOTPDevice.objects.create(user=worker, name="totp", confirmed=True)
    issue_token(user=worker, name="phone")
    services.reset_second_factor(actor=secadmin, user=worker)
    services.unlock(actor=secadmin, user=worker)
    assert services.revoke_all_tokens(actor=secadmin, user=worker) == 1
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert not ApiToken.objects.filter(user=worker, revoked_at__isnull=True).exists()
    actions = list(
        AuditEvent.objects.filter(actor=secadmin, object_id=str(worker.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["otp.reset", "account.unlock", "apitoken.revoke_all"]
    with pytest.raises(NotAllowed):
        services.reset_second_factor(actor=world.a.admins["sysadmin"], user=worker)


def test_the_operator_makes_the_first_security_administrator_at_the_command_line(world):
    newcomer = make_user("first_secadmin", roles=[], scope=world.a.subdistrict)
    call_command("roles", "grant", "first_secadmin", Role.SECURITY_ADMIN)
    assert _roles(newcomer) == {Role.SECURITY_ADMIN}
    event = AuditEvent.objects.get(action="role.grant", object_id=str(newcomer.pk))
    assert event.actor is None and event.actor_label == "system"
    with pytest.raises(CommandError, match="三员分立"):
        call_command("roles", "grant", "first_secadmin", Role.ADMIN)


# -- the page -------------------------------------------------------------------------------------


def test_the_roles_page_lists_the_scope_and_grants(client, world):
    secadmin = world.a.admins["secadmin"]
    client.force_login(secadmin)
    page = client.get(reverse("accounts:staff_roles"))
    assert page.status_code == 200
    body = page.content.decode()
    assert world.a.users["gridworker"].username in body and world.b.users["gridworker"].username not in body
    target = world.a.users["gridworker"]
    response = client.post(
        reverse("accounts:staff_act", args=[target.pk]), {"action": "grant", "role": "leader"}
    )
    assert response.status_code == 200 and "已完成" in response.content.decode()
    assert _roles(target) == {Role.GRIDWORKER, Role.LEADER}
    refused = client.post(
        reverse("accounts:staff_act", args=[world.a.admins["auditadmin"].pk]),
        {"action": "grant", "role": "admin"},
    )
    assert refused.status_code == 400 and "三员分立" in refused.content.decode()


def test_the_page_refuses_a_self_grant_and_other_subdistricts(client, world):
    secadmin = world.a.admins["secadmin"]
    client.force_login(secadmin)
    own = client.post(
        reverse("accounts:staff_act", args=[secadmin.pk]), {"action": "grant", "role": "leader"}
    )
    assert own.status_code == 403 and "自己" in own.content.decode()
    assert _roles(secadmin) == {Role.SECURITY_ADMIN}
    other = world.b.users["gridworker"]
    assert (
        client.post(
            reverse("accounts:staff_act", args=[other.pk]), {"action": "grant", "role": "leader"}
        ).status_code
        == 404
    )
    assert _roles(other) == {Role.GRIDWORKER}


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin", "leader", "auditor"])
def test_nobody_else_opens_the_roles_page(client, world, who):
    user = world.a.admins.get(who) or world.a.users[who]
    client.force_login(user)
    assert client.get(reverse("accounts:staff_roles")).status_code == 403
    target = world.a.users["gridworker"]
    response = client.post(
        reverse("accounts:staff_act", args=[target.pk]), {"action": "grant", "role": "leader"}
    )
    assert response.status_code == 403
    assert _roles(target) == {Role.GRIDWORKER}


# -- the matrix: none of the three reads case or resident content ---------------------------------


@pytest.fixture
def content(world):
    from gongzhi.cases.tests.helpers import assigned_case
    from gongzhi.registry.tests.conftest import Reg

    reg = Reg(world)
    return {"case": assigned_case(world), "resident": reg.resident_a, "dwelling": reg.dwelling_a}


def _content_pages(content) -> list[tuple[str, str]]:
    number, resident, dwelling = content["case"].number, content["resident"].pk, content["dwelling"].pk
    return [
        ("get", f"/cases/{number}/"),
        ("get", f"/cases/{number}/print/"),
        ("get", "/cases/outbox/"),
        ("get", f"/cases/about-resident/{resident}/"),
        ("get", "/registry/"),
        ("get", f"/registry/residents/{resident}/"),
        ("get", f"/registry/dwellings/{dwelling}/"),
        ("post", f"/registry/reveal/resident/{resident}/id_number/"),
        ("get", "/registry/export/"),
        ("post", "/registry/export/"),
        ("get", "/visits/"),
        ("get", "/care/"),
    ]


def _bearer(user):
    _token, secret = issue_token(user=user, name="matrix")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("who", ADMINS)
def test_no_administrator_reads_case_or_resident_content(client, world, content, who):
    user = world.a.admins[who]
    client.force_login(user)
    # The staff's home page (the case queue) sends an administrator to its own page.
    assert client.get("/cases/").url == OWN_PAGES[who][0]
    failures = []
    for method, url in _content_pages(content):
        response = getattr(client, method)(url, {"reason": "核对", "kind": "residents", "fmt": "csv"})
        if response.status_code not in (403, 404) or "王秀英" in response.content.decode(errors="ignore"):
            failures.append((method, url, response.status_code))
    assert failures == [], who
    headers = _bearer(user)
    case = content["case"]
    assert client.get(f"/api/cases/{case.number}", **headers).status_code in (403, 404)
    listed = client.get("/api/cases/", **headers)
    assert listed.status_code in (403, 404) or listed.json()["items"] == []
    residents = client.get("/api/registry/residents", **headers)
    assert residents.status_code in (403, 404) or residents.json() == []
    for permission in ("case.view", "resident.reveal", "registry.export"):
        if permission in rules.permission_names():
            assert not rules.has(user, permission, case if permission == "case.view" else world.a.subdistrict)


OWN_PAGES = {
    "sysadmin": ["/core/calendar/", "/open311/keys/", "/text/models/"],
    "secadmin": ["/accounts/staff/"],
    "auditadmin": ["/accounts/audit/", "/accounts/audit/?format=csv"],
}


@pytest.mark.parametrize("who", ADMINS)
def test_each_administrator_opens_its_own_pages_and_not_the_others(client, world, who):
    client.force_login(world.a.admins[who])
    for owner, urls in OWN_PAGES.items():
        for url in urls:
            status = client.get(url).status_code
            assert (status == 200) is (owner == who), (who, url, status)


def test_the_supervision_role_keeps_cases_but_no_longer_reads_the_audit_trail(client, world, content):
    auditor = world.a.users["auditor"]
    client.force_login(auditor)
    assert client.get(f"/cases/{content['case'].number}/").status_code == 200
    assert client.get("/accounts/audit/").status_code == 403
    assert not rules.has(auditor, "audit.view")


# -- the migration --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_system_administrators_and_gives_nobody_audit_powers():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("accounts", "0007_audit_chain")], [("accounts", "0008_three_administrators")]
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        OldGroup, OldUser = old.get_model("auth", "Group"), old.get_model("accounts", "User")
        OldGroup.objects.filter(name__in=["secadmin", "auditadmin"]).delete()  # a deployment before it
        admin = OldUser.objects.create(username="old_admin")
        admin.groups.add(OldGroup.objects.get_or_create(name="admin")[0])
        auditor = OldUser.objects.create(username="old_auditor")
        auditor.groups.add(OldGroup.objects.get_or_create(name="auditor")[0])

        executor = MigrationExecutor(connection)
        executor.migrate(after)

        admin = User.objects.get(username="old_admin")
        auditor = User.objects.get(username="old_auditor")
        assert _roles(admin) == {Role.ADMIN} and rules.has(admin, "calendar.manage")
        assert _roles(auditor) == {Role.AUDITOR} and not rules.has(auditor, "audit.view")
        for code in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
            assert not Group.objects.get(name=code).user_set.exists()
        with pytest.raises(IntegrityError), transaction.atomic():
            admin.groups.add(Group.objects.get(name=Role.AUDIT_ADMIN))
    finally:
        # Later migrations (0009 onwards) were unapplied by going back: put the schema back for
        # the tests that run after this one on the same database.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
