"""Every row that belongs to a case carries the case's subdistrict (the sharding key)."""

import django.db.models.deletion
from django.db import migrations, models

TABLES = {
    "caseevent": "cases_caseevent",
    "attachment": "cases_attachment",
    "consultation": "cases_consultation",
    "outboundmessage": "cases_outboundmessage",
    "casefollower": "cases_casefollower",
}


def field(null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        editable=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="territory.area",
    )


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            # Check the new foreign keys now, so that no trigger event is pending when the
            # columns become NOT NULL below (PostgreSQL refuses to ALTER a table that has some).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES.values():
            cursor.execute(
                f"UPDATE {table} SET subdistrict_id = "  # noqa: S608 - fixed table names
                f"(SELECT c.subdistrict_id FROM cases_case c WHERE c.id = {table}.case_id)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_message_queued_index"),
        ("territory", "0001_initial"),
    ]

    operations = [
        *(migrations.AddField(model_name=m, name="subdistrict", field=field(True)) for m in TABLES),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        *(migrations.AlterField(model_name=m, name="subdistrict", field=field(False)) for m in TABLES),
    ]
