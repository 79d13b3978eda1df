"""Benchmark 1: what analytics costs on the request path.

Three gunicorn servers (2 workers each) share one PostgreSQL database:

* ``off``: no log file, no metrics, no PostHog, no Sentry (``bench.settings``);
* ``on``: the project's settings with everything on: the JSON log file, metrics, the
  PostHog sink sending to a local fake PostHog that answers, Sentry sending to a local
  fake endpoint;
* ``hang``: the same, but the fake PostHog never answers.

The same request mix (timer start and stop through the API, the dashboard, the entry
list, the report page, a month's summary through the API) runs against them in
interleaved rounds whose order rotates, so drift on the machine falls on all three alike.
The last line is the worst of the judged ratios: p50 and p99 on/off, and p99 hang/on.

``--tracing`` adds a server with Sentry tracing on (every request sampled), priced but not
judged; ``--breakdown`` adds servers that each turn one part off.

    python -m bench.analytics_cost [--quick] [--rounds N] [--iterations N] [--clients N]
        [--tracing] [--breakdown]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import common, load, seed

MODES = ("off", "on", "hang")
GOAL = 1.05


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (bench-quick)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per server")
    parser.add_argument("--iterations", type=int, help="mix iterations per client and round")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients (users)")
    parser.add_argument("--entries", type=int, help="time entries in the database")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also run servers with one part off each (sentry, posthog, logs, metrics, context)",
    )
    parser.add_argument(
        "--tracing",
        action="store_true",
        help="also run a server with Sentry tracing on (SENTRY_TRACES_SAMPLE_RATE=1.0)",
    )
    args = parser.parse_args()
    # Many short rounds: whatever else the machine does falls on all three servers alike.
    args.rounds = args.rounds or (10 if args.quick else 40)
    args.iterations = args.iterations or (1 if args.quick else 3)
    args.entries = args.entries or (20_000 if args.quick else 100_000)
    return args


@dataclass
class Fakes:
    """``python -m bench.fakes`` in a process of its own."""

    process: subprocess.Popen[str]
    urls: dict[str, str]

    @classmethod
    @contextlib.contextmanager
    def start(cls, tmp: Path) -> Iterator[Fakes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.fakes"],
            cwd=common.ROOT,
            env={**os.environ, "PYTHONPATH": str(common.ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise RuntimeError("bench.fakes did not start")
            yield cls(process, json.loads(line))
        finally:
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stats(self) -> dict[str, int]:
        if self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("bench.fakes has no pipes")
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))


def worker_cpu_seconds(server: common.Server) -> float:
    """User plus system CPU time its workers (every thread: PostHog's uploader, the log
    handlers) have used so far. Unlike a latency it hardly depends on what else the machine
    runs, so the on/off difference per request is the cost itself, not the run queue's."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in server.worker_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def server_errors(log: Path, gunicorn_log: Path, limit: int = 3) -> list[str]:
    """The first error lines of a server's JSON log (with their exception), then of
    gunicorn's own output."""
    found: list[str] = []
    for path in (log, gunicorn_log):
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if '"level": "ERROR"' in line or line.startswith(("Traceback", "[ERROR]")):
                found.append(line[:2000])
                if len(found) >= limit:
                    return found
    return found


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def main() -> None:
    args = parse()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("bench-analytics"))
        db_url = stack.enter_context(common.scratch_database())
        common.setup_django(tmp / "driver", db_url)
        size = seed.Size(users=10, projects=50, tasks=500, entries=args.entries, days=365)
        seeded = seed.seed(db_url, size, end=datetime.now(tz=UTC) - timedelta(hours=1))
        print(
            f"data: {size.entries:,} entries, {size.users} users, {size.projects} projects "
            f"(COPY {seeded.copy_seconds:.1f} s)"
        )
        accounts = seed.accounts(seeded, list(range(1, args.clients + 1)))[1:]
        from waffle.models import Switch

        Switch.objects.update_or_create(name="analytics-posthog", defaults={"active": True})
        common.close_django_connections()

        fakes = stack.enter_context(Fakes.start(tmp))
        sentry_dsn = fakes.urls["sentry"].replace("http://", "http://public@") + "/1"
        print(f"load average at start: {common.load_average()}")
        envs = {
            "off": common.app_env(tmp / "off", db_url, mode="off"),
            "on": common.app_env(
                tmp / "on",
                db_url,
                mode="on",
                POSTHOG_API_KEY="phc_bench",
                POSTHOG_HOST=fakes.urls["posthog_ok"],
                SENTRY_DSN=sentry_dsn,
            ),
            "hang": common.app_env(
                tmp / "hang",
                db_url,
                mode="on",
                POSTHOG_API_KEY="phc_bench",
                POSTHOG_HOST=fakes.urls["posthog_hang"],
                SENTRY_DSN=sentry_dsn,
            ),
        }
        on_extra = {
            "POSTHOG_API_KEY": "phc_bench",
            "POSTHOG_HOST": fakes.urls["posthog_ok"],
            "SENTRY_DSN": sentry_dsn,
        }
        modes = list(MODES)
        if args.breakdown:
            for part in ("sentry", "posthog", "logs", "metrics", "context"):
                mode = f"on-without-{part}"
                extra = {
                    k: v
                    for k, v in on_extra.items()
                    if not (part == "sentry" and k == "SENTRY_DSN")
                }
                settings_mode = "on" if part == "sentry" else mode
                envs[mode] = common.app_env(tmp / mode, db_url, mode=settings_mode, **extra)
                modes.append(mode)
        if args.tracing:
            envs["traced"] = common.app_env(
                tmp / "traced", db_url, mode="on", SENTRY_TRACES_SAMPLE_RATE="1.0", **on_extra
            )
            modes.append("traced")
        servers = stack.enter_context(
            common.gunicorns({mode: (tmp / mode, envs[mode], 2) for mode in modes})
        )
        print(
            f"servers: {len(modes)} x gunicorn, 2 workers each; {args.clients} concurrent "
            f"clients; {args.rounds} rounds x {args.iterations} iterations x "
            f"{len(load.analytics_mix(accounts[0], 0))} requests per server"
        )
        for mode in modes:  # warm-up: imports, connections, caches; not measured
            load.drive(servers[mode].url, accounts, iterations=2, mix=load.analytics_mix)
        samples = {mode: load.Sample() for mode in modes}
        cpu_start = {mode: worker_cpu_seconds(servers[mode]) for mode in modes}
        for r in range(args.rounds):
            shift = r % len(modes)
            order = modes[shift:] + modes[:shift]
            if r % 2:
                order.reverse()
            for mode in order:
                samples[mode].add(
                    load.drive(
                        servers[mode].url,
                        accounts,
                        iterations=args.iterations,
                        mix=load.analytics_mix,
                    )
                )
        time.sleep(0.5)
        cpu = {
            mode: (worker_cpu_seconds(servers[mode]) - cpu_start[mode])
            / max(samples[mode].requests, 1)
            for mode in modes
        }
        if args.breakdown or args.tracing:
            breakdown(samples, cpu)
        report(samples, servers, tmp, fakes.stats(), cpu)


