"""The event bus: validate against the catalogue, wait for the commit, fan out to sinks.

``emit`` is the only way in. It validates at once (so with ``ANALYTICS_STRICT`` a mistake
raises where it was made) and delivers through ``transaction.on_commit``: inside a
transaction the event waits for the commit and vanishes on rollback; outside one it is
delivered immediately. A sink that fails is logged and counted and never reaches the
caller.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import transaction
from django.dispatch import Signal

from analytics import conf, context, metrics, sinks
from analytics.catalogue import EventError, catalogue
from analytics.context import ActorId
from analytics.properties import Value

logger = logging.getLogger("analytics")

Listener = Callable[["Event"], None]
_listeners: list[Listener] = []

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Event:
    """A validated event on its way to the sinks."""

    name: str
    properties: Mapping[str, Value]
    outbound: bool
    actor_id: ActorId | None
    request_id: str | None
    timestamp: datetime


def emit(name: str, /, *, actor_id: ActorId | None = None, **properties: Any) -> Event | None:
    """Record event ``name`` with ``properties`` once the current transaction commits.

    ``actor_id`` is the primary key of the user who acted; when omitted, the user of the
    current request (if any). Returns the event, or ``None`` when it was dropped because
    it does not match the catalogue (with ``ANALYTICS_STRICT`` it raises instead).
    """
    try:
        event_type = catalogue.get(name)
        cleaned = event_type.clean(properties)
    except EventError as exc:
        if conf.strict():
            raise
        # The message names properties, never values: it is safe to log.
        logger.warning("analytics event dropped: %s", exc)
        metrics.dropped(sink="catalogue", reason=exc.reason)
        return None
    ctx = context.current()
    if actor_id is None and ctx is not None:
        actor_id = ctx.actor_id()
    event = Event(
        name=event_type.name,
        properties=cleaned,
        outbound=event_type.outbound,
        actor_id=actor_id,
        request_id=ctx.request_id if ctx else None,
        timestamp=datetime.now(tz=UTC),
    )
    transaction.on_commit(functools.partial(deliver, event))
    return event


def deliver(event: Event) -> None:
    """Hand ``event`` to every configured sink; never raises."""
    for sink in sinks.active():
        try:
            sink.handle(event)
        except Exception:
            # One broken sink must not break the request, the write or the other sinks.
            logger.exception("analytics sink %s failed on %s", sink.name, event.name)
            metrics.dropped(sink=sink.name, reason="error")
    for listener in list(_listeners):
        listener(event)


def add_listener(listener: Listener) -> None:
    """Call ``listener`` with every delivered event (used by ``analytics.testutils``)."""
    _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def flush(*, timeout: float = 5.0) -> None:
    """Deliver what the sinks have queued, waiting at most about ``timeout`` seconds."""
    for sink in sinks.active():
        flush_sink = getattr(sink, "flush", None)
        if flush_sink is None:
            continue
        try:
            flush_sink(timeout=timeout)
        except Exception:
            # Best effort: flushing runs at exit, where nobody can act on an error.
            logger.exception("analytics sink %s failed to flush", sink.name)


def receiver(signal: Signal, **connect: Any) -> Callable[[F], F]:
    """Connect a function that turns ``signal`` into ``emit`` calls (for ``events.py``).

    The receiver is held strongly with a stable ``dispatch_uid``, so importing the module
    twice does not connect it twice. Outside strict mode an error in it is logged and
    counted instead of reaching whoever sent the signal.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> None:
            try:
                func(*args, **kwargs)
            except Exception:
                if conf.strict():
                    raise
                logger.exception("analytics receiver %s failed", func.__qualname__)
                metrics.dropped(sink="receiver", reason="error")

        uid = f"analytics:{func.__module__}.{func.__qualname__}"
        signal.connect(guarded, weak=False, dispatch_uid=uid, **connect)
        return func

    return decorate
