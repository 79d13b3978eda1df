from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimesheetConfig(AppConfig):
    """The week grid, the calendar and the per-user calendar feed."""

    name = "apps.timesheet"
    verbose_name = _("Week grid and calendar")
    label = "timesheet"

    def ready(self) -> None:
        from apps.timesheet.conf import day_start

        # A bad TIMESHEET_DAY_START stops start-up here, not the first save of a grid.
        day_start()
