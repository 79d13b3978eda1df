"""Template filters and tags of the web UI: the one set of formats, menu links.

Durations are ``H:MM`` (``hm``; decimal ``hours`` only where a report or an export asks
for them), dates one short form (``shortdate``: "Tue 1 Dec 2026"), amounts with thousands
separators and the installation's currency (``money``, from ``TIMETRACKER_CURRENCY``).
Each filter renders whatever is stored, a value of the wrong type included, without
raising: a hand-edited row never breaks a page.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _seconds(value: Any) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FALLBACK_COLOUR = "#888888"


@register.filter
def safe_colour(value: Any) -> str:
    """A stored project colour if it is ``#RRGGBB``, else grey: rows written by hand or by
    older versions never put anything else into a page."""
    return value if isinstance(value, str) and COLOUR.fullmatch(value) else FALLBACK_COLOUR


@register.filter
def hm(value: Any) -> str:
    """Seconds as hours and minutes: ``5400`` -> ``1:30``."""
    minutes = _seconds(value) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.filter
def hours_hm(value: Any) -> str:
    """Decimal hours (a chart's value) as ``H:MM``: ``2.5`` -> ``2:30``."""
    number = _decimal(value)
    return hm(round(number * 3600)) if number is not None else hm(0)


@register.filter
def hm_words(value: Any) -> str:
    """A duration in a sentence: ``1:30 h:mm``, or "under a minute" (never ``0:00``)."""
    seconds = _seconds(value)
    if seconds < 60:
        return "under a minute"
    return f"{hm(seconds)} h:mm"


@register.filter
def hms(value: Any) -> str:
    """Seconds as a clock: ``5400`` -> ``1:30:00`` (the timer's display)."""
    seconds = _seconds(value)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@register.filter
def hours(value: Any) -> str:
    """Seconds as decimal hours with two places: ``5400`` -> ``1.50``."""
    return f"{Decimal(_seconds(value)) / 3600:.2f}"


def as_date(value: Any) -> date | None:
    """A date from a date, an aware datetime (in the current time zone) or ISO text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


@register.filter
def shortdate(value: Any) -> str:
    """``2026-12-01`` (a date, a datetime or ISO text) -> ``Tue 1 Dec 2026``; anything
    that is no date is shown as it is."""
    day = as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return f"{day:%a} {day.day} {day:%b %Y}"


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


@register.filter
def grouped(value: Any, places: int = 2) -> str:
    """A number with thousands separators: ``15912.5`` -> ``15,912.50``."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    try:
        digits = max(0, min(int(places), 6))
    except (TypeError, ValueError):
        digits = 2
    return f"{number:,.{digits}f}"


def currency() -> str:
    return str(getattr(settings, "TIMETRACKER_CURRENCY", "") or "")


@register.filter
def money(value: Any) -> str:
    """An amount with the installation's currency and thousands separators:
    ``15912.5`` -> ``EUR 15,912.50`` (an empty value shows nothing)."""
    if value is None or value == "":
        return ""
    number = grouped(value)
    code = currency()
    return f"{code}\u00a0{number}" if code and _decimal(value) is not None else number


@register.filter
def budget_percent(seconds: Any, budget_hours: Any) -> int:
    """Seconds spent as a whole-number percentage of a budget in hours (0 without one)."""
    try:
        budget = float(budget_hours or 0)
    except (TypeError, ValueError):
        return 0
    return round(_seconds(seconds) / 36 / budget) if budget > 0 else 0


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, url_name: str, label: str) -> SafeString:
    """A main-menu link, marked ``aria-current`` when the page belongs to its section."""
    href = reverse(url_name)
    path = getattr(context.get("request"), "path", "")
    current = path == href if href == "/" else path.startswith(href)
    marker = mark_safe(' aria-current="page"') if current else ""
    return format_html('<a href="{}"{}>{}</a>', href, marker, label)
