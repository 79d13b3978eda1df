"""Template filters and tags of the web UI: the one set of formats, menu links.

Durations are ``H:MM`` (``hm``; decimal ``hours`` only where a report or an export asks
for them), dates one short form per language (``shortdate``: "Tue 1 Dec 2026",
"Di., 1. Dez. 2026"), amounts with the language's separators and the installation's
currency (``money``, from ``TIMETRACKER_CURRENCY``: "€15,912.50", "15.912,50 €"), or a
client's own (``money:code``). The language is the request's
(``django.utils.translation``); the forms come from CLDR through
Babel, which Django has no formatter for (currency) or only a coarser one (dates). Each
filter renders whatever is stored, a value of the wrong type included, without raising: a
hand-edited row never breaks a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal, get_currency_name
from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from apps.core.limits import printable

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
        return gettext("under a minute")
    return gettext("%(duration)s h:mm") % {"duration": hm(seconds)}


# English is the product's British English: "Tue 1 Dec 2026", "15,912.50".
BABEL_LOCALES = {"en": "en_GB"}
# Patterns used instead of CLDR's for a (language, skeleton): English keeps the product's
# short date without the comma CLDR puts after the weekday.
DATE_PATTERNS = {("en", "yMMMEd"): "EEE d MMM y"}


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(BABEL_LOCALES.get(language, translation.to_locale(language)))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en_GB")


def locale() -> Locale:
    """The Babel locale of the language the request speaks."""
    return _locale(translation.get_language() or settings.LANGUAGE_CODE)


@register.filter
def hms(value: Any) -> str:
    """Seconds as a clock: ``5400`` -> ``1:30:00`` (the timer's display)."""
    seconds = _seconds(value)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@register.filter
def hours(value: Any) -> str:
    """Seconds as decimal hours with two places and the language's decimal mark:
    ``5400`` -> ``1.50`` (``1,50`` in German)."""
    return format_decimal(Decimal(_seconds(value)) / 3600, format="0.00", locale=locale())


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


def _skeleton(day: date, skeleton: str) -> str:
    """``day`` in the language's form for a CLDR skeleton (the closest one it has)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    pattern = DATE_PATTERNS.get((language, skeleton))
    if pattern is not None:
        return str(format_date(day, pattern, locale=_locale(language)))
    return str(format_skeleton(skeleton, day, locale=_locale(language)))


def _filter_date(skeleton: str) -> Callable[[Any], str]:
    """A filter showing a date, an aware datetime or ISO text in the form of ``skeleton``;
    anything that is no date is shown as it is."""

    def shown(value: Any) -> str:
        day = as_date(value)
        if day is None:
            return "" if value is None else str(value)
        return _skeleton(day, skeleton)

    return shown


# ``2026-12-01`` -> "Tue 1 Dec 2026", "Di., 1. Dez. 2026": the short date of every page.
shortdate = register.filter("shortdate", _filter_date("yMMMEd"))


def day_month(day: date) -> str:
    """A chart axis's day: "1 Dec", "1. Dez.", "1 déc.", "1 dec"."""
    return _skeleton(day, "MMMd")


def month_year(day: date) -> str:
    """A chart axis's month: "Dec 2026", "Dez. 2026", "déc. 2026"."""
    return _skeleton(day, "yMMM")


def month_name_year(day: date) -> str:
    """A month in full: "December 2026", "Dezember 2026"."""
    return _skeleton(day, "yMMMM")


# Dates in sentences and headings, each the language's own form of the same parts:
# "Tuesday 1 December", "Tuesday, 1 December 2026", "Tue 1", "Tue 1 Dec", "Tue".
register.filter("fulldate", _filter_date("MMMMEEEEd"))
register.filter("fulldate_year", _filter_date("yMMMMEEEEd"))
register.filter("weekday_day", _filter_date("Ed"))
register.filter("weekday_day_month", _filter_date("MMMEd"))
register.filter("weekday", _filter_date("EEE"))


@register.filter
def datetime_long(value: Any) -> str:
    """A moment in a sentence: "1 December 2026, 09:05" (the current time zone)."""
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{_skeleton(moment.date(), 'yMMMMd')}, {moment:%H:%M}"


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


@register.filter
def grouped(value: Any, places: int = 2) -> str:
    """A number with the language's separators: ``15912.5`` -> ``15,912.50``
    (``15.912,50`` in German)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    try:
        digits = max(0, min(int(places), 6))
    except (TypeError, ValueError):
        digits = 2
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(number, format=pattern, locale=locale(), decimal_quantization=True)


def currency() -> str:
    return str(getattr(settings, "TIMETRACKER_CURRENCY", "") or "")


@lru_cache(maxsize=64)
def _is_iso_code(code: str) -> bool:
    """A currency code CLDR knows (``EUR``, ``USD``), which Babel places and symbolises
    per language; anything else (``$``, ``kr``) is a symbol shown before the amount."""
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        return False
    return get_currency_name(code, locale="en") != code


@register.filter
def money(value: Any, code: Any = "") -> str:
    """An amount in ``code`` (a client's currency; blank: the installation's), placed and
    separated as the language does: ``15912.5`` -> ``€15,912.50``, ``15.912,50 €``,
    ``€ 15.912,50``; a symbol that is no ISO code goes first (``$\u00a015,912.50``), and
    so does a stored code that is no currency (shown as it is, without control characters;
    the template escapes it). An empty value shows nothing."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if number is None:
        return str(value)
    code = code if isinstance(code, str) and code else currency()
    if code and _is_iso_code(code):
        return format_currency(number, code, locale=locale())
    shown = grouped(number)
    symbol = printable(code)
    return f"{symbol}\u00a0{shown}" if symbol else shown


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
