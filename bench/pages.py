"""Benchmark: pages flat in data (issue 15, goal 2).

Two gunicorn servers (2 workers each, observability off: this prices the pages, not the
monitoring) serve two PostgreSQL databases that differ only in size:

* ``small``: 1,000 entries in total, 5 open tasks, 5 entries today for the measured user;
* ``large``: 1,000,000 entries (100,000 with ``--quick``), 500 open tasks over 50 projects,
  600 entries today for the measured user.

One client (a member) repeats the page mix: the dashboard, the entry list, the report page,
the project page of a project it uses, and the new-entry form. The two servers are driven
in interleaved rounds whose order alternates, so load on the machine falls on both alike.
The last line is the worst large/small p50 ratio of the pages (goal <= 1.2 each).

    python -m bench.pages [--quick] [--rounds N] [--iterations N] [--entries N] [--profile]

Each database is prepared in a child process (``--prepare``), so the driver needs no Django.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import common, load, seed

GOAL = 1.2
USER_ID = 1  # the measured member (seeded users are 1..10)
SIZES = {
    # name: (projects, open tasks, entries today)
    "small": (5, 5, 5),
    "large": (50, 500, 600),
}
SMALL_ENTRIES = 1_000


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (bench-quick)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per server")
    parser.add_argument("--iterations", type=int, help="mix iterations per round")
    parser.add_argument("--entries", type=int, help="entries in total in the large database")
    parser.add_argument("--prepare", nargs=2, metavar=("SIZE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.rounds = args.rounds or (8 if args.quick else 30)
    args.iterations = args.iterations or (2 if args.quick else 3)
    args.entries = args.entries or (100_000 if args.quick else 1_000_000)
    return args


def _todays_entries(db_url: str, *, user_id: int, tz: str, count: int) -> None:
    """``count`` finished entries of today (in the user's time zone), before now."""
    import psycopg

    now = datetime.now(tz=UTC).replace(microsecond=0)
    midnight = now.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0)
    start = max(midnight.astimezone(UTC), now - timedelta(hours=10))
    step = (now - start) / (count + 1)
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT project_id FROM timers_timeentry WHERE user_id = %s LIMIT 1", (user_id,)
        )
        row = cur.fetchone()
        project = row[0] if row else 1
        cur.executemany(
            "INSERT INTO timers_timeentry (user_id, project_id, started_at, ended_at, notes, "
            "billable, source, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, true, 'manual', %s, %s)",
            [
                (user_id, project, start + step * n, start + step * n + step / 2,
                 f"today {n}", now, now)
                for n in range(count)
            ],
        )  # fmt: skip
        conn.execute("ANALYZE timers_timeentry")


def prepare(size_name: str, tmp: Path, entries: int) -> None:
    """In a child process: migrate, seed, add today's entries; print the account as JSON."""
    db_url = common.database_url(f"_{size_name}")
    common.setup_django(tmp, db_url)
    projects, tasks, today = SIZES[size_name]
    size = seed.Size(
        users=10,
        projects=projects,
        tasks=tasks,
        entries=entries,
        days=365,
        clients=min(50, projects),
    )
    seeded = seed.seed(db_url, size, end=datetime.now(tz=UTC) - timedelta(hours=12))
    tz = seed.TIMEZONES[USER_ID % len(seed.TIMEZONES)]
    _todays_entries(db_url, user_id=USER_ID, tz=tz, count=today)
    account = _session_account(seeded, USER_ID)
    queries = _query_counts(account)
    common.close_django_connections()
    print(json.dumps({"account": account.__dict__, "queries": queries}))


def _query_counts(account: seed.Account) -> dict[str, int]:
    """Queries each page of the mix issues here, in process, on a warm second request
    (goal 5: the same count whatever the data size)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(pk=account.user_id))
    counts = {}
    for step in pages_mix(account, 0):
        client.get(step.path)
        with CaptureQueriesContext(connection) as captured:
            status = client.get(step.path).status_code
        counts[step.name] = len(captured.captured_queries) if status == 200 else -status
    return counts


def _session_account(seeded: seed.Seeded, user_id: int) -> seed.Account:
    """An admin (so first-run setup is done) and a session for the member: pages only need
    a session (``seed.accounts`` also makes API tokens)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.models import Profile, Role

    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "admin@example.com", None)
    Profile.objects.update_or_create(user=admin, defaults={"role": Role.ADMIN})
    user = user_model.objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return seed.Account(
        user_id=user.pk,
        username=user.get_username(),
        token="",
        session=str(session.session_key),
        project_ids=seeded.project_ids_by_user.get(user.pk, []),
    )


def pages_mix(account: seed.Account, iteration: int) -> list[load.Step]:
    project = account.project_ids[0]
    return [
        load.Step("dashboard", "GET", "/", auth="session"),
        load.Step("entry list", "GET", "/entries/", auth="session"),
        load.Step("report page", "GET", "/reports/", auth="session"),
        load.Step("project page", "GET", f"/projects/{project}/", auth="session"),
        load.Step("entry form", "GET", "/entries/new/", auth="session"),
    ]


