"""Create every flag and switch declared in apps.core.flags, with its default.

Existing rows (an operator's choices) are left alone; `manage.py flags sync` does the same
at any time, and every later `migrate` creates the flags declared since.
"""

from django.db import migrations


def create_declared(apps, schema_editor):
    from apps.core import flags

    flags.sync(
        flag_model=apps.get_model("waffle", "Flag"),
        switch_model=apps.get_model("waffle", "Switch"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("waffle", "0004_update_everyone_nullbooleanfield")]

    operations = [migrations.RunPython(create_declared, migrations.RunPython.noop)]