def breakdown(samples: dict[str, load.Sample], cpu: dict[str, float]) -> None:
    """Each extra server against everything on and everything off (p50, p99, mean, and
    the workers' CPU per request, which the machine's load hardly moves)."""
    on, off = samples["on"], samples["off"]
    rows = []
    for mode, s in samples.items():
        if mode == "hang":
            continue
        rows.append(
            [
                mode,
                common.ms(common.percentile(s.latencies, 50)),
                common.ms(common.percentile(s.latencies, 99)),
                common.ms(common.mean(s.latencies)),
                common.ms(common.mean(on.latencies) - common.mean(s.latencies)),
                f"{common.percentile(s.latencies, 50) / common.percentile(off.latencies, 50):.3f}",
                f"{common.percentile(s.latencies, 99) / common.percentile(off.latencies, 99):.3f}",
                common.ms(cpu[mode]),
                common.ms(cpu["on"] - cpu[mode]),
            ]
        )
    print()
    print(
        common.table(
            [
                "server",
                "p50",
                "p99",
                "mean",
                "mean saved vs on",
                "p50 / off",
                "p99 / off",
                "CPU / request",
                "CPU saved vs on",
            ],
            rows,
        )
    )


def report(
    samples: dict[str, load.Sample],
    servers: dict[str, common.Server],
    tmp: Path,
    fakes: dict[str, int],
    cpu: dict[str, float],
) -> None:
    rows = []
    stats: dict[str, dict[str, float]] = {}
    print(f"load average at end: {common.load_average()}")
    for mode in MODES:
        s = samples[mode]
        stats[mode] = {q: common.percentile(s.latencies, q) for q in (50, 95, 99)}
        peaks = servers[mode].peak_rss_kib()
        rows.append(
            [
                mode,
                f"{s.requests:,}",
                common.ms(stats[mode][50]),
                common.ms(stats[mode][95]),
                common.ms(stats[mode][99]),
                f"{s.throughput:.1f}",
                sum(s.failures.values()),
                " / ".join(common.mib(p) for p in peaks),
                common.ms(cpu[mode]),
            ]
        )
    print()
    print(
        common.table(
            [
                "server",
                "requests",
                "p50",
                "p95",
                "p99",
                "req/s",
                "failed",
                "peak RSS of workers",
                "workers' CPU / request",
            ],
            rows,
        )
    )
    print()
    step_rows = []
    for name in samples["off"].by_step:
        values = {mode: samples[mode].by_step.get(name, []) for mode in MODES}
        step_rows.append(
            [name]
            + [common.ms(common.percentile(values[m], 50)) for m in MODES]
            + [common.ms(common.percentile(values[m], 99)) for m in MODES]
        )
    print(
        common.table(
            ["request", *(f"p50 {m}" for m in MODES), *(f"p99 {m}" for m in MODES)], step_rows
        )
    )
    for mode in MODES:
        if samples[mode].failures:
            print(f"failed requests ({mode}): {dict(samples[mode].failures)}")
            # The cause, before the temporary directory and its logs are gone.
            for line in server_errors(tmp / mode / "logs" / "app.jsonl", servers[mode].log):
                print(f"  {mode}: {line}")
        if servers[mode].replaced_workers():
            print(f"workers replaced ({mode}): {servers[mode].replaced_workers()}")
    print(
        f"\nwhat 'on' did: {count_lines(tmp / 'on' / 'logs' / 'app.jsonl'):,} lines in the "
        f"JSON log file; fake PostHog received {fakes['posthog_ok_events']:,} events; the "
        f"hanging one held {fakes['posthog_hang_uploads']} uploads; fake Sentry received "
        f"{fakes['sentry_envelopes']} envelopes"
    )
    print(
        "what 'off' did: "
        f"{count_lines(tmp / 'off' / 'logs' / 'app.jsonl'):,} lines in the JSON log file"
    )
    ratios = {
        "p50 on/off": stats["on"][50] / stats["off"][50],
        "p99 on/off": stats["on"][99] / stats["off"][99],
        "p99 hang/on": stats["hang"][99] / stats["on"][99],
    }
    throughput = samples["on"].throughput / samples["off"].throughput
    print(
        f"CPU per request on/off {cpu['on'] / cpu['off']:.3f} ({common.ms(cpu['on'])} against "
        f"{common.ms(cpu['off'])}; not the goal's measure, but the one load hardly moves)"
    )
    print(
        f"ratios: p50 on/off {ratios['p50 on/off']:.3f}, p95 on/off "
        f"{stats['on'][95] / stats['off'][95]:.3f}, p99 on/off {ratios['p99 on/off']:.3f}, "
        f"throughput on/off {throughput:.3f}; p50 hang/on "
        f"{stats['hang'][50] / stats['on'][50]:.3f}, p99 hang/on {ratios['p99 hang/on']:.3f}"
    )
    failed = sum(sum(s.failures.values()) for s in samples.values())
    worst_name, worst = max(ratios.items(), key=lambda item: item[1])
    met = worst <= GOAL and failed == 0
    print(
        f"ratio {worst:.3f} = worst of "
        + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items())
        + f" (goal each <= {GOAL}; {failed} failed requests): {common.verdict(met)}"
        + ("" if met else f", worst is {worst_name}")
    )


if __name__ == "__main__":
    main()
