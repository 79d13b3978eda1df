"""Sinks receive every delivered event; ``ANALYTICS_SINKS`` names them by dotted path.

A sink is any object with a ``name`` and a ``handle(event)`` method (and optionally
``flush(*, timeout)``). The JSON log sink is always on, whatever the setting says: the
local record of what happened is not optional.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from analytics import conf

if TYPE_CHECKING:
    from analytics.bus import Event

ALIASES = {
    "jsonlog": "analytics.sinks.jsonlog.JsonLogSink",
    "metrics": "analytics.sinks.metrics.MetricsSink",
    "posthog": "analytics.sinks.posthog.PostHogSink",
}
ALWAYS = ALIASES["jsonlog"]


class Sink(Protocol):
    name: str

    def handle(self, event: Event) -> None: ...


_lock = threading.Lock()
_loaded: tuple[tuple[str, ...], list[Sink]] | None = None


def configured_paths() -> tuple[str, ...]:
    """The dotted paths of the configured sinks, the JSON log first, no duplicates."""
    paths = [ALIASES.get(name, name) for name in conf.sinks()]
    return tuple(dict.fromkeys([ALWAYS, *paths]))


def load(paths: tuple[str, ...]) -> list[Sink]:
    loaded: list[Sink] = []
    for path in paths:
        try:
            factory = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"ANALYTICS_SINKS: cannot import {path!r} ({exc})") from exc
        loaded.append(factory())
    return loaded


def active() -> list[Sink]:
    """The sink instances for the current setting (rebuilt when the setting changes)."""
    global _loaded
    paths = configured_paths()
    current = _loaded
    if current is not None and current[0] == paths:
        return current[1]
    with _lock:
        if _loaded is None or _loaded[0] != paths:
            _loaded = (paths, load(paths))
        return _loaded[1]
