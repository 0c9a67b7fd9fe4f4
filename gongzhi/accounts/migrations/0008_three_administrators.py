"""三员分立: the security administrator and the audit administrator join the system administrator
as roles, and the database refuses a second of the three for one person.

Existing deployments keep working: every `admin` keeps the system administrator's role; the two
new roles start empty (nobody gains the audit trail or role grants silently; the operator grants
the first security administrator with `gongzhi roles grant`). The audit pages move from 纪检审计
to the audit administrator (gongzhi.accounts.rules)."""

# ruff: noqa: S608 - the SQL is built from the constant role names above, never from input
from django.db import migrations

ADMINISTRATORS = ("admin", "secadmin", "auditadmin")
NEW_ROLES = ("secadmin", "auditadmin")
NAMES = ", ".join(f"'{name}'" for name in ADMINISTRATORS)

# The check: the new row's group is one of the three, and the user already holds another of them.
SQLITE = [
    f"""
    CREATE TRIGGER accounts_one_administrator_role_{event.lower()}
    BEFORE {event} ON accounts_user_groups
    WHEN (SELECT name FROM auth_group WHERE id = NEW.group_id) IN ({NAMES})
     AND EXISTS (
        SELECT 1 FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id
        WHERE ug.user_id = NEW.user_id AND g.name IN ({NAMES}) AND ug.group_id <> NEW.group_id
     )
    BEGIN
        SELECT RAISE(ABORT, 'one_administrator_role: 同一人不得兼任系统管理员、安全管理员、安全审计员中的两个');
    END
    """
    for event in ("INSERT", "UPDATE")
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS accounts_one_administrator_role_{e}" for e in ("insert", "update")]

# PostgreSQL: the user's row is locked first, so two grants to one person made at the same time
# run one after the other and the second sees the first (READ COMMITTED, a statement per check).
POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION accounts_one_administrator_role() RETURNS trigger AS $$
    BEGIN
        IF (SELECT name FROM auth_group WHERE id = NEW.group_id) IN ({NAMES}) THEN
            PERFORM 1 FROM accounts_user WHERE id = NEW.user_id FOR UPDATE;
            IF EXISTS (
                SELECT 1 FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                WHERE ug.user_id = NEW.user_id AND g.name IN ({NAMES}) AND ug.group_id <> NEW.group_id
            ) THEN
                RAISE EXCEPTION 'one_administrator_role: 同一人不得兼任系统管理员、安全管理员、安全审计员中的两个'
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER accounts_one_administrator_role
    BEFORE INSERT OR UPDATE ON accounts_user_groups
    FOR EACH ROW EXECUTE FUNCTION accounts_one_administrator_role();
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS accounts_one_administrator_role ON accounts_user_groups",
    "DROP FUNCTION IF EXISTS accounts_one_administrator_role()",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for code in NEW_ROLES:
        Group.objects.get_or_create(name=code)


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    else:
        raise NotImplementedError(f"no administrator-role trigger for {vendor}")


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_audit_chain"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
