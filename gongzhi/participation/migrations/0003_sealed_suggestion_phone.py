# Seal Suggestion.phone like the registry's phones (cases.SealedPhoneField) and replace the
# SECRET_KEY digest of it by the registry's blind index (phone_hash).

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

import gongzhi.cases.models
from gongzhi.registry import crypto

CONTEXT = "participation.suggestion.phone"
BATCH = 2000


def _rows(cursor, sealed: bool):
    cursor.execute("SELECT id, phone FROM participation_suggestion WHERE phone <> '' ORDER BY id")
    return [(pk, v) for pk, v in cursor.fetchall() if v.startswith(crypto.VERSION + ":") == sealed]


def _old_digest(phone: str) -> str:
    # The digest 0001–0002 kept (services._base.phone_digest before this migration).
    key = (settings.SECRET_KEY + ":participation:phone").encode()
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def seal_existing(apps, schema_editor):
    """Seal every author phone still stored in clear and fill its blind index."""
    with schema_editor.connection.cursor() as cursor:
        rows = _rows(cursor, sealed=False)
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                "UPDATE participation_suggestion SET phone = %s, phone_hash = %s WHERE id = %s",
                [
                    (crypto.encrypt(v, context=CONTEXT), crypto.blind_index(v, kind="phone"), pk)
                    for pk, v in rows[start : start + BATCH]
                ],
            )


def unseal_existing(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        rows = _rows(cursor, sealed=True)
        for start in range(0, len(rows), BATCH):
            batch = [(crypto.decrypt(v, context=CONTEXT), pk) for pk, v in rows[start : start + BATCH]]
            cursor.executemany(
                "UPDATE participation_suggestion SET phone = %s, phone_digest = %s WHERE id = %s",
                [(phone, _old_digest(phone), pk) for phone, pk in batch],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0002_ballots"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="phone_hash",
            field=gongzhi.cases.models.BlindIndexField(
                blank=True,
                db_index=True,
                default="",
                editable=False,
                kind="phone",
                max_length=64,
                source="phone",
            ),
        ),
        migrations.AlterField(
            model_name="suggestion",
            name="phone",
            field=gongzhi.cases.models.SealedPhoneField(
                blank=True, context="participation.suggestion.phone", verbose_name="手机号"
            ),
        ),
        migrations.RunPython(seal_existing, unseal_existing, elidable=False),
        migrations.RemoveField(
            model_name="suggestion",
            name="phone_digest",
        ),
    ]
