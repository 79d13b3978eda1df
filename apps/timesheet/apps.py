from __future__ import annotations

from django.apps import AppConfig


class TimesheetConfig(AppConfig):
    """The week grid, the calendar and the per-user calendar feed."""

    name = "apps.timesheet"
    label = "timesheet"

    def ready(self) -> None:
        from apps.timesheet.conf import day_start

        # A bad TIMESHEET_DAY_START stops start-up here, not the first save of a grid.
        day_start()
