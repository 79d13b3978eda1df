"""Domain signals that feed metrics (observing only)."""

from __future__ import annotations

from functools import cache
from typing import Any

from prometheus_client import Counter

from apps.timers.signals import time_entry_created, timer_stopped

# A channel outside the catalogue's choices is counted under this one (bounded labels).
OTHER_CHANNEL = "other"


@cache
def entries_created() -> Counter:
    """Product usage from a local counter (the Grafana "Product usage" row).

    The one label is the catalogue's ``channel`` enum (``analytics.conf.channel_choices()``
    plus :data:`OTHER_CHANNEL`): bounded.
    """
    return Counter(
        "timetracker_time_entries_created",
        "Time entries recorded by hand (the time_entry.created event), by channel.",
        ["channel"],
    )


def _observe_timer(sender: Any, *, duration_seconds: int, **kwargs: Any) -> None:
    from apps.monitoring.metrics import TIMER_DURATION

    TIMER_DURATION.observe(duration_seconds)


def entry_channel() -> str:
    """The channel of the work in progress, as the time_entry.created event carries it."""
    from analytics import context
    from analytics.conf import channel_choices

    channel = context.channel()
    return channel if channel in channel_choices() else OTHER_CHANNEL


def _count_entry(sender: Any, **kwargs: Any) -> None:
    entries_created().labels(channel=entry_channel()).inc()


def initialise_counters() -> None:
    """Every channel at 0, so the product-usage panels have a series on a fresh install."""
    from analytics.conf import channel_choices

    for channel in channel_choices():
        entries_created().labels(channel=channel)


def connect() -> None:
    timer_stopped.connect(_observe_timer, dispatch_uid="monitoring.timer_duration")
    time_entry_created.connect(_count_entry, dispatch_uid="monitoring.entries_created")
    initialise_counters()
