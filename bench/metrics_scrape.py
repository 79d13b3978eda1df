"""Benchmark 3: how long a Prometheus scrape of /metrics takes after real traffic.

gunicorn with 4 workers in multiprocess mode (the project's gunicorn.conf.py) serves
every view of the URL map, found by walking Django's resolver, several times over with
4 concurrent clients (so every worker writes metrics for every view), plus timer starts
and stops through the API (every catalogue event and drop reason is exported from 0 by
every worker at start, so all their series are in the scrape). Then /metrics is scraped
100 times, one after the other as Prometheus would. The table shows where the bytes are,
family by family; the last line is issue 15's goal 4: a scrape of at most 150 KB and a
p99 at most twice the median.

    python -m bench.metrics_scrape [--quick] [--passes N] [--scrapes N]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import common, load, seed

GOAL_BYTES = 150_000
GOAL_SPREAD = 2.0
CANDIDATES = ("1", "csv")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer passes (bench-quick)")
    parser.add_argument("--passes", type=int, help="times every view is requested")
    parser.add_argument("--scrapes", type=int, default=100, help="scrapes to time")
    args = parser.parse_args()
    args.passes = args.passes or (1 if args.quick else 6)
    return args


def _template(pattern: object) -> tuple[str, list[list[str]]]:
    """A path template with ``{}`` for each parameter, and the candidate values of each."""
    text = str(pattern)
    choices: list[list[str]] = []
    if "(?P<" in text or text.startswith("^"):

        def group(match: re.Match[str]) -> str:
            body = match.group(2)
            plain = re.fullmatch(r"[\w-]+(\|[\w-]+)*", body)
            choices.append(body.split("|")[:1] if plain else list(CANDIDATES))
            return "{}"

        text = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, text)
        text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("/?", "/")
        text = text.replace("\\.", ".").replace("\\", "")
    else:

        def converter(match: re.Match[str]) -> str:
            choices.append(list(CANDIDATES))
            return "{}"

        text = re.sub(r"<(?:\w+:)?\w+>", converter, text)
    return text, choices


def example_paths() -> list[str]:
    """One concrete path for every view in the URL map that the resolver accepts."""
    from django.urls import URLPattern, URLResolver, get_resolver, resolve
    from django.urls.exceptions import Resolver404

    found: list[str] = []

    def walk(patterns: list[object], prefix: str, prefix_choices: list[list[str]]) -> None:
        for entry in patterns:
            text, choices = _template(entry.pattern)  # type: ignore[attr-defined]
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + text, prefix_choices + choices)
            elif isinstance(entry, URLPattern):
                template, all_choices = prefix + text, prefix_choices + choices
                for values in _combinations(all_choices):
                    path = "/" + template.format(*values)
                    with contextlib.suppress(Resolver404):
                        if resolve(path).func is not None:
                            found.append(path)
                            break

    walk(get_resolver().url_patterns, "", [])
    return list(dict.fromkeys(found))


def _combinations(choices: list[list[str]]) -> list[list[str]]:
    combos: list[list[str]] = [[]]
    for options in choices:
        combos = [[*c, o] for c in combos for o in options]
    return combos[:8]


def main() -> None:
    args = parse()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("bench-metrics"))
        db_url = stack.enter_context(common.scratch_database())
        print(f"load average at start: {common.load_average()}")
        common.setup_django(tmp / "driver", db_url)
        size = seed.Size(users=10, projects=50, tasks=500, entries=20_000, days=365)
        seeded = seed.seed(db_url, size, end=datetime.now(tz=UTC) - timedelta(hours=1))
        admin, member = seed.accounts(seeded, [1])
        paths = example_paths()
        common.close_django_connections()
        env = common.app_env(tmp / "server", db_url, mode="on")
        server = stack.enter_context(common.gunicorn("metrics", tmp / "server", env, workers=4))
        statuses = traffic(server, paths, admin, member, passes=args.passes)
        print(
            f"traffic: {len(paths)} views x {args.passes} passes + timer starts and stops, "
            f"4 clients; answers {dict(sorted(statuses.items()))}"
        )
        scrape(server, tmp / "server" / "prometheus", args.scrapes)


def traffic(
    server: common.Server,
    paths: list[str],
    admin: seed.Account,
    member: seed.Account,
    *,
    passes: int,
) -> Counter[int]:
    host, port = "127.0.0.1", int(server.url.rsplit(":", 1)[1])
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    steps = [load.Step(path, "GET", path, auth="session") for path in paths]
    start = load.Step(
        "timer start",
        "POST",
        "/api/v1/timer/start/",
        json.dumps({"project": member.project_ids[0]}).encode(),
    )
    stop = load.Step("timer stop", "POST", "/api/v1/timer/stop/")

    def client(n: int) -> None:
        for p in range(passes):
            # Each client walks the views from a different place, so they spread out.
            offset = (n * len(steps)) // 4 + p
            for step in steps[offset:] + steps[:offset]:
                status, _ = load.one_request(host, port, admin, step)
                with lock:
                    statuses[status] += 1
            for step in (start, stop):
                status, _ = load.one_request(host, port, member, step)
                with lock:
                    statuses[status] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def scrape(server: common.Server, directory: Path, scrapes: int) -> None:
    times, sizes = [], []
    body = b""
    server.get("/metrics")  # the first scrape imports and connects; Prometheus repeats
    for _ in range(scrapes):
        started = time.perf_counter()
        status, body = server.get("/metrics", timeout=30)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        sizes.append(len(body))
    samples = [line for line in body.decode().splitlines() if line and not line.startswith("#")]
    families = {line.split()[2] for line in body.decode().splitlines() if line.startswith("# TYPE")}
    files = len(list(directory.glob("*.db")))
    p50, p99 = common.median(times), common.percentile(times, 99)
    merge = merge_seconds(directory)
    print()
    print(common.table(["family", "samples", "bytes"], family_sizes(body)[:12]))
    print()
    print(
        common.table(
            ["scrapes", "median", "p99", "max", "size", "samples", "metric families", "files"],
            [
                [
                    scrapes,
                    common.ms(p50),
                    common.ms(p99),
                    common.ms(max(times)),
                    f"{max(sizes) / 1024:.0f} KiB",
                    f"{len(samples):,}",
                    len(families),
                    files,
                ]
            ],
        )
    )
    print(
        f"gzip (Prometheus sends Accept-Encoding: gzip): {len(gzip.compress(body)) / 1000:.0f} "
        f"KB of {len(body) / 1000:.0f} KB"
    )
    print(
        f"of a scrape, merging the {files} files of the workers and formatting the text "
        f"takes {common.ms(merge)} (median of 20, in this process)"
    )
    print(f"load average at end: {common.load_average()}")
    size = max(sizes)
    spread = p99 / p50
    print(
        f"ratio {spread:.2f} = p99 {common.ms(p99)} / median {common.ms(p50)} (goal <= "
        f"{GOAL_SPREAD:g}); size {size / 1000:.0f} KB (goal <= {GOAL_BYTES // 1000} KB): "
        f"{common.verdict(spread <= GOAL_SPREAD and size <= GOAL_BYTES)}"
    )


def family_sizes(body: bytes) -> list[list[object]]:
    """Samples and bytes (comments included) of each family, the biggest first."""
    samples: Counter[str] = Counter()
    size: Counter[str] = Counter()
    family = ""
    for line in body.decode().splitlines():
        if line.startswith("# TYPE "):
            family = line.split()[2]
        elif line and not line.startswith("#"):
            samples[family] += 1
        size[family] += len(line) + 1
    return [[name, f"{samples[name]:,}", f"{n:,}"] for name, n in size.most_common()]


def merge_seconds(directory: Path) -> float:
    """prometheus_client's multiprocess merge and text formatting alone, on the same files."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    times = []
    for _ in range(20):
        started = time.perf_counter()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(directory))
        generate_latest(registry)
        times.append(time.perf_counter() - started)
    return common.median(times)


if __name__ == "__main__":
    main()
