"""What each part of observability costs in CPU time, in process (issue 15, goal 1).

``bench.analytics_cost`` judges the goal by latencies through gunicorn, which on a busy
machine are mostly the wait for a core. This one measures the other side: the CPU time
(every thread of the process: PostHog's uploader and the log handlers included) that the
request mix costs with everything off, everything on, and everything on but one part.
Each variant runs in a fresh process of its own on its own SQLite database, through
Django's test client (the whole middleware stack, no HTTP server), and the variants are
run in interleaved rounds; the figure per variant is the median over the rounds.

    python -m bench.analytics_cpu [--rounds 3] [--iterations 60]

The last line is the CPU ratio on/off over the mix. It is not the goal's measure (the
goal is latency), but it says what the parts cost, which load hardly changes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench import common

VARIANTS = (
    "off",
    "on",
    "on-without-sentry",
    "on-without-posthog",
    "on-without-logs",
    "on-without-metrics",
    "on-without-context",
)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and iterations")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=60, help="mixes per variant and round")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args()


def child(iterations: int) -> None:
    """One variant: seed, warm up, then time the mix in CPU seconds per request."""
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.core.management import call_command
    from django.test import Client
    from waffle.models import Switch

    call_command("migrate", "--noinput", verbosity=0)
    from tests.factories import ProjectFactory, TimeEntryFactory, UserFactory

    user = UserFactory(username="bench", is_superuser=True, is_staff=True)
    projects = [ProjectFactory(name=f"Project {n}") for n in range(10)]
    now = datetime.now(tz=UTC)
    for n in range(300):
        start = now - timedelta(hours=n * 3 + 2)
        TimeEntryFactory(
            user=user,
            project=projects[n % 10],
            started_at=start,
            ended_at=start + timedelta(hours=1),
        )
    Switch.objects.update_or_create(name="analytics-posthog", defaults={"active": True})
    client = Client()
    client.force_login(user)
    month = (now.date() - timedelta(days=30)).isoformat()
    today = now.date().isoformat()
    summary = f"start={month}&end={today}&group_by=project"
    steps = [
        ("timer start", "post", "/api/v1/timer/start/", {"project": projects[0].pk}),
        ("dashboard", "get", "/", None),
        ("entry list", "get", "/entries/", None),
        ("report page", "get", "/reports/", None),
        (
            "summary report",
            "get",
            f"/api/v1/reports/summary/?{summary}",
            None,
        ),
        ("timer stop", "post", "/api/v1/timer/stop/", {}),
    ]

    def mix() -> dict[str, float]:
        spent = {}
        for name, method, path, body in steps:
            started = time.process_time()
            if method == "post":
                response = client.post(path, body, content_type="application/json")
            else:
                response = client.get(path)
            spent[name] = time.process_time() - started
            if response.status_code >= 400:
                raise SystemExit(f"{name}: {response.status_code}")
        return spent

    for _ in range(10):  # imports, caches, connections: not measured
        mix()
    by_step: dict[str, float] = dict.fromkeys((s[0] for s in steps), 0.0)
    started = time.process_time()
    for _ in range(iterations):
        for name, spent in mix().items():
            by_step[name] += spent
    time.sleep(1.0)  # let the background threads (PostHog's upload) finish their share
    total = time.process_time() - started
    requests = iterations * len(steps)
    print(
        json.dumps(
            {
                "per_request": total / requests,
                "by_step": {k: v / iterations for k, v in by_step.items()},
            }
        ),
        flush=True,
    )


def main() -> None:
    args = parse()
    if args.child:
        child(int(args.child))
        return
    rounds, iterations = (2, 20) if args.quick else (args.rounds, args.iterations)
    from bench.analytics_cost import Fakes

    with common.temp_dir("bench-cpu") as tmp, Fakes.start(tmp) as fakes:
        sentry_dsn = fakes.urls["sentry"].replace("http://", "http://public@") + "/1"
        print(f"load average at start: {common.load_average()}")
        results: dict[str, list[dict[str, object]]] = {v: [] for v in VARIANTS}
        for r in range(rounds):
            order = list(VARIANTS[r % len(VARIANTS) :] + VARIANTS[: r % len(VARIANTS)])
            for variant in order:
                where = tmp / f"{variant}-{r}"
                mode = "on" if variant == "on-without-sentry" else variant
                extra = {}
                if variant != "off":
                    extra = {
                        "POSTHOG_API_KEY": "phc_bench",
                        "POSTHOG_HOST": fakes.urls["posthog_ok"],
                    }
                    if variant != "on-without-sentry":
                        extra["SENTRY_DSN"] = sentry_dsn
                db = f"sqlite:///{where / 'db.sqlite3'}"
                env = common.app_env(where, db, mode=mode, **extra)
                done = subprocess.run(
                    [sys.executable, "-m", "bench.analytics_cpu", "--child", str(iterations)],
                    env={**env, "PYTHONPATH": str(common.ROOT)},
                    cwd=common.ROOT,
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
                if done.returncode != 0:
                    raise SystemExit(f"{variant}: {done.stdout[-2000:]}{done.stderr[-4000:]}")
                results[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"load average at end: {common.load_average()}")
        median = {
            v: statistics.median(float(str(x["per_request"])) for x in results[v]) for v in VARIANTS
        }
        rows = []
        for variant in VARIANTS:
            rows.append(
                [
                    variant,
                    common.ms(median[variant]),
                    f"{median[variant] / median['off']:.3f}",
                    "" if variant in ("off", "on") else common.ms(median["on"] - median[variant]),
                ]
            )
        print()
        print(common.table(["variant", "CPU / request", "/ off", "saved vs on"], rows))
        steps = list(results["off"][0]["by_step"])  # type: ignore[call-overload]
        step_rows = []
        for step in steps:
            off = statistics.median(x["by_step"][step] for x in results["off"])  # type: ignore[index]
            on = statistics.median(x["by_step"][step] for x in results["on"])  # type: ignore[index]
            step_rows.append([step, common.ms(off), common.ms(on), f"{on / off:.3f}"])
        print()
        print(common.table(["request", "CPU off", "CPU on", "on / off"], step_rows))
        print(
            f"ratio {median['on'] / median['off']:.3f} = CPU per request on/off over the mix "
            f"({rounds} rounds x {iterations} mixes; background threads included)"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
