"""Benchmark 2: the summary report at scale, against the database's own limit.

Generates 1,000,000 finished entries (50 users, 500 projects, 5,000 tasks, two years) with
COPY, then times the summary report API (``GET /api/v1/reports/summary/``, in process,
as an admin who sees everyone's entries, in Europe/Berlin) for a month, a quarter and a
year, grouped by project, user and day. Each case is compared with the fastest
hand-written SQL for the same answer (rows and totals; the answers are checked to be
equal), run on the same connection: the ratio API / SQL is what the app adds to what
the database must do anyway. The column "its SQL" is the report's own queries replayed
raw, which splits the app's time into database and Python.

    python -m bench.reports_scale [--quick] [--entries N] [--repeat N] [--explain FILE]
                                  [--profile "month by project"]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import common, seed

GOAL_RATIO = 1.2  # the summary API against the best hand-written SQL (issue 15, goal 3)
GOAL_PAGE = 1.3  # the report page against the summary API call it shows
GOAL_YEAR_BY_DAY = 1.0
TIMEZONE = "Europe/Berlin"
END = datetime(2026, 1, 1, tzinfo=UTC)
PERIODS = {
    "month": (date(2025, 3, 1), date(2025, 3, 31)),
    "quarter": (date(2025, 4, 1), date(2025, 6, 30)),
    "year": (date(2025, 1, 1), date(2025, 12, 31)),
}
GROUPINGS = ("project", "user", "day")

# The fastest SQL we found for each grouping. Durations are float seconds (date_part
# returns double precision, EXTRACT a slower numeric); entries are first grouped with their
# project so the hourly rate is applied once per group, and money is summed as numeric
# (Decimal), as the report does (issue 15, goal 3); totals are the sum of the rows, added
# up by the client.
_FILTER = "ended_at IS NOT NULL AND started_at >= %(start)s AND started_at < %(end)s"
HAND_SQL = {
    "project": f"""
        WITH g AS (
            SELECT project_id,
                   sum(date_part('epoch', ended_at - started_at)) AS seconds,
                   sum(date_part('epoch', ended_at - started_at)) FILTER (WHERE billable)
                       AS billable_seconds
            FROM timers_timeentry WHERE {_FILTER}
            GROUP BY project_id
        )
        SELECT g.project_id, p.name, g.seconds, coalesce(g.billable_seconds, 0),
               coalesce(g.billable_seconds::numeric * p.hourly_rate / 3600, 0)
        FROM g JOIN projects_project p ON p.id = g.project_id
        ORDER BY p.name, g.project_id
    """,
    "user": f"""
        WITH g AS (
            SELECT user_id, project_id,
                   sum(date_part('epoch', ended_at - started_at)) AS seconds,
                   sum(date_part('epoch', ended_at - started_at)) FILTER (WHERE billable)
                       AS billable_seconds
            FROM timers_timeentry WHERE {_FILTER}
            GROUP BY user_id, project_id
        )
        SELECT g.user_id, u.username, sum(g.seconds), coalesce(sum(g.billable_seconds), 0),
               coalesce(sum(g.billable_seconds::numeric * p.hourly_rate) / 3600, 0)
        FROM g JOIN projects_project p ON p.id = g.project_id
               JOIN auth_user u ON u.id = g.user_id
        GROUP BY g.user_id, u.username
        ORDER BY u.username, g.user_id
    """,
    # One index range scan per local day: no per-row time-zone conversion, no sort of
    # every entry by a day whose number of distinct values the planner cannot estimate.
    "day": """
        SELECT d::date, d::date, s.seconds, s.billable_seconds, s.amount
        FROM generate_series(%(first)s::timestamp, %(last)s::timestamp, interval '1 day') AS d
        CROSS JOIN LATERAL (
            SELECT sum(x.seconds) AS seconds,
                   coalesce(sum(x.billable_seconds), 0) AS billable_seconds,
                   coalesce(sum(x.billable_seconds::numeric * p.hourly_rate), 0) / 3600
                       AS amount
            FROM (
                SELECT e.project_id,
                       sum(date_part('epoch', e.ended_at - e.started_at)) AS seconds,
                       sum(date_part('epoch', e.ended_at - e.started_at))
                           FILTER (WHERE e.billable) AS billable_seconds
                FROM timers_timeentry e
                WHERE e.ended_at IS NOT NULL
                  AND e.started_at >= (d AT TIME ZONE %(tz)s)
                  AND e.started_at < ((d + interval '1 day') AT TIME ZONE %(tz)s)
                GROUP BY e.project_id
            ) x JOIN projects_project p ON p.id = x.project_id
        ) s
        WHERE s.seconds IS NOT NULL
        ORDER BY d
    """,
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 entries (bench-quick)")
    parser.add_argument("--entries", type=int, help="time entries to generate")
    parser.add_argument("--repeat", type=int, help="timed runs per case (the median counts)")
    parser.add_argument("--explain", type=Path, help="write EXPLAIN ANALYZE plans to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--profile",
        metavar="CASE",
        help="list the report page's statements and profile it with cProfile in one case, "
        'e.g. "month by project"',
    )
    args = parser.parse_args()
    args.entries = args.entries or (50_000 if args.quick else 1_000_000)
    args.repeat = args.repeat or (3 if args.quick else 5)
    return args


def _money(value: Decimal | float | None) -> str:
    amount = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def hand_answer(group_by: str, start: date, end: date, tz: ZoneInfo) -> dict[str, Any]:
    """Rows and totals in the API's shape, from one hand-written query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL[group_by], hand_params(start, end, tz))
        fetched = cursor.fetchall()
    rows = [
        {
            "key": key.isoformat() if isinstance(key, date) else key,
            "label": label.isoformat() if isinstance(label, date) else label,
            "seconds": round(seconds or 0),
            "billable_seconds": round(billable or 0),
            "billable_amount": _money(amount),
        }
        for key, label, seconds, billable, amount in fetched
    ]
    totals = {
        "seconds": round(sum(r[2] or 0 for r in fetched)),
        "billable_seconds": round(sum(r[3] or 0 for r in fetched)),
        "billable_amount": _money(sum((r[4] or Decimal(0) for r in fetched), Decimal(0))),
    }
    return {"rows": rows, "totals": totals}