def main() -> None:
    args = parse()
    if args.prepare:
        name, directory = args.prepare
        entries = SMALL_ENTRIES if name == "small" else args.entries
        prepare(name, Path(directory), entries)
        return
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("bench-pages"))
        urls = {name: stack.enter_context(common.scratch_database(suffix=f"_{name}"))
                for name in SIZES}  # fmt: skip
        accounts: dict[str, seed.Account] = {}
        queries: dict[str, dict[str, int]] = {}
        for name in SIZES:
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "bench.pages", "--prepare", name, str(tmp / f"prep-{name}"),
                 "--entries", str(args.entries)],
                cwd=common.ROOT, capture_output=True, text=True,
                env={**os.environ, "BENCH_SECRET_KEY": common.SECRET_KEY},
            )  # fmt: skip
            if out.returncode:
                raise SystemExit(f"preparing {name} failed:\n{out.stderr[-3000:]}")
            prepared = json.loads(out.stdout.strip().splitlines()[-1])
            accounts[name] = seed.Account(**prepared["account"])
            queries[name] = prepared["queries"]
            print(f"{name}: prepared in {time.perf_counter() - started:.1f} s")
        projects = {n: accounts[n].project_ids for n in SIZES}
        # The same project page in both: the first project the user works on.
        print(
            f"small: {SMALL_ENTRIES:,} entries, {SIZES['small'][1]} open tasks, "
            f"{SIZES['small'][2]} entries today; large: {args.entries:,} entries, "
            f"{SIZES['large'][1]} open tasks, {SIZES['large'][2]} entries today "
            f"(user {USER_ID}, projects {projects['small'][:1]} / {projects['large'][:1]})"
        )
        print(f"load average at start: {common.load_average()}")
        servers = stack.enter_context(
            common.gunicorns(
                {n: (tmp / n, common.app_env(tmp / n, urls[n], mode="off"), 2) for n in SIZES}
            )
        )
        names = list(SIZES)
        for name in names:  # the pages must answer, not redirect to a login or setup page
            status, body = servers[name].get_with_session("/", accounts[name].session)
            if status != 200:
                raise SystemExit(f"{name}: the dashboard answered {status}: {body[:300]!r}")
        for name in names:  # warm-up, not measured
            load.drive(servers[name].url, [accounts[name]], iterations=2, mix=pages_mix)
        samples = {name: load.Sample() for name in names}
        for r in range(args.rounds):
            order = names if r % 2 == 0 else names[::-1]
            for name in order:
                samples[name].add(
                    load.drive(
                        servers[name].url,
                        [accounts[name]],
                        iterations=args.iterations,
                        mix=pages_mix,
                    )
                )
        report(samples, args, queries)


def report(
    samples: dict[str, load.Sample],
    args: argparse.Namespace,
    queries: dict[str, dict[str, int]],
) -> None:
    print(f"load average at end: {common.load_average()}")
    print(f"{args.rounds} rounds x {args.iterations} iterations per server, 1 client\n")
    rows = []
    ratios: dict[str, float] = {}
    for step in samples["small"].by_step:
        small, large = samples["small"].by_step[step], samples["large"].by_step.get(step, [])
        p50s, p50l = common.percentile(small, 50), common.percentile(large, 50)
        p99s, p99l = common.percentile(small, 99), common.percentile(large, 99)
        ratios[step] = p50l / p50s
        rows.append(
            [step, len(small), common.ms(p50s), common.ms(p50l), f"{ratios[step]:.2f}",
             common.ms(p99s), common.ms(p99l), f"{p99l / p99s:.2f}"]
        )  # fmt: skip
    print(
        common.table(
            ["page", "requests", "p50 small", "p50 large", "p50 ratio", "p99 small",
             "p99 large", "p99 ratio"],
            rows,
        )
    )  # fmt: skip
    failed = {n: dict(s.failures) for n, s in samples.items() if s.failures}
    if failed:
        print(f"failed requests: {failed}")
    print()
    print(
        common.table(
            ["page", "queries small", "queries large"],
            [[step, queries["small"].get(step), queries["large"].get(step)] for step in ratios],
        )
    )
    same = all(
        queries["small"].get(step) == queries["large"].get(step) and queries["small"][step] > 0
        for step in ratios
    )
    print(
        "goal 5 (query counts fixed): "
        + ("met, every page issues as many queries on both sizes" if same else "NOT met")
        + " (kept by apps/web/tests/test_queries.py and the API list tests)"
    )
    worst_name, worst = max(ratios.items(), key=lambda item: item[1])
    met = all(r <= GOAL for r in ratios.values()) and not failed
    print(
        f"ratio {worst:.3f} = worst large/small p50 of "
        + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
        + f" (goal each <= {GOAL}): {common.verdict(met)}"
        + ("" if met else f", worst is {worst_name}")
    )


if __name__ == "__main__":
    main()
