"""Settings of the telemetry app, read lazily with their defaults in one place.

Every setting is ``TELEMETRY_<NAME>`` in Django's settings; the project maps environment
variables onto them (``TELEMETRY_API_KEY``, ``DO_NOT_TRACK`` -> ``TELEMETRY_DO_NOT_TRACK``,
...). Values are read on every access, never at import time, so ``override_settings``
and the pytest ``settings`` fixture work as expected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

# The promise: a report never holds anything up for longer than this.
MAX_TIMEOUT = 5.0

DEFAULTS: dict[str, Any] = {
    # Consent, environment hard-off: either one wins over the database.
    "ENABLED": True,
    "DO_NOT_TRACK": False,
    # Configuration: where reports go. Without an API key the stream is off.
    "HOST": "https://eu.i.posthog.com",
    "API_KEY": "",
    # Print each report instead of sending it (what the worker would have sent).
    "DEBUG": False,
    # Seconds for the whole HTTP exchange; values above MAX_TIMEOUT are capped.
    "TIMEOUT": MAX_TIMEOUT,
    # At most one report per INTERVAL seconds, plus a random delay of up to JITTER.
    "INTERVAL": 24 * 3600.0,
    "JITTER": 3600.0,
    # After a failure the next attempt waits RETRY_BASE, doubling per failure up to RETRY_MAX.
    "RETRY_BASE": 300.0,
    "RETRY_MAX": 24 * 3600.0,
    # How often the worker looks at the database to see whether a report is due.
    "POLL_INTERVAL": 60.0,
    # Send records kept locally (time, outcome, SHA-256 of the report).
    "HISTORY_SIZE": 20,
    # What the receiving end promises; shown on the setup page, the admin page and docs.
    "RETENTION_DAYS": 365,
    # "auto" looks for /.dockerenv; "docker" or "other" say it outright.
    "DEPLOYMENT": "auto",
    # Dotted path of a callable returning {"users": int, "projects": int, "entries_30d": int}.
    "COUNTS": "telemetry.payload.default_counts",
    # Dotted path of a callable: True while the installation has no administrator yet.
    "SETUP_NEEDED": "telemetry.setup.no_superuser_exists",
    # Dotted path of a callable(username=, email=, password=) creating the first admin.
    "CREATE_ADMIN": "telemetry.setup.create_superuser",
    # Path prefixes that keep answering while setup is pending (static files always do);
    # a project lists its health, metrics and API paths here.
    "SETUP_EXEMPT_PATHS": (),
    # How the reports, the console banner and the user agent name the application.
    "PRODUCT_NAME": "This application",
    "VERSION": "unknown",
    # First part of the scrape-time metric names: "<prefix>_telemetry_enabled", ...
    "METRIC_PREFIX": "telemetry",
    # Once an administrator exists, each process re-checks at most this often.
    "SETUP_RECHECK_SECONDS": 60.0,
    # Where the setup flow leads once the first admin is signed in.
    "SETUP_DONE_URL": "/",
    # Template that the setup page extends.
    "BASE_TEMPLATE": "base.html",
}


def get(name: str) -> Any:
    """The value of ``TELEMETRY_<name>``, or its default."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown telemetry setting {name}")
    return getattr(settings, f"TELEMETRY_{name}", DEFAULTS[name])


def enabled() -> bool:
    return bool(get("ENABLED"))


def do_not_track() -> bool:
    return bool(get("DO_NOT_TRACK"))


def host() -> str:
    return str(get("HOST") or DEFAULTS["HOST"]).strip().rstrip("/")


def host_is_valid() -> bool:
    parts = urlsplit(host())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def capture_url() -> str:
    """PostHog's single-event capture endpoint on ``TELEMETRY_HOST``."""
    return f"{host()}/i/v0/e/"


def api_key() -> str:
    return str(get("API_KEY") or "").strip()


def debug() -> bool:
    return bool(get("DEBUG"))


def timeout() -> float:
    return max(0.01, min(float(get("TIMEOUT")), MAX_TIMEOUT))


def interval() -> float:
    return float(get("INTERVAL"))


def jitter() -> float:
    return max(0.0, float(get("JITTER")))


def retry_base() -> float:
    return float(get("RETRY_BASE"))


def retry_max() -> float:
    return float(get("RETRY_MAX"))


def poll_interval() -> float:
    return max(0.01, float(get("POLL_INTERVAL")))


def history_size() -> int:
    return max(1, int(get("HISTORY_SIZE")))


def retention_days() -> int:
    return int(get("RETENTION_DAYS"))


def deployment() -> str:
    return str(get("DEPLOYMENT") or "auto").lower()


def product_name() -> str:
    return str(get("PRODUCT_NAME"))


def version() -> str:
    return str(get("VERSION") or "unknown")


def metric_prefix() -> str:
    return str(get("METRIC_PREFIX"))


def setup_exempt_paths() -> tuple[str, ...]:
    return tuple(get("SETUP_EXEMPT_PATHS"))


def setup_recheck_seconds() -> float:
    return float(get("SETUP_RECHECK_SECONDS"))


def setup_done_url() -> str:
    return str(get("SETUP_DONE_URL"))


def base_template() -> str:
    return str(get("BASE_TEMPLATE"))


def hook(name: str) -> Callable[..., Any]:
    """The callable named by the dotted path in ``TELEMETRY_<name>``."""
    value = get(name)
    found: Callable[..., Any] = value if callable(value) else import_string(str(value))
    return found
