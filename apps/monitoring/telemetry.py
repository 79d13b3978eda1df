"""The counts behind the installation-telemetry report (``TELEMETRY_COUNTS``).

The telemetry app knows no domain models; this is where the project counts them. The
report only ever carries these numbers as ranges (0, 1-5, 6-25, 26-100, 101+).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.projects.models import Project
from apps.timers.models import TimeEntry

ENTRIES_WINDOW = timedelta(days=30)


def installation_counts() -> dict[str, int]:
    since = timezone.now() - ENTRIES_WINDOW
    return {
        "users": get_user_model()._default_manager.filter(is_active=True).count(),
        "projects": Project.objects.count(),
        "entries_30d": TimeEntry.objects.filter(started_at__gte=since).count(),
    }
