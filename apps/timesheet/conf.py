"""The timesheet's settings, read when used (defaults in timetracker/settings.py)."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def day_start() -> time:
    """``TIMESHEET_DAY_START`` as a time of day; a bad value raises ImproperlyConfigured."""
    raw = str(getattr(settings, "TIMESHEET_DAY_START", "09:00")).strip()
    try:
        return datetime.strptime(raw, "%H:%M").time()  # noqa: DTZ007 (a time of day)
    except ValueError:
        raise ImproperlyConfigured(
            f"TIMESHEET_DAY_START: expected a time of day such as 09:00, got {raw!r}"
        ) from None
