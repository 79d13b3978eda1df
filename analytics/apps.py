from __future__ import annotations

import logging

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("analytics")


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Registering checks and declaring the built-in events are import side effects.
        from analytics import builtin_events, checks, logs  # noqa: F401

        # Each app declares its events and connects its signals in events.py, found the
        # way django.contrib.admin finds admin.py.
        autodiscover_modules("events")
        for error in logs.FILE_ERRORS:
            logger.warning("cannot write the log file (%s); logging to stdout only", error)
