"""Report periods by name: today, this week, last week, this month, last month, this year.

Calendar periods in the viewer's time zone, whole periods (this month is the 1st to the last
day, so on the 1st it is not just today); weeks start on Monday (ISO 8601). ``custom`` means
the dates the user typed.
"""

from __future__ import annotations

from datetime import date, timedelta

from apps.accounts.models import ReportPreset

PRESETS = tuple(ReportPreset.values)
DEFAULT = ReportPreset.THIS_MONTH.value


def _month_end(day: date) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def preset_period(preset: str, *, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of ``preset`` seen from ``today``.

    ``custom`` and unknown names give this month: the caller only asks for a named period.
    """
    if preset == ReportPreset.TODAY:
        return today, today
    if preset in (ReportPreset.THIS_WEEK, ReportPreset.LAST_WEEK):
        monday = today - timedelta(days=today.weekday())
        if preset == ReportPreset.LAST_WEEK:
            monday -= timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if preset == ReportPreset.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == ReportPreset.THIS_YEAR:
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return today.replace(day=1), _month_end(today)
