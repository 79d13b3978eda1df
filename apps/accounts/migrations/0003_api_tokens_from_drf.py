"""Carry DRF's plain-text tokens (``authtoken_token``, from before django-rest-knox) over
to hashed API tokens, so scripts keep working with the key they have, then empty the old
table so no key stays readable in the database.

The table belongs to ``rest_framework.authtoken``, which is no longer installed: it is
read with plain SQL when it exists (an installation made before this change) and left
empty, not dropped, so DRF's own migration records stay true.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"


def forwards(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} "  # noqa: S608
            f"FROM {quote(OLD_TABLE)}"
        )
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = ApiToken(
            user_id=user_id,
            name="API token (from before named tokens)",
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=None,
        )
        token.save()
        if isinstance(created, str):  # SQLite hands raw timestamps back as text
            created = parse_datetime(created)
        if created is not None and timezone.is_naive(created):
            created = timezone.make_aware(created, datetime.UTC)
        # ``created`` is auto_now_add: keep the original date with an update.
        ApiToken.objects.filter(pk=token.pk).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(OLD_TABLE)}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_token")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
