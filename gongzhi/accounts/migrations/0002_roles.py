from django.db import migrations

ROLES = ["admin", "auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for code in ROLES:
        Group.objects.get_or_create(name=code)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
