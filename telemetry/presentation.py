"""What the setup page, the admin page and the commands tell people about a report.

Everything here is derived from the real report (:func:`telemetry.payload.report`) and
the real settings, so the explanation cannot drift from what is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from telemetry import conf
from telemetry.consent import decide
from telemetry.models import Installation
from telemetry.payload import NEVER_SENT, SCHEMA, Report, report


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
        found.append(FieldRow(name, field.type, field.description, value))
    return found


def _span(seconds: float) -> str:
    """``seconds`` in words: "a day", "an hour", "2 hours", "90 seconds"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            if count == 1:
                return "an hour" if unit == "hour" else f"a {unit}"
            return f"{count} {unit}s"
    return f"{seconds:g} seconds"


def frequency() -> str:
    span = _span(conf.interval())
    text = "At most once a day" if span == "a day" else f"At most once every {span}"
    if conf.jitter() > 0:
        text += f", at a random moment up to {_span(conf.jitter())} after it is due"
    return text + ", by the telemetry worker (never while a page loads)."


def destination() -> str:
    if not conf.api_key():
        return (
            f"Nowhere for now: TELEMETRY_API_KEY is not set, so nothing is sent even when "
            f"telemetry is on. With a key, reports go to {conf.capture_url()}."
        )
    return f"{conf.capture_url()} (PostHog's capture API), over HTTPS when the address says so."


def retention() -> str:
    return (
        f"The receiving project keeps reports for at most {conf.retention_days()} days. This "
        f"installation keeps a record of its last {conf.history_size()} sends (time, outcome "
        "and a SHA-256 of the report), never the report itself."
    )


def transparency(*, installation: Installation) -> dict[str, Any]:
    """The context that explains a report: fields and values, when, where, how long."""
    built = report(install_id=str(installation.install_id))
    return {
        "report": built,
        "fields": rows(built),
        "frequency": frequency(),
        "destination": destination(),
        "retention": retention(),
        "never_sent": NEVER_SENT,
        "decision": decide(installation),
    }
