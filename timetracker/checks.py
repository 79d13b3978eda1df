"""The project's system checks: configuration mistakes that start-up tolerates.

``manage.py check`` runs them (``migrate`` and ``runserver`` too, which stop on errors).
Each message has an id and a hint; ``docs/configuration.md`` lists them. Registered by
``apps.core`` at ``ready()``.

Settings that belong to the telemetry app are read with ``getattr`` defaults, so these
checks work with or without it. An unwritable ``LOG_DIR`` is ``analytics.W001``, and a
``TELEMETRY_HOST`` that is not a URL is ``telemetry.E001``: not repeated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, register

from timetracker import env

# Shorter bearer tokens are guessable by a scraper that keeps trying; 32 random characters
# is what docs/monitoring.md asks for.
MIN_METRICS_TOKEN = 32
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "testserver"})

# Every id this module reports, with what it means: docs/configuration.md's table of
# system checks is generated from these (`manage.py config docs`), and a test finds
# every id= in the code here.
CHECKS: dict[str, str] = {
    "timetracker.E001": "`POSTHOG_API_KEY` is set but `POSTHOG_HOST` is not an http(s) URL.",
    "timetracker.E002": "`SENTRY_DSN` does not parse as a DSN. The app still starts, without "
    "Sentry, and logs the same problem.",
    "timetracker.W001": "`METRICS_TOKEN` is shorter than 32 characters.",
    "timetracker.W002": "`TELEMETRY_ENABLED=true` is set explicitly, but `TELEMETRY_API_KEY` is "
    "empty: no report can be sent.",
    "timetracker.W003": "`DEBUG=true` while `ALLOWED_HOSTS` names a host other than "
    "`localhost`, `127.0.0.1`, `::1`, `*.localhost` or `testserver`.",
    "timetracker.W004": "`ANALYTICS_POSTHOG_SWITCH` names a switch that `apps/core/flags.py` "
    "does not declare.",
}


def _is_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in value.strip())
    )


def _is_local(host: str) -> bool:
    host = host.strip().lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host == ".localhost"


def sentry_problem() -> str | None:
    dsn = str(getattr(settings, "SENTRY_DSN", "") or "")
    if not dsn.strip():
        return None
    from timetracker.sentry import dsn_problem

    problem = dsn_problem(dsn)
    return None if problem is None else f"SENTRY_DSN cannot be used: {problem}"


def startup_problems() -> list[str]:
    """Problems worth a log line at start-up as well (the app runs, but not as configured)."""
    problem = sentry_problem()
    return [f"{problem}; errors are not reported to Sentry (timetracker.E002)"] if problem else []


@register()
def check_posthog_host(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    key = str(getattr(settings, "ANALYTICS_POSTHOG_API_KEY", "") or "").strip()
    host = str(getattr(settings, "ANALYTICS_POSTHOG_HOST", "") or "")
    # An empty host means PostHog's EU cloud (analytics.conf), which is fine.
    if key and host.strip() and not _is_url(host):
        return [
            checks.Error(
                "POSTHOG_API_KEY is set but POSTHOG_HOST is not an http(s) URL: product "
                "analytics cannot be delivered.",
                hint="Set POSTHOG_HOST to your PostHog address, such as "
                "https://eu.i.posthog.com or https://posthog.example.com.",
                id="timetracker.E001",
            )
        ]
    return []


@register()
def check_sentry_dsn(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    problem = sentry_problem()
    if problem is None:
        return []
    return [
        checks.Error(
            f"{problem}. The app starts without Sentry.",
            hint="Copy the DSN from your Sentry project's Client Keys page: "
            "https://<key>@<host>/<project id>. Leave SENTRY_DSN empty to turn Sentry off.",
            id="timetracker.E002",
        )
    ]


@register()
def check_metrics_token(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    token = str(getattr(settings, "METRICS_TOKEN", "") or "")
    if not getattr(settings, "METRICS_ENABLED", True) or not token:
        return []
    if len(token) < MIN_METRICS_TOKEN:
        return [
            checks.Warning(
                f"METRICS_TOKEN is {len(token)} characters long; /metrics needs a token of "
                f"at least {MIN_METRICS_TOKEN} random characters to be hard to guess.",
                hint="Generate one with `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'` and give the same to Prometheus.",
                id="timetracker.W001",
            )
        ]
    return []


@register()
def check_telemetry_endpoint(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    read = env.READ.get("TELEMETRY_ENABLED")
    by_environment = read is not None and read.source != "default"
    if not (by_environment and getattr(settings, "TELEMETRY_ENABLED", False)):
        # Enabled by default is opt-in and harmless without an endpoint; only an explicit
        # TELEMETRY_ENABLED=true says the operator expects reports to go somewhere.
        return []
    if str(getattr(settings, "TELEMETRY_API_KEY", "") or "").strip():
        return []
    return [
        checks.Warning(
            "TELEMETRY_ENABLED is set to true but TELEMETRY_API_KEY is empty: installation "
            "reports have nowhere to go and none is sent.",
            hint="Set TELEMETRY_API_KEY (and TELEMETRY_HOST) to the project that receives the "
            "reports, or remove TELEMETRY_ENABLED from the environment.",
            id="timetracker.W002",
        )
    ]


@register()
def check_debug_hosts(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if not settings.DEBUG:
        return []
    public = [host for host in settings.ALLOWED_HOSTS if not _is_local(host)]
    if not public:
        return []
    return [
        checks.Warning(
            f"DEBUG is true while ALLOWED_HOSTS accepts {', '.join(public)}: anyone who "
            "reaches the app sees tracebacks with settings and source code.",
            hint="Set DEBUG=false on any server others can reach (then SECRET_KEY and "
            "ALLOWED_HOSTS are required), or keep ALLOWED_HOSTS to localhost in development.",
            id="timetracker.W003",
        )
    ]


@register()
def check_flag_declarations(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    from apps.core import flags

    name = str(getattr(settings, "ANALYTICS_POSTHOG_SWITCH", flags.ANALYTICS_POSTHOG))
    if flags.find(name, flags.Kind.SWITCH) is not None:
        return []
    return [
        checks.Warning(
            f"ANALYTICS_POSTHOG_SWITCH names {name!r}, which apps.core.flags does not declare "
            "as a switch: it is not created, listed or documented with the others.",
            hint="Declare it in apps/core/flags.py, or remove ANALYTICS_POSTHOG_SWITCH from "
            "the settings to use analytics-posthog.",
            id="timetracker.W004",
        )
    ]
