"""Settings of the analytics app, read lazily with their defaults in one place.

Every setting is ``ANALYTICS_<NAME>`` in Django's settings; the project maps environment
variables onto them (``POSTHOG_API_KEY`` -> ``ANALYTICS_POSTHOG_API_KEY``, ...). Values
are read on every access, never at import time, so ``override_settings`` and the pytest
``settings`` fixture work as expected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # Unknown events and undeclared properties raise instead of being dropped (tests).
    "STRICT": False,
    # Dotted paths (or the short names jsonlog, metrics, posthog); jsonlog is always on.
    "SINKS": ["jsonlog", "metrics", "posthog"],
    # Consent, environment hard-off.
    "ENABLED": True,
    "DO_NOT_TRACK": False,
    # Consent, runtime kill switch (django-waffle): on only when it exists and is active.
    "POSTHOG_SWITCH": "analytics-posthog",
    # Consent, configuration: no key, no product analytics.
    "POSTHOG_API_KEY": "",
    "POSTHOG_HOST": "https://eu.i.posthog.com",
    # Delivery: bounded queue, short time-outs; a full queue drops and counts.
    "POSTHOG_MAX_QUEUE_SIZE": 1000,
    "POSTHOG_FLUSH_AT": 50,
    "POSTHOG_FLUSH_INTERVAL": 2.0,
    "POSTHOG_TIMEOUT": 5.0,
    "POSTHOG_MAX_RETRIES": 2,
    "POSTHOG_GZIP": True,
    # How long a finishing process (a management command, a worker) waits to deliver.
    "POSTHOG_EXIT_FLUSH_TIMEOUT": 5.0,
    # Key of the HMAC that turns user ids into distinct ids; empty derives it from SECRET_KEY.
    "ID_SECRET": "",
    # One JSON access line per request (method, route name, status, duration, user id).
    "ACCESS_LOG": True,
    # Template that the /privacy/events/ page extends.
    "BASE_TEMPLATE": "base.html",
    # The door a request came through, for the ``channel`` property of events: the first
    # path prefix that matches names it (e.g. {"/api/": "api"}), else REQUEST_CHANNEL.
    "CHANNELS": {},
    "REQUEST_CHANNEL": "web",
    # Work outside any request (a management command, a worker, a shell).
    "COMMAND_CHANNEL": "cli",
    # First part of the Prometheus metric names: "<prefix>_events_total", ...
    "METRIC_PREFIX": "analytics",
    # The outbound ledger (analytics.ledger): rows older than this many days are pruned.
    "LEDGER_RETENTION_DAYS": 30,
    # PostHog groups: dotted path of a callable returning ({group_type: key}, properties)
    # or None; its module declares the group with analytics.catalogue.declare_group.
    "GROUP_PROVIDER": "",
    # How long (seconds) a process reuses the provider's answer before asking again.
    "GROUP_REFRESH_SECONDS": 600.0,
    # Experiments: dotted path of a callable (request, actor_id) -> {flag name: bool} giving
    # the declared rollout/experiment flags as that user saw them; sent as $feature/<flag>.
    "FEATURE_PROVIDER": "",
}


def get(name: str) -> Any:
    """The value of ``ANALYTICS_<name>``, or its default."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown analytics setting {name}")
    return getattr(settings, f"ANALYTICS_{name}", DEFAULTS[name])


def _hook(name: str) -> Callable[..., Any] | None:
    value = get(name)
    if not value:
        return None
    found: Callable[..., Any] = value if callable(value) else import_string(str(value))
    return found


def group_provider() -> Callable[[], Any] | None:
    """``ANALYTICS_GROUP_PROVIDER`` resolved (importing it declares the group), or None."""
    return _hook("GROUP_PROVIDER")


def group_refresh_seconds() -> float:
    return max(0.0, float(get("GROUP_REFRESH_SECONDS")))


def feature_provider() -> Callable[[Any, Any], Any] | None:
    """``ANALYTICS_FEATURE_PROVIDER`` resolved, or None."""
    return _hook("FEATURE_PROVIDER")


def metric_prefix() -> str:
    return str(get("METRIC_PREFIX"))


def ledger_retention_days() -> int:
    return max(1, int(get("LEDGER_RETENTION_DAYS")))


def strict() -> bool:
    return bool(get("STRICT"))


def sinks() -> list[str]:
    return list(get("SINKS"))


def enabled() -> bool:
    return bool(get("ENABLED"))


def do_not_track() -> bool:
    return bool(get("DO_NOT_TRACK"))


def posthog_switch() -> str:
    return str(get("POSTHOG_SWITCH"))


def posthog_api_key() -> str:
    return str(get("POSTHOG_API_KEY") or "").strip()


def posthog_host() -> str:
    return str(get("POSTHOG_HOST") or DEFAULTS["POSTHOG_HOST"]).rstrip("/")


def id_secret() -> str:
    return str(get("ID_SECRET") or "") or str(settings.SECRET_KEY)


def access_log() -> bool:
    return bool(get("ACCESS_LOG"))


def base_template() -> str:
    return str(get("BASE_TEMPLATE"))


def channels() -> dict[str, str]:
    """Path prefix -> channel name, longest prefix first."""
    mapping = dict(get("CHANNELS") or {})
    return dict(sorted(mapping.items(), key=lambda item: -len(item[0])))


def request_channel() -> str:
    return str(get("REQUEST_CHANNEL"))


def command_channel() -> str:
    return str(get("COMMAND_CHANNEL"))


def channel_choices() -> tuple[str, ...]:
    """Every channel an event can carry, in a stable order, without repeats."""
    names = [request_channel(), *channels().values(), command_channel()]
    return tuple(dict.fromkeys(names))


def channel_for_path(path: str) -> str:
    for prefix, name in channels().items():
        if path.startswith(prefix):
            return name
    return request_channel()
