"""Domain signals that feed metrics (observing only)."""

from __future__ import annotations

from typing import Any

from apps.timers.signals import timer_stopped


def _observe_timer(sender: Any, *, duration_seconds: int, **kwargs: Any) -> None:
    from apps.monitoring.metrics import TIMER_DURATION

    TIMER_DURATION.observe(duration_seconds)


def connect() -> None:
    timer_stopped.connect(_observe_timer, dispatch_uid="monitoring.timer_duration")
