"""Durations as people type them in a timesheet cell, and as the grid shows them.

Accepted (spaces around the parts are fine, letters in any case):

- ``1:30`` hours and minutes, ``1:30:15`` with seconds;
- ``1.5`` or ``1,5`` decimal hours (up to four decimals), ``2`` whole hours;
- ``90m``, ``90 min``, ``1h``, ``1.5h``, ``1h 30m``, ``1h30``.

Anything else is refused with a message that says what would be read. Nothing longer than
24 hours (one entry's limit) and nothing negative. An empty cell is ``None``: no time.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

MAX_SECONDS = 24 * 3600
# Long enough for "23h 59m", short enough that no one pastes an essay into a cell.
MAX_LENGTH = 20

# The forms a cell accepts, as the page and the errors show them (translated there).
EXAMPLES = gettext_lazy("1:30, 1.5, 90m or 1h 30m")

_CLOCK = re.compile(r"([0-9]{1,2}):([0-5][0-9])(?::([0-5][0-9]))?", re.ASCII)
_DECIMAL = re.compile(r"([0-9]{0,2})(?:[.,]([0-9]{1,4}))?", re.ASCII)
_UNITS = re.compile(
    r"(?:([0-9]{1,2}(?:[.,][0-9]{1,4})?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:([0-9]{1,4})\s*(?:m|mins?|minutes?)?)?",
    re.ASCII | re.IGNORECASE,
)


def _hours(text: str) -> Decimal:
    return Decimal(text.replace(",", ".") or "0")


def _seconds_of(hours: Decimal) -> int:
    return int((hours * 3600).quantize(Decimal(1), ROUND_HALF_UP))


def _read(text: str) -> int | None:
    """Seconds for ``text`` in one of the accepted forms, or None if it is none of them."""
    if match := _CLOCK.fullmatch(text):
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    if (match := _DECIMAL.fullmatch(text)) and any(match.groups()):
        whole, fraction = match.groups()
        return _seconds_of(_hours(f"{whole or '0'}.{fraction or '0'}"))
    match = _UNITS.fullmatch(text)
    if match is None or not any(match.groups()):
        return None
    hours_text, minutes_text = match.groups()
    if minutes_text is not None and hours_text is None and not re.search("[a-z]", text, re.I):
        return None  # a bare number is hours, and the decimal form took it already
    seconds = _seconds_of(_hours(hours_text or "0"))
    return seconds + int(minutes_text or 0) * 60


def parse_duration(value: object) -> int | None:
    """Seconds typed in a cell; ``None`` for an empty cell. Raises ``ValidationError``."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            gettext("That is too long for a duration; enter one such as %(examples)s."),
            code="invalid",
            params={"examples": EXAMPLES},
        )
    if text.startswith(("-", "\u2212")):
        raise ValidationError(gettext("A duration cannot be negative."), code="negative")
    seconds = _read(text)
    if seconds is None:
        raise ValidationError(
            gettext("Enter a duration such as %(examples)s."),
            code="invalid",
            params={"examples": EXAMPLES},
        )
    if seconds > MAX_SECONDS:
        raise ValidationError(
            gettext("At most 24 hours in one cell; split longer work over several days."),
            code="too_long",
        )
    return seconds


def format_duration(seconds: int) -> str:
    """``h:mm``, or ``h:mm:ss`` when there are seconds: what :func:`parse_duration` reads."""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if secs else f"{hours}:{minutes:02d}"
