"""Report aggregates, computed by the database (one query for every grouping of a report)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections
from django.db.models import (
    DateTimeField,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils.translation import pgettext

from apps.accounts.selectors import user_timezone
from apps.clients.currency import currency_of, installation_currency
from apps.timers.models import TimeEntry
from apps.timers.selectors import entries_visible_to

GROUPINGS = ("project", "client", "task", "user", "day", "tag")

# Each grouping: the entry column it groups on, and the model and field naming a group.
_GROUP_FIELDS: dict[str, tuple[str, str, str]] = {
    "project": ("project_id", "projects.Project", "name"),
    "client": ("project__client_id", "clients.Client", "name"),
    "task": ("task_id", "tasks.Task", "name"),
    "user": ("user_id", settings.AUTH_USER_MODEL, "username"),
    # Joined through the entry-tag table: an entry with two tags is in both groups.
    "tag": ("tags", "tags.Tag", "name"),
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


def _money(value: Any) -> str:
    """Round a sum of money to cents; PostgreSQL hands ``numeric`` over as a Decimal."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


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
    return report_summaries(
        user=user, start=start, end=end, group_bys=(group_by,), queryset=queryset
    )[group_by]


def report_summaries(
    *,
    user: User,
    start: date,
    end: date,
    group_bys: Sequence[str],
    queryset: QuerySet[TimeEntry] | None = None,
) -> dict[str, dict[str, Any]]:
    """``report_summary`` for several groupings of the same entries, in one query.

    The entries are grouped once by every key asked for plus their project, so the
    hourly rate applies once per group, in ``numeric`` (Decimal, never a float sum of
    money); each grouping is then a small aggregate of those groups, and the names come
    from the same query (docs/performance.md, goal 3).
    """
    wanted = list(dict.fromkeys(group_bys))
    for group_by in wanted:
        if group_by not in GROUPINGS:
            raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}")
    tz = user_timezone(user)
    period = Period(start=start, end=end, tz=tz)
    qs = queryset if queryset is not None else entries_in_period(user=user, period=period)
    # By tag, an entry with several tags is in several groups, so that grouping is a
    # statement of its own (its join must not repeat entries in the others), and its
    # totals are the entries' own (from the project grouping), not the sum of its rows.
    by_tag = "tag" in wanted
    statements = [[g for g in wanted if g != "tag"] or ["project"]]
    if by_tag and "project" not in statements[0]:
        statements[0].append("project")
    if by_tag:
        statements.append(["tag"])
    # Days with a person, client or task as well: a statement of their own, since grouping
    # by (day, key, project) at once made ten times as many groups as either alone (the
    # report page by person: 7.7 s instead of 0.8 s for the person and 2.2 s for the days,
    # a year of 1,000,000 entries on a loaded machine; docs/performance.md).
    first = statements[0]
    if "day" in first and any(g not in ("day", "project") for g in first):
        by_day = ["day"] + (["project"] if "project" in first else [])
        statements[0] = [g for g in first if g not in by_day]
        statements.insert(1, by_day)
    fetched: dict[str, list[tuple[Any, ...]]] = {}
    for grouping in statements:
        sql, params = _summary_sql(qs, grouping, period)
        fetched.update({group_by: [] for group_by in grouping})
        with connections[qs.db].cursor() as cursor:
            cursor.execute(sql, params)
            for index, *row in cursor.fetchall():
                fetched[grouping[index]].append(tuple(row))
    summaries = {
        group_by: _summary(group_by, fetched[group_by], start=start, end=end, tz=tz)
        for group_by in wanted
    }
    if by_tag:
        summaries["tag"]["totals"] = _summary(
            "project", fetched["project"], start=start, end=end, tz=tz
        )["totals"]
    return summaries


