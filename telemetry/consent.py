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

from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

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
    # Why, in English: logs and the command (and its JSON) print it as it is.
    reason: str
    # The same reason as a message id and its placeholders, for the pages (:attr:`shown`).
    message: str = field(default="", compare=False)
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def effective(self) -> str:
        return "on" if self.enabled else "off"

    @property
    def shown(self) -> str:
        """The reason in the active language, for the setup and admin pages."""
        if not self.message:
            return self.reason
        return gettext(self.message) % dict(self.params)


def _because(enabled: bool, state: str, layer: str, message: str, **params: object) -> Decision:
    texts = tuple((name, str(value)) for name, value in params.items())
    return Decision(enabled, state, layer, message % dict(texts), message, texts)


def decide(installation: Installation | None = None) -> Decision:
    """The effective decision; cheap layers first, the database next, configuration last."""
    if conf.do_not_track():
        return _because(
            False, _state(installation), "environment", gettext_noop("DO_NOT_TRACK is set")
        )
    if not conf.enabled():
        return _because(
            False,
            _state(installation),
            "environment",
            gettext_noop("TELEMETRY_ENABLED is false"),
        )
    if installation is None:
        installation = Installation.objects.peek()
    state = installation.state
    if state == State.UNDECIDED:
        return _because(
            False,
            state,
            "database",
            gettext_noop("nobody has decided yet (undecided counts as off)"),
        )
    if state == State.OFF:
        return _because(False, state, "database", gettext_noop("an administrator turned it off"))
    if installation.schema_version != SCHEMA_VERSION:
        return _because(
            False,
            state,
            "database",
            gettext_noop(
                "the report changed since it was agreed to (schema version %(agreed)s -> "
                "%(current)s); turn it on again to agree"
            ),
            agreed=installation.schema_version,
            current=SCHEMA_VERSION,
        )
    if not conf.api_key():
        return _because(False, state, "configuration", gettext_noop("TELEMETRY_API_KEY is not set"))
    if not conf.host_is_valid():
        return _because(
            False, state, "configuration", gettext_noop("TELEMETRY_HOST is not an http(s) URL")
        )
    return _because(
        True,
        state,
        "database",
        gettext_noop("an administrator turned it on; sending to %(host)s"),
        host=conf.host(),
    )


def _state(installation: Installation | None) -> str:
    # The environment layers answer without touching the database when nobody passed a row.
    return installation.state if installation is not None else ""
