"""System checks of the analytics app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, register
from django.core.exceptions import ImproperlyConfigured

from analytics import logs, sinks

MIDDLEWARE = "analytics.middleware.RequestContextMiddleware"

# Every id this module reports, with what it means: docs/configuration.md's table of
# system checks is generated from these (`manage.py config docs`), and a test finds
# every id= in the code here.
CHECKS: dict[str, str] = {
    "analytics.W001": "`LOG_DIR` cannot be written: the app logs to stdout only.",
    "analytics.E001": "`ANALYTICS_SINKS` names a sink that cannot be loaded (not `jsonlog`, "
    "`metrics`, `posthog` or the dotted path of a sink class).",
    "analytics.W002": "`analytics.middleware.RequestContextMiddleware` is not in `MIDDLEWARE`: "
    "log lines carry no request id.",
    "analytics.W003": "django-waffle is not installed: the `analytics-posthog` switch cannot be "
    "turned on, so nothing is sent to PostHog.",
}


@register()
def check_log_file(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    return [
        checks.Warning(
            f"Cannot write the log file ({error}); logging to stdout only.",
            hint="Make LOG_DIR writable by the user the app runs as, or point LOG_DIR "
            "at a writable directory (a mounted volume in a container).",
            id="analytics.W001",
        )
        for error in logs.FILE_ERRORS
    ]


@register()
def check_sinks(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    try:
        sinks.load(sinks.configured_paths())
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="Use jsonlog, metrics, posthog or the dotted path of a sink class.",
                id="analytics.E001",
            )
        ]
    return []


@register()
def check_wiring(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if MIDDLEWARE not in settings.MIDDLEWARE:
        messages.append(
            checks.Warning(
                "RequestContextMiddleware is not installed: log lines carry no request id.",
                hint=f"Add {MIDDLEWARE!r} at the top of MIDDLEWARE.",
                id="analytics.W002",
            )
        )
    if not apps.is_installed("waffle"):
        messages.append(
            checks.Warning(
                "django-waffle is not installed: the analytics-posthog switch cannot be "
                "turned on, so nothing is sent to PostHog.",
                hint="Add 'waffle' to INSTALLED_APPS if you want product analytics.",
                id="analytics.W003",
            )
        )
    return messages