def _summary_sql(
    qs: QuerySet[TimeEntry], wanted: list[str], period: Period
) -> tuple[str, list[Any]]:
    """One statement: the entries grouped by (keys..., project), then a UNION ALL branch
    per grouping that sums those groups, joins the rate and the group's name."""
    vendor = connections[qs.db].vendor
    seconds = SecondsBetween(F("ended_at"), F("started_at"))
    aggregates = {
        "seconds": Sum(seconds),
        # FILTER on PostgreSQL (a CASE elsewhere): NULL, not 0, for a group without a
        # billable entry, which the sums below and ``_summary`` read as 0.
        "billable_seconds": Sum(seconds, filter=Q(billable=True)),
    }
    keys: dict[str, Any] = {"g_project": F("project_id")}
    for group_by in wanted:
        if group_by not in ("project", "day"):
            keys[f"g_{group_by}"] = F(_GROUP_FIELDS[group_by][0])
    by_day = "day" in wanted
    # PostgreSQL: one index range scan per local day (LATERAL), as the fastest hand-written
    # SQL does; grouping every entry by a computed local date made the planner expect one
    # group per entry and sort them all. Elsewhere (SQLite) the date is computed per row.
    lateral = by_day and vendor == "postgresql"
    if by_day and not lateral:
        keys["g_day"] = TruncDate("started_at", tzinfo=period.tz)
    entries = _per_day(qs) if lateral else qs
    inner = entries.order_by().values(**keys).annotate(**aggregates).order_by()
    inner_sql, inner_params = inner.query.sql_with_params()
    params: list[Any] = []
    if lateral:
        # The day stays a date until it is a group's key (formatted once per day, not once
        # per day and project).
        source = f"SELECT tt_days.day AS g_day, tt_inner.* {_DAYS} ({inner_sql}) AS tt_inner"
        params += _day_bounds(period)
    else:
        source = inner_sql
    params += list(inner_params)
    projects = _table("projects.Project")
    rate = _column("projects.Project", "hourly_rate")
    if vendor == "postgresql":
        # numeric times the rate as stored (numeric, exact), times 100 once per group: the
        # sum in cents as below, without rounding and casting the rate per group.
        money = f"SUM(CAST(g.billable_seconds AS NUMERIC) * p.{rate}) * 100"
    else:
        # Cents an hour as an integer: exact in SQLite, which has no decimal type; the two
        # decimal places make it whole.
        money = f"SUM(CAST(g.billable_seconds AS NUMERIC) * CAST(ROUND(p.{rate} * 100) AS BIGINT))"
    clients = _table("clients.Client")
    currency = f"COALESCE(c.{_column('clients.Client', 'currency')}, '')"
    currency_join = (
        f" LEFT JOIN {clients} c ON c.{_column('clients.Client', 'pk')} = "
        f"p.{_column('projects.Project', 'client')}"
    )
    branches = []
    for index, group_by in enumerate(wanted):
        key = f"g.g_{group_by}"
        groups = "g"
        if any(g not in (group_by, "project") for g in wanted):
            # The groups are finer than (this key, project): add them up to that first, so
            # that the rate applies once per (key, project) rather than once per finer group
            # (the page by day: once per project, not per day and project).
            keyed = "g_project" if group_by == "project" else f"g_{group_by}, g_project"
            groups = (
                f"(SELECT {keyed}, SUM(seconds) AS seconds, "  # noqa: S608 (names only)
                f"SUM(billable_seconds) AS billable_seconds FROM g GROUP BY {keyed}) g"
            )
        shown = f"to_char({key}, 'YYYY-MM-DD')" if lateral and group_by == "day" else key
        label_join, label = "", "CAST(NULL AS TEXT)"
        if group_by == "project":
            label = f"MAX(p.{_column('projects.Project', 'name')})"
        elif group_by != "day":
            _, model, field = _GROUP_FIELDS[group_by]
            label_join = f" LEFT JOIN {_table(model)} l ON l.{_column(model, 'pk')} = {key}"
            label = f"MAX(l.{_column(model, field)})"
        # Each group once per currency its projects' amounts are in (the client's; blank is
        # the installation's): amounts of different currencies are never added up here.
        branches.append(
            f"SELECT {index}, CAST({shown} AS TEXT), {label}, {currency}, SUM(g.seconds), "  # noqa: S608 (names only)
            f"SUM(g.billable_seconds), {money} FROM {groups} "
            f"JOIN {projects} p ON p.{_column('projects.Project', 'pk')} = g.g_project"
            f"{currency_join}{label_join} GROUP BY {key}, {currency}"
        )
    return f"WITH g AS ({source}) " + " UNION ALL ".join(branches), params


# Each local day of the period with its bounds, joined to the report's own query restricted
# to that day (``_per_day``): an index range scan per day, on PostgreSQL.
_DAYS = (
    "FROM unnest(%s::date[], %s::timestamptz[], %s::timestamptz[]) AS tt_days(day, lo, hi) "
    "CROSS JOIN LATERAL"
)


def _per_day(qs: QuerySet[TimeEntry]) -> QuerySet[TimeEntry]:
    """The entries of the day ``tt_days`` stands at (see ``_DAYS``)."""
    return qs.filter(
        started_at__gte=RawSQL("tt_days.lo", (), output_field=DateTimeField()),
        started_at__lt=RawSQL("tt_days.hi", (), output_field=DateTimeField()),
    )


def _day_bounds(period: Period) -> list[Any]:
    """The parameters of ``_DAYS``: each day, its first moment and the next day's."""
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    bounds = [datetime.combine(d, time.min, tzinfo=period.tz) for d in days]
    after = [datetime.combine(d + timedelta(days=1), time.min, tzinfo=period.tz) for d in days]
    return [days, bounds, after]


