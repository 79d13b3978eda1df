"""TimeTracker's analytics app: one event catalogue, a bus, sinks, request context, logs.

Reusable: it imports nothing from the project's apps. An app declares its events and
connects its signals in an ``events.py`` module, which ``AnalyticsConfig.ready()``
discovers::

    import analytics
    from analytics import Int

    analytics.declare(
        "timer.started",
        "A user started the timer.",
        properties={"project_id": Int("Project the timer runs on.")},
    )

    @analytics.receiver(signals.timer_started)
    def _timer_started(*, entry, **_):
        analytics.emit("timer.started", actor_id=entry.user_id, project_id=entry.project_id)
"""

from __future__ import annotations

from analytics.bus import Event, emit, flush, receiver
from analytics.catalogue import (
    Bool,
    Bucketed,
    CatalogueError,
    Enum,
    EventError,
    EventType,
    Identifier,
    Int,
    InvalidProperties,
    UnknownEvent,
    catalogue,
    declare,
    declare_person_property,
    person_properties,
)

__all__ = [
    "Bool",
    "Bucketed",
    "CatalogueError",
    "Enum",
    "Event",
    "EventError",
    "EventType",
    "Identifier",
    "Int",
    "InvalidProperties",
    "UnknownEvent",
    "catalogue",
    "declare",
    "declare_person_property",
    "emit",
    "flush",
    "person_properties",
    "receiver",
]
