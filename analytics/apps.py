from __future__ import annotations

import importlib
import logging

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("analytics")


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # Registering the checks is an import side effect.
        from analytics import checks, conf, logs, sinks  # noqa: F401

        # Each app declares its events and connects its signals in events.py, found the
        # way django.contrib.admin finds admin.py.
        autodiscover_modules("events")
        # Every catalogue event (and every known drop reason) at 0 from the start, so a
        # fresh installation's /metrics already has the series that alerts look at.
        from analytics import metrics
        from analytics.catalogue import catalogue

        metrics.initialise(
            event_names=[event.name for event in catalogue],
            count_events=sinks.ALIASES["metrics"] in sinks.configured_paths(),
        )
        if conf.posthog_api_key() and sinks.ALIASES["posthog"] in sinks.configured_paths():
            # Importing the SDK takes a noticeable fraction of a second: pay it at start-up
            # (shared under gunicorn --preload), not in the first request that sends an
            # event. The client itself is still made lazily, once per process.
            importlib.import_module("posthog")
        for error in logs.FILE_ERRORS:
            logger.warning("cannot write the log file (%s); logging to stdout only", error)
