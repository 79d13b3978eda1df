"""What the setup page, the admin page and the commands tell people about a report.

Everything here is derived from the real report (:func:`telemetry.payload.report`) and
the real settings, so the explanation cannot drift from what is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext_lazy

from telemetry import conf
from telemetry.consent import Decision, decide
from telemetry.models import Installation
from telemetry.payload import NEVER_SENT, SCHEMA, Report, report

# The values the pages show in words; what is stored, sent and printed stays the key.
STATES: dict[str, Promise] = {
    "undecided": pgettext_lazy("telemetry state", "undecided"),
    "on": pgettext_lazy("telemetry state", "on"),
    "off": pgettext_lazy("telemetry state", "off"),
}
LAYERS: dict[str, Promise] = {
    "environment": pgettext_lazy("consent layer", "environment"),
    "database": pgettext_lazy("consent layer", "database"),
    "configuration": pgettext_lazy("consent layer", "configuration"),
    "switch": pgettext_lazy("consent layer", "switch"),
}
SENDERS: dict[str, Promise] = {
    "worker": pgettext_lazy("sent by", "worker"),
    "command": pgettext_lazy("sent by", "command"),
}


def _word(words: dict[str, Promise], key: str) -> str:
    # An unknown key (an older row, a new layer) is shown as it is.
    return str(words[key]) if key in words else key


def state_label(state: str) -> str:
    return _word(STATES, state)


def layer_label(layer: str) -> str:
    return _word(LAYERS, layer)


def sender_label(channel: str) -> str:
    return _word(SENDERS, channel)


@dataclass(frozen=True)
class Explained:
    """A :class:`~telemetry.consent.Decision` in words of the active language."""

    effective: str
    layer: str
    reason: str


def explain(decision: Decision) -> Explained:
    return Explained(
        effective=state_label(decision.effective),
        layer=layer_label(decision.layer),
        reason=decision.shown,
    )


@dataclass(frozen=True)
class FieldRow:
    name: str
    type: str
    description: str
    value: Any

    @property
    def shown(self) -> str:
        """The value as it appears in the report's JSON (strings without quotes)."""
        if isinstance(self.value, str) and self.value:
            return self.value
        return json.dumps(self.value)


def rows(built: Report) -> list[FieldRow]:
    found: list[FieldRow] = []
    for name, field in SCHEMA.items():
        outer, _, inner = name.partition(".")
        value = built.data[outer][inner] if inner else built.data[outer]
        found.append(FieldRow(name, field.type, field.shown(), value))
    return found


def _whole(seconds: float, size: int) -> int:
    """``seconds`` in units of ``size`` when it is a whole number of them, else 0."""
    return int(seconds // size) if seconds >= size and seconds % size == 0 else 0


def _every(seconds: float) -> str:
    """How often, as the start of a sentence: "At most once a day", "... every 2 hours"."""
    if days := _whole(seconds, 86400):
        return ngettext("At most once a day", "At most once every %(count)s days", days) % {
            "count": days
        }
    if hours := _whole(seconds, 3600):
        return ngettext("At most once an hour", "At most once every %(count)s hours", hours) % {
            "count": hours
        }
    if minutes := _whole(seconds, 60):
        return ngettext(
            "At most once a minute", "At most once every %(count)s minutes", minutes
        ) % {"count": minutes}
    return ngettext(
        "At most once every %(count)s second", "At most once every %(count)s seconds", _n(seconds)
    ) % {"count": f"{seconds:g}"}


def _span(seconds: float) -> str:
    """``seconds`` in words: "a day", "an hour", "2 hours", "90 seconds"."""
    if days := _whole(seconds, 86400):
        return ngettext("a day", "%(count)s days", days) % {"count": days}
    if hours := _whole(seconds, 3600):
        return ngettext("an hour", "%(count)s hours", hours) % {"count": hours}
    if minutes := _whole(seconds, 60):
        return ngettext("a minute", "%(count)s minutes", minutes) % {"count": minutes}
    return ngettext("%(count)s second", "%(count)s seconds", _n(seconds)) % {
        "count": f"{seconds:g}"
    }


def _n(seconds: float) -> int:
    # The plural form of a number of seconds that need not be whole (0.5 takes the plural).
    return int(seconds) if float(seconds).is_integer() else 0


def frequency() -> str:
    every = _every(conf.interval())
    if conf.jitter() > 0:
        return gettext(
            # Translators: "every" is a phrase such as "At most once a day"; "jitter" is a
            # span of time such as "2 hours".
            "%(every)s, at a random moment up to %(jitter)s after it is due, by the telemetry "
            "worker (never while a page loads)."
        ) % {"every": every, "jitter": _span(conf.jitter())}
    # Translators: "every" is a phrase such as "At most once a day".
    return gettext("%(every)s, by the telemetry worker (never while a page loads).") % {
        "every": every
    }


def inline(sentence: str) -> str:
    """A sentence to continue another one: its first letter in lower case."""
    return sentence[:1].lower() + sentence[1:]


def destination() -> str:
    if not conf.api_key():
        return gettext(
            "Nowhere for now: TELEMETRY_API_KEY is not set, so nothing is sent even when "
            "telemetry is on. With a key, reports go to %(url)s."
        ) % {"url": conf.capture_url()}
    return gettext("%(url)s (PostHog's capture API), over HTTPS when the address says so.") % {
        "url": conf.capture_url()
    }


def retention() -> str:
    days, sends = conf.retention_days(), conf.history_size()
    kept = ngettext(
        "The receiving project keeps reports for at most %(days)d day.",
        "The receiving project keeps reports for at most %(days)d days.",
        days,
    ) % {"days": days}
    recorded = ngettext(
        "This installation keeps a record of its last send (time, outcome and a SHA-256 of "
        "the report), never the report itself.",
        "This installation keeps a record of its last %(count)s sends (time, outcome and a "
        "SHA-256 of the report), never the report itself.",
        sends,
    ) % {"count": sends}
    return f"{kept} {recorded}"


def transparency(*, installation: Installation) -> dict[str, Any]:
    """The context that explains a report: fields and values, when, where, how long."""
    built = report(install_id=str(installation.install_id))
    decision = decide(installation)
    often = frequency()
    return {
        "report": built,
        "fields": rows(built),
        "frequency": often,
        # The same, to end "This installation will send the report below ...".
        "frequency_inline": inline(often),
        "destination": destination(),
        "retention": retention(),
        "never_sent": NEVER_SENT,
        "decision": decision,
        "explained": explain(decision),
    }
