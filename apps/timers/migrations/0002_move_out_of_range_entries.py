"""Move entries whose times lie outside 1970-01-01 .. 2199-12-31 (UTC) into that range.

Older versions accepted any date (an entry of year 1 broke every page for viewers west of
UTC). The next migration adds a constraint that no such row can pass, so the rows that
exist are repaired here first, each one reported by id: its start is clamped into the
range and its end keeps the entry's duration (at most 24 hours), clamped the same way.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import Q

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
LAST_SECOND = LATEST - timedelta(seconds=1)


def _clamp(value, low, high):
    return min(max(value, low), high)


def move_out_of_range(apps, schema_editor):
    TimeEntry = apps.get_model("timers", "TimeEntry")
    bad = TimeEntry.objects.filter(
        Q(started_at__lt=EARLIEST) | Q(started_at__gte=LATEST) | Q(ended_at__gte=LATEST)
    )
    moved = []
    for entry in bad.order_by("pk").iterator():
        duration = timedelta(0)
        if entry.ended_at is not None:
            duration = _clamp(entry.ended_at - entry.started_at, timedelta(0), timedelta(hours=24))
        entry.started_at = _clamp(entry.started_at, EARLIEST, LAST_SECOND)
        if entry.ended_at is not None:
            entry.ended_at = _clamp(entry.started_at + duration, entry.started_at, LAST_SECOND)
        entry.save(update_fields=["started_at", "ended_at"])
        moved.append(entry.pk)
    if moved:
        print(  # noqa: T201 (the operator reads the migration's output)
            f"\n  Moved {len(moved)} time entries with times outside 1970-01-01..2199-12-31 "
            f"into that range (ids: {', '.join(map(str, moved))})."
        )


class Migration(migrations.Migration):
    dependencies = [("timers", "0001_initial")]

    operations = [migrations.RunPython(move_out_of_range, migrations.RunPython.noop)]
