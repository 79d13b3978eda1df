"""Template filters and tags of the web UI: durations for people, menu links."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import template
from django.urls import reverse
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
def hms(value: Any) -> str:
    """Seconds as a clock: ``5400`` -> ``1:30:00`` (the timer's display)."""
    seconds = _seconds(value)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@register.filter
def hours(value: Any) -> str:
    """Seconds as decimal hours with two places: ``5400`` -> ``1.50``."""
    return f"{Decimal(_seconds(value)) / 3600:.2f}"


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
