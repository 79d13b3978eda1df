"""Whether installation telemetry may leave the machine: layers, the first "off" wins.

1. Environment hard-off: ``DO_NOT_TRACK=1`` or ``TELEMETRY_ENABLED=false``, whatever the
   database says.
2. The installation's decision in the database: ``undecided`` behaves as off, and a
   decision made for an older payload schema does not cover the current one.
3. Configuration: without ``TELEMETRY_API_KEY`` (or with an unusable ``TELEMETRY_HOST``)
   there is nowhere to send to.

This stream is separate from product analytics (``analytics.consent``); neither consults
the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from telemetry import conf
from telemetry.models import Installation, State
from telemetry.payload import SCHEMA_VERSION


@dataclass(frozen=True)
class Decision:
    enabled: bool
    # The stored decision: undecided, on or off.
    state: str
    # The layer that decided: environment, database or configuration.
    layer: str
    reason: str

    @property
    def effective(self) -> str:
        return "on" if self.enabled else "off"


def decide(installation: Installation | None = None) -> Decision:
    """The effective decision; cheap layers first, the database next, configuration last."""
    if conf.do_not_track():
        return Decision(False, _state(installation), "environment", "DO_NOT_TRACK is set")
    if not conf.enabled():
        return Decision(False, _state(installation), "environment", "TELEMETRY_ENABLED is false")
    if installation is None:
        installation = Installation.objects.peek()
    state = installation.state
    if state == State.UNDECIDED:
        return Decision(
            False, state, "database", "nobody has decided yet (undecided counts as off)"
        )
    if state == State.OFF:
        return Decision(False, state, "database", "an administrator turned it off")
    if installation.schema_version != SCHEMA_VERSION:
        return Decision(
            False,
            state,
            "database",
            f"the report changed since it was agreed to (schema version "
            f"{installation.schema_version} -> {SCHEMA_VERSION}); turn it on again to agree",
        )
    if not conf.api_key():
        return Decision(False, state, "configuration", "TELEMETRY_API_KEY is not set")
    if not conf.host_is_valid():
        return Decision(False, state, "configuration", "TELEMETRY_HOST is not an http(s) URL")
    return Decision(
        True, state, "database", f"an administrator turned it on; sending to {conf.host()}"
    )


def _state(installation: Installation | None) -> str:
    # The environment layers answer without touching the database when nobody passed a row.
    return installation.state if installation is not None else ""