def report_day_seconds(
    *,
    user: User,
    start: date,
    end: date,
    queryset: QuerySet[TimeEntry] | None = None,
) -> dict[str, int]:
    """Seconds per local day (``YYYY-MM-DD``; days without entries left out), as the rows
    of ``report_summary(group_by="day")`` count them, in one statement.

    For the report page's chart of hours per day or month beside another grouping: a sum
    per day, without the grouping by project that billable amounts need, costs a fraction
    of the by-day report (docs/performance.md, goal 3).
    """
    tz = user_timezone(user)
    period = Period(start=start, end=end, tz=tz)
    qs = queryset if queryset is not None else entries_in_period(user=user, period=period)
    seconds = Sum(SecondsBetween(F("ended_at"), F("started_at")))
    if connections[qs.db].vendor != "postgresql":
        per_day = (
            qs.order_by()
            .values(tt_day=TruncDate("started_at", tzinfo=tz))
            .annotate(tt_seconds=seconds)
            .order_by()
        )
        return {str(row["tt_day"])[:10]: round(row["tt_seconds"] or 0) for row in per_day}
    # One sum per day: grouped by a constant, which Django leaves out of the GROUP BY, so
    # the lateral query has none and gives one row (NULL for a day without entries).
    inner = _per_day(qs).order_by().values(tt_one=Value(1)).annotate(tt_seconds=seconds)
    inner_sql, inner_params = inner.query.sql_with_params()
    sql = (
        f"SELECT to_char(tt_days.day, 'YYYY-MM-DD'), tt_inner.tt_seconds {_DAYS} "
        f"({inner_sql}) AS tt_inner WHERE tt_inner.tt_seconds IS NOT NULL"
    )
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, [*_day_bounds(period), *inner_params])
        return {day: round(value) for day, value in cursor.fetchall()}


def _table(model: str) -> str:
    return connection.ops.quote_name(apps.get_model(model)._meta.db_table)


def _column(model: str, field: str) -> str:
    meta = apps.get_model(model)._meta
    column = meta.pk.column if field == "pk" else meta.get_field(field).column
    return connection.ops.quote_name(str(column))


def _summary(
    group_by: str, fetched: list[tuple[Any, ...]], *, start: date, end: date, tz: Any
) -> dict[str, Any]:
    groups: dict[Any, dict[str, Any]] = {}
    totals = _empty()
    for key, label, stored_currency, seconds, billable_seconds, rate_seconds in fetched:
        # Cents an hour times seconds, summed as numeric by the database.
        amount = _decimal(rate_seconds) / 360000
        code = currency_of(stored_currency)
        # A key comes once per currency; the totals are the sum of the groups (no second
        # pass over the entries).
        for into in (groups.setdefault(key, {**_empty(), "label": label}), totals):
            into["seconds"] += seconds or 0.0
            into["billable_seconds"] += billable_seconds or 0.0
            into["amounts"][code] = into["amounts"].get(code, Decimal(0)) + amount
    rows = []
    for key, raw in groups.items():
        if group_by == "day":
            day = str(key)[:10]
            rows.append({"key": day, "label": day, **_amounts(raw)})
        else:
            ident = None if key is None else int(key)
            label = raw["label"]
            # Translators: a report group of entries without a client, a task or a tag.
            name = pgettext("report group", "(none)") if label is None else label
            rows.append({"key": ident, "label": name, **_amounts(raw)})
    if group_by == "day":
        rows.sort(key=lambda row: row["key"])
    else:
        # By name; the group without a client or task comes last.
        rows.sort(key=lambda row: (row["key"] is None, str(row["label"]), row["key"] or 0))
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "group_by": group_by,
        "timezone": tz.key,
        "rows": rows,
        "totals": _amounts(totals),
    }


def _empty() -> dict[str, Any]:
    return {"seconds": 0.0, "billable_seconds": 0.0, "amounts": {}}


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _amounts(row: dict[str, Any]) -> dict[str, Any]:
    """Seconds, and the billable amounts per currency (never added across currencies).

    ``billable_amounts`` lists the currencies the row has an amount in, by code; a row
    without any amount lists the one currency of its projects (the installation's when
    they have several). ``currency`` and ``billable_amount`` are that one currency and its
    amount, or both null when the row holds amounts in several currencies.
    """
    rounded = {code: Decimal(_money(value)) for code, value in row["amounts"].items()}
    amounts = {code: value for code, value in rounded.items() if value != 0}
    if not amounts:
        codes = list(rounded) if len(rounded) == 1 else [installation_currency()]
        amounts = dict.fromkeys(codes, Decimal(0))
    listed = [
        {"currency": code, "billable_amount": _money(amounts[code])} for code in sorted(amounts)
    ]
    single = listed[0] if len(listed) == 1 else None
    return {
        "seconds": round(row["seconds"] or 0),
        "billable_seconds": round(row["billable_seconds"] or 0),
        "billable_amount": single["billable_amount"] if single else None,
        "currency": single["currency"] if single else None,
        "billable_amounts": listed,
    }
