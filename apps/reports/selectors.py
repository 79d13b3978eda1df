"""Report aggregates, computed by the database (one GROUP BY query per report)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Case, F, FloatField, Func, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, TruncDate

from apps.accounts.selectors import user_timezone
from apps.timers.models import TimeEntry
from apps.timers.selectors import entries_visible_to

GROUPINGS = ("project", "client", "task", "user", "day")

# Each grouping: the entry column it groups on, and the model and field naming a group.
_GROUP_FIELDS: dict[str, tuple[str, str, str]] = {
    "project": ("project_id", "projects.Project", "name"),
    "client": ("project__client_id", "clients.Client", "name"),
    "task": ("task_id", "tasks.Task", "name"),
    "user": ("user_id", settings.AUTH_USER_MODEL, "username"),
}


class SecondsBetween(Func):
    """``end - start`` in seconds, as a float, in SQL.

    ``date_part`` rather than ``EXTRACT``: since PostgreSQL 14 ``EXTRACT`` returns
    ``numeric``, several times slower to sum over a year of entries (docs/performance.md).
    """

    arity = 2
    output_field = FloatField()
    template = "date_part('epoch', %(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


@dataclass(frozen=True)
class Period:
    """A range of whole days in a time zone, as the aware datetimes that bound it."""

    start: date
    end: date
    tz: zoneinfo.ZoneInfo

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.tz)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz)


def entries_in_period(*, user: User, period: Period) -> QuerySet[TimeEntry]:
    """Finished entries the user may see that started within the period."""
    return entries_visible_to(user=user).filter(
        ended_at__isnull=False,
        started_at__gte=period.start_at,
        started_at__lt=period.end_before,
    )


def _money(value: float | None) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def report_summary(
    *,
    user: User,
    start: date,
    end: date,
    group_by: str,
    queryset: QuerySet[TimeEntry] | None = None,
) -> dict[str, Any]:
    """Totals in seconds and billable amounts per group, in the user's time zone.

    Days are the user's calendar days (correct across daylight-saving changes); an entry
    belongs to the day and period in which it started. Running timers are not counted.
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}")
    tz = user_timezone(user)
    period = Period(start=start, end=end, tz=tz)
    qs = queryset if queryset is not None else entries_in_period(user=user, period=period)
    seconds = SecondsBetween(F("ended_at"), F("started_at"))
    rate = Cast(F("project__hourly_rate"), FloatField())
    aggregates = {
        "seconds": Sum(seconds),
        "billable_seconds": Sum(
            Case(When(billable=True, then=seconds), default=Value(0.0), output_field=FloatField())
        ),
        "billable_amount": Sum(
            Case(
                When(billable=True, project__hourly_rate__isnull=False, then=seconds * rate / 3600),
                default=Value(0.0),
                output_field=FloatField(),
            )
        ),
    }
    if group_by == "day":
        raw_rows: list[Any] = list(
            qs.annotate(key=TruncDate("started_at", tzinfo=tz))
            .values("key")
            .annotate(**aggregates)
            .order_by("key")
        )
        rows = [
            {
                "key": row["key"].isoformat(),
                "label": row["key"].isoformat(),
                **_amounts(row),
            }
            for row in raw_rows
        ]
    else:
        key_field, model_name, label_field = _GROUP_FIELDS[group_by]
        # Grouping on the key alone lets the database hash a few hundred groups; grouping
        # on key and name made PostgreSQL expect one group per entry and sort them all
        # (docs/performance.md). The names of those few groups come in a second query.
        raw_rows = list(qs.values(key_field).annotate(**aggregates).order_by())
        keys = [row[key_field] for row in raw_rows if row[key_field] is not None]
        labels = dict(
            apps.get_model(model_name)
            ._default_manager.filter(pk__in=keys)
            .values_list("pk", label_field)
        )
        rows = sorted(
            (
                {
                    "key": row[key_field],
                    "label": labels.get(row[key_field], "(none)"),
                    **_amounts(row),
                }
                for row in raw_rows
            ),
            # By name; the group without a client or task comes last.
            key=lambda row: (row["key"] is None, str(row["label"]), row["key"] or 0),
        )
    # The totals are the sum of the groups: no second pass over the entries.
    totals = {
        name: sum(row[name] or 0.0 for row in raw_rows)
        for name in ("seconds", "billable_seconds", "billable_amount")
    }
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "group_by": group_by,
        "timezone": tz.key,
        "rows": rows,
        "totals": _amounts(totals),
    }


def _amounts(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "seconds": round(row["seconds"] or 0),
        "billable_seconds": round(row["billable_seconds"] or 0),
        "billable_amount": _money(row["billable_amount"]),
    }
