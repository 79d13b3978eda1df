"""Whether product analytics may leave the machine: layers of consent, first "off" wins.

1. Environment hard-off: ``DO_NOT_TRACK=1`` or ``ANALYTICS_ENABLED=false``.
2. Configuration: without ``POSTHOG_API_KEY`` there is nowhere to send to.
3. Runtime kill switch: the django-waffle switch ``analytics-posthog``. It counts as on
   only when it exists *and* is active, whatever ``WAFFLE_SWITCH_DEFAULT`` says, so a
   fresh installation sends nothing until an operator turns it on.

The installation-telemetry decision is a separate stream (the ``telemetry`` app) and is
not consulted here. Local streams (JSON logs, Prometheus counters) are never gated.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps

from analytics import conf


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Which layer decided: environment, configuration, switch (empty when allowed).
    layer: str
    reason: str


def switch_active() -> bool:
    """The kill switch is on only when the waffle switch exists and is active."""
    if not apps.is_installed("waffle"):
        return False
    from waffle import get_waffle_switch_model

    switch = get_waffle_switch_model().get(conf.posthog_switch())
    return switch.pk is not None and bool(switch.active)


def posthog() -> Decision:
    """The decision for the PostHog sink; cheap layers first, the database last."""
    if conf.do_not_track():
        return Decision(False, "environment", "DO_NOT_TRACK is set")
    if not conf.enabled():
        return Decision(False, "environment", "ANALYTICS_ENABLED is false")
    if not conf.posthog_api_key():
        return Decision(False, "configuration", "POSTHOG_API_KEY is not set")
    if not switch_active():
        return Decision(
            False,
            "switch",
            f"the waffle switch {conf.posthog_switch()} is missing or inactive",
        )
    return Decision(True, "", f"sending to {conf.posthog_host()}")
