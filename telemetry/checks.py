"""System checks of the telemetry app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, register

from telemetry import conf

MIDDLEWARE = "telemetry.middleware.SetupRequiredMiddleware"
HOOKS = ("COUNTS", "SETUP_NEEDED", "CREATE_ADMIN")

# Every id this module reports, with what it means: docs/configuration.md's table of
# system checks is generated from these (`manage.py config docs`), and a test finds
# every id= in the code here.
CHECKS: dict[str, str] = {
    "telemetry.E001": "`TELEMETRY_HOST` is not an http(s) URL.",
    "telemetry.E002": "`TELEMETRY_COUNTS`, `TELEMETRY_SETUP_NEEDED` or `TELEMETRY_CREATE_ADMIN` "
    "names a function that cannot be imported.",
    "telemetry.W001": "`TELEMETRY_TIMEOUT` is above the most a report may take; the maximum is "
    "used instead.",
    "telemetry.E003": "The telemetry app is installed without the analytics app it needs.",
    "telemetry.W002": "`telemetry.middleware.SetupRequiredMiddleware` is not in `MIDDLEWARE`: "
    "pages do not lead to `/setup/` while no administrator exists.",
}


@register()
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not conf.host_is_valid():
        messages.append(
            checks.Error(
                f"TELEMETRY_HOST {conf.host()!r} is not an http(s) URL.",
                hint="Use the address of a PostHog instance, such as https://eu.i.posthog.com.",
                id="telemetry.E001",
            )
        )
    for name in HOOKS:
        try:
            conf.hook(name)
        except ImportError as exc:
            messages.append(
                checks.Error(
                    f"TELEMETRY_{name}: cannot import {conf.get(name)!r} ({exc}).",
                    hint="Use the dotted path of a function, e.g. myproject.telemetry.counts.",
                    id="telemetry.E002",
                )
            )
    if float(conf.get("TIMEOUT")) > conf.MAX_TIMEOUT:
        messages.append(
            checks.Warning(
                f"TELEMETRY_TIMEOUT is above {conf.MAX_TIMEOUT:g} s, the most a report may "
                "take; the maximum is used instead.",
                hint="Lower TELEMETRY_TIMEOUT.",
                id="telemetry.W001",
            )
        )
    if not apps.is_installed("analytics"):
        # Consent changes and the setup's completion are analytics events.
        messages.append(
            checks.Error(
                "The telemetry app needs the analytics app, which is not installed.",
                hint="Add 'analytics' to INSTALLED_APPS before 'telemetry'.",
                id="telemetry.E003",
            )
        )
    if MIDDLEWARE not in settings.MIDDLEWARE:
        messages.append(
            checks.Warning(
                "SetupRequiredMiddleware is not installed: pages do not lead to /setup/ "
                "while no administrator exists.",
                hint=f"Add {MIDDLEWARE!r} to MIDDLEWARE after SessionMiddleware.",
                id="telemetry.W002",
            )
        )
    return messages
