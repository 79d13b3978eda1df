"""What the setup page, the admin page and the commands tell people about a report.

Everything here is derived from the real report (:func:`telemetry.payload.report`) and
the real settings, so the explanation cannot drift from what is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
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


def rows(built: Report) -> list[FieldRow]:
    found: list[FieldRow] = []
    for name, field in SCHEMA.items():
        outer, _, inner = name.partition(".")
        value = built.data[outer][inner] if inner else built.data[outer]
        found.append(FieldRow(name, field.type, field.description, value))
    return found


def _duration(seconds: float) -> str:
    span = timedelta(seconds=seconds)
    if span >= timedelta(days=1) and span % timedelta(days=1) == timedelta(0):
        days = span.days
        return "day" if days == 1 else f"{days} days"
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds:g} seconds"


def frequency() -> str:
    text = f"At most once a {_duration(conf.interval())}"
    if conf.jitter() > 0:
        text += f", at a random moment within {_duration(conf.jitter())} of being due"
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
