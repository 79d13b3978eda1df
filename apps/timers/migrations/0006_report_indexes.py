from django.db import migrations, models


class Migration(migrations.Migration):
    """Hours spent per project and per task from an index-only scan (issue 15, goal 2)."""

    dependencies = [
        ("timers", "0005_entry_tags"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                fields=["project", "task", "started_at", "ended_at"],
                name="entry_project_task_spent",
            ),
        ),
    ]