def hand_params(start: date, end: date, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "start": datetime.combine(start, dtime.min, tzinfo=tz),
        "end": datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=tz),
        "first": start,
        "last": end,
        "tz": tz.key,
    }


def same_answer(api: dict[str, Any], hand: dict[str, Any]) -> bool:
    """Equal keys, labels and seconds (within a second of float rounding), money to a cent."""

    def close(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return (
            abs(a["seconds"] - b["seconds"]) <= 1
            and abs(a["billable_seconds"] - b["billable_seconds"]) <= 1
            and abs(Decimal(str(a["billable_amount"])) - Decimal(b["billable_amount"]))
            <= Decimal("0.01")
        )

    if len(api["rows"]) != len(hand["rows"]) or not close(api["totals"], hand["totals"]):
        return False
    return all(
        str(a["key"]) == str(b["key"]) and str(a["label"]) == str(b["label"]) and close(a, b)
        for a, b in zip(api["rows"], hand["rows"], strict=True)
    )


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def explain(sql: str, params: Any = None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def scans(plan: str) -> str:
    """The scan nodes of a plan, for a one-line summary."""
    found = []
    for line in plan.splitlines():
        text = line.strip().lstrip("->").strip()
        if " Scan " in f" {text}" and " on timers_timeentry" in text:
            found.append(text.split("  (")[0])
    return "; ".join(dict.fromkeys(found)) or "?"


def main() -> None:
    args = parse()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("bench-reports"))
        db_url = stack.enter_context(common.scratch_database(keep=args.keep))
        print(f"load average at start: {common.load_average()}")
        common.setup_django(tmp, db_url)
        size = seed.Size(users=50, projects=500, tasks=5000, entries=args.entries, days=730)
        seeded = seed.seed(db_url, size, end=END)
        print(
            f"generated {size.entries:,} entries ({size.users} users, {size.projects} projects, "
            f"{size.tasks:,} tasks, {size.days} days) with COPY in {seeded.copy_seconds:.1f} s "
            f"({size.entries / seeded.copy_seconds:,.0f} rows/s); VACUUM ANALYZE "
            f"{seeded.vacuum_seconds:.1f} s"
        )
        admin = seed.accounts(seeded, [], admin_timezone=TIMEZONE)[0]
        run_cases(args, admin.user_id)


def run_cases(args: argparse.Namespace, admin_id: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from apps.timers.models import TimeEntry

    print("indexes on timers_timeentry: " + ", ".join(index_names()))
    admin = get_user_model().objects.get(pk=admin_id)
    client = APIClient()
    client.force_authenticate(user=admin)
    browser = Client()
    browser.force_login(admin)
    page_ratios: dict[str, float] = {}
    api_medians: dict[str, float] = {}
    page_medians: dict[str, float] = {}
    tz = ZoneInfo(TIMEZONE)
    rows: list[list[object]] = []
    ratios: dict[str, float] = {}
    year_by_day = 0.0
    plans: list[str] = []
    all_same = True
    for period, (start, end) in PERIODS.items():
        in_period = TimeEntry.objects.filter(
            started_at__gte=datetime.combine(start, dtime.min, tzinfo=tz),
            started_at__lt=datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=tz),
        ).count()
        for group_by in GROUPINGS:
            url = f"/api/v1/reports/summary/?start={start}&end={end}&group_by={group_by}"

            def api(url: str = url) -> dict[str, Any]:
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
                return dict(response.json())

            def hand(group_by: str = group_by, start: date = start, end: date = end) -> Any:
                return hand_answer(group_by, start, end, tz)

            page_url = f"/reports/?start={start}&end={end}&group_by={group_by}"

            def page(url: str = page_url) -> None:
                response = browser.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")

            with CaptureQueriesContext(connection) as captured:
                answer = api()
            own_sql = [
                q["sql"]
                for q in captured.captured_queries
                if "timers_timeentry" in q["sql"] and "SUM(" in q["sql"].upper()
            ]

            def replay(own_sql: list[str] = own_sql) -> None:
                with connection.cursor() as cursor:
                    for sql in own_sql:
                        cursor.execute(sql)
                        cursor.fetchall()

            same = same_answer(answer, hand())
            all_same = all_same and same
            replay()
            page()
            api_times, sql_times, own_times, page_times = [], [], [], []
            for _ in range(args.repeat):  # interleaved, so drift falls on all alike
                api_times.append(timed(api)[0])
                own_times.append(timed(replay)[0])
                sql_times.append(timed(hand)[0])
                page_times.append(timed(page)[0])
            api_t, own_t, sql_t, page_t = (
                common.median(t) for t in (api_times, own_times, sql_times, page_times)
            )
            ratio = api_t / sql_t
            case = f"{period} by {group_by}"
            ratios[case] = ratio
            page_ratios[case] = page_t / api_t
            api_medians[case] = api_t
            page_medians[case] = page_t
            if period == "year" and group_by == "day":
                year_by_day = api_t
            hand_plan = explain(HAND_SQL[group_by], hand_params(start, end, tz))
            own_plans = [explain(sql) for sql in own_sql]
            rows.append(
                [
                    case,
                    f"{in_period:,}",
                    len(answer["rows"]),
                    common.ms(api_t),
                    f"{common.ms(own_t)} ({len(own_sql)} queries)",
                    common.ms(sql_t),
                    f"{ratio:.2f}",
                    "yes" if same else "NO",
                    common.ms(page_t),
                    f"{page_t / api_t:.2f}",
                ]
            )
            print(
                f"  {case}: API {common.ms(api_t)}, its SQL {common.ms(own_t)}, "
                f"hand SQL {common.ms(sql_t)}, page {common.ms(page_t)}; "
                f"scans: {scans(own_plans[0]) if own_plans else '?'}"
                f" | hand: {scans(hand_plan)}",
                flush=True,
            )
            if args.profile == case:
                profile_page(page, page_url)
            if args.explain:
                plans.append(f"## {case}\n")
                for n, (sql, plan) in enumerate(zip(own_sql, own_plans, strict=True), start=1):
                    plans.append(f"### the report's query {n}\n\n{sql}\n\n{plan}\n")
                hand_sql = HAND_SQL[group_by].strip()
                plans.append(f"### hand-written SQL\n\n{hand_sql}\n\n{hand_plan}\n")
    # The page shows three groupings: its table's, hours per day (or per month, summed
    # from the days) and hours per project. "page / APIs shown" compares it with the API
    # calls that give the same numbers (each grouping once, timed in its own case above);
    # the goal is judged by "page / API", the one call of the table's grouping.
    shown_ratios: dict[str, float] = {}
    for row in rows:
        case = str(row[0])
        period, group_by = case.split(" by ")
        shown = sum(
            api_medians[f"{period} by {g}"] for g in dict.fromkeys((group_by, "day", "project"))
        )
        shown_ratios[case] = page_medians[case] / shown
        row.append(f"{shown_ratios[case]:.2f}")
    print()
    print(
        common.table(
            [
                "case",
                "entries",
                "rows",
                "API",
                "its SQL",
                "hand SQL",
                "API / SQL",
                "same answer",
                "page",
                "page / API",
                "page / APIs shown",
            ],
            rows,
        )
    )
    if args.explain:
        args.explain.write_text("\n".join(plans))
        print(f"\nplans written to {args.explain}")
    print(f"load average at end: {common.load_average()}")
    worst_case, worst = max(ratios.items(), key=lambda item: item[1])
    page_case, page_worst = max(page_ratios.items(), key=lambda item: item[1])
    shown_case, shown_worst = max(shown_ratios.items(), key=lambda item: item[1])
    print(
        f"worst report page / the API calls it shows {shown_worst:.2f} ({shown_case}; "
        "information only: the goal is judged by page / API, the table's one call)"
    )
    met = (
        worst <= GOAL_RATIO
        and page_worst <= GOAL_PAGE
        and year_by_day < GOAL_YEAR_BY_DAY
        and all_same
    )
    print(
        f"ratio {worst:.2f} = worst API / hand-written SQL ({worst_case}; goal <= {GOAL_RATIO}); "
        f"worst report page / API {page_worst:.2f} ({page_case}; goal <= {GOAL_PAGE}); "
        f"year by day {year_by_day:.2f} s (goal < {GOAL_YEAR_BY_DAY:.0f} s); answers "
        f"{'equal' if all_same else 'DIFFER'}: {common.verdict(met)}"
    )


def profile_page(page: Callable[[], None], url: str) -> None:
    """The page's statements (time, start of the SQL), then where its Python time goes."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page()
    print(f"  {url}: {len(captured.captured_queries)} statements")
    for query in captured.captured_queries:
        print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")
    profile = cProfile.Profile()
    profile.enable()
    page()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
    print(out.getvalue(), flush=True)


def index_names() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'timers_timeentry' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


if __name__ == "__main__":
    main()
