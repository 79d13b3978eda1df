"""Weeks and days in a user's time zone: what a column of the grid or the calendar covers."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.limits import MAX_DATE, MIN_DATE

_WEEK = re.compile(r"([0-9]{4})-?W([0-9]{2})", re.ASCII | re.IGNORECASE)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# The first and last Monday whose week touches the supported range of days.
FIRST_MONDAY = MIN_DATE - timedelta(days=MIN_DATE.weekday())
LAST_MONDAY = MAX_DATE - timedelta(days=MAX_DATE.weekday())


def day_open(day: date) -> bool:
    """Whether entries may start on ``day`` (the supported range, apps.core.limits)."""
    return MIN_DATE <= day <= MAX_DATE


def day_bounds(day: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of ``day`` in ``tz`` and the first moment of the next day.

    A day is 23 or 25 hours long when daylight-saving time starts or ends in it.
    """
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


def local_today(tz: zoneinfo.ZoneInfo) -> date:
    return timezone.now().astimezone(tz).date()


@dataclass(frozen=True)
class Week:
    """An ISO week (Monday to Sunday), written ``2026-W49``."""

    monday: date

    @classmethod
    def of(cls, day: date) -> Week:
        monday = day - timedelta(days=day.weekday())
        return cls(min(max(monday, FIRST_MONDAY), LAST_MONDAY))

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2026-W49`` (or a date inside the week); ValidationError for anything else."""
        raw = (text or "").strip()
        if _DATE.fullmatch(raw):
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                pass
            else:
                if day_open(day):
                    return cls.of(day)
                raise ValidationError(
                    gettext("Dates must be between %(first)s and %(last)s."),
                    code="out_of_range",
                    params={"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()},
                )
        elif match := _WEEK.fullmatch(raw):
            try:
                monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            except ValueError:
                pass
            else:
                if FIRST_MONDAY <= monday <= LAST_MONDAY:
                    return cls(monday)
                raise ValidationError(
                    gettext("Weeks must be between %(first)s and %(last)s."),
                    code="out_of_range",
                    params={"first": Week(FIRST_MONDAY).label, "last": Week(LAST_MONDAY).label},
                )
        raise ValidationError(gettext("Enter a week such as 2026-W49."), code="invalid")

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> Week | None:
        monday = self.monday - timedelta(days=7)
        return Week(monday) if monday >= FIRST_MONDAY else None

    @property
    def next(self) -> Week | None:
        monday = self.monday + timedelta(days=7)
        return Week(monday) if monday <= LAST_MONDAY else None

    def bounds(self, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
        return day_bounds(self.monday, tz)[0], day_bounds(self.sunday, tz)[1]
