"""Benchmark 2b: CSV and XLSX exports of many entries, their speed and their memory.

Each export runs in a fresh process (``--child``) that first exports one day to load
everything it needs, then resets its peak-memory mark (``/proc/self/clear_refs``) and
exports N entries through ``export_response`` exactly as the API does, reading the whole
body. It reports rows per second and the peak resident memory during the export. Run at
two sizes, a streamed export holds the same memory at both: the last line is the larger
peak over the smaller one.

    python -m bench.exports [--quick] [--sizes 20000,100000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common, seed

FORMATS = ("csv", "xlsx")
GOAL = 1.10  # peak memory at the larger size / at the smaller size
END = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 730


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (bench-quick)")
    parser.add_argument("--sizes", help="two entry counts, comma-separated")
    parser.add_argument(
        "--child", nargs=3, metavar=("FORMAT", "FIRST", "LAST"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    sizes = args.sizes or ("5000,25000" if args.quick else "20000,100000")
    args.sizes = [int(n) for n in sizes.split(",")]
    return args


# --- In the child process -------------------------------------------------------------------
def _read_body(response: Any) -> tuple[int, int]:
    """Bytes and lines of the whole body, read as a WSGI server would."""
    size = lines = 0
    content = response.streaming_content if response.streaming else [response.content]
    for chunk in content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    with contextlib.suppress(Exception):
        response.close()
    return size, lines


def child(fmt: str, first: str, last: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from apps.reports.exports import EntryQuery, entries_matching, export_response

    admin = get_user_model().objects.get(username="bench-admin")

    def export(start: date, end: date) -> tuple[int, int]:
        response = export_response(
            user=admin,
            query=EntryQuery(start=start, end=end),
            fmt=fmt,
            channel="api",
            uid_domain="bench",
            sender=None,
        )
        return _read_body(response)

    start, end = date.fromisoformat(first), date.fromisoformat(last)
    export(start, start)  # warm-up: imports, the connection, openpyxl
    query = EntryQuery(start=start, end=end)
    rows = entries_matching(user=admin, query=query, finished_only=True).count()
    baseline = common.status_kib(os.getpid(), "VmRSS")
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    started = time.perf_counter()
    size, _lines = export(start, end)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "bytes": size,
                "baseline_kib": baseline,
                "peak_kib": common.status_kib(os.getpid(), "VmHWM"),
            }
        )
    )


# --- In the driver --------------------------------------------------------------------------
def days_for(rows: int, total: int) -> int:
    return max(1, round(rows / (total / DAYS)))


def main() -> None:
    args = parse()
    if args.child:
        child(*args.child)
        return
    total = int(max(args.sizes) * 1.2)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("bench-exports"))
        db_url = stack.enter_context(common.scratch_database())
        print(f"load average at start: {common.load_average()}")
        common.setup_django(tmp / "driver", db_url)
        size = seed.Size(users=50, projects=500, tasks=5000, entries=total, days=DAYS)
        seeded = seed.seed(db_url, size, end=END)
        seed.accounts(seeded, [])
        common.close_django_connections()
        print(f"generated {total:,} entries in {seeded.copy_seconds:.1f} s")
        env = common.app_env(tmp / "child", db_url, mode="off")
        first = (END - timedelta(days=DAYS)).date()
        results: dict[tuple[str, int], dict[str, Any]] = {}
        for n in args.sizes:
            last = first + timedelta(days=days_for(n, total) - 1)
            for fmt in FORMATS:
                out = subprocess.run(
                    [sys.executable, "-m", "bench.exports", "--child", fmt, str(first), str(last)],
                    cwd=tmp,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if out.returncode != 0:
                    raise RuntimeError(f"export {fmt} failed:\n{out.stderr[-3000:]}")
                results[(fmt, n)] = json.loads(out.stdout.strip().splitlines()[-1])
        report(args.sizes, results)


def report(sizes: list[int], results: dict[tuple[str, int], dict[str, Any]]) -> None:
    rows = []
    for (fmt, _n), r in sorted(results.items()):
        rows.append(
            [
                fmt,
                f"{r['rows']:,}",
                f"{r['seconds']:.2f} s",
                f"{r['rows'] / r['seconds']:,.0f}",
                common.mib(r["bytes"] / 1024),
                common.mib(r["peak_kib"]),
                common.mib(r["peak_kib"] - r["baseline_kib"]),
            ]
        )
    print()
    print(
        common.table(
            ["format", "entries", "time", "rows/s", "file", "peak RSS", "peak above baseline"],
            rows,
        )
    )
    print(f"load average at end: {common.load_average()}")
    small, large = min(sizes), max(sizes)
    ratios = {
        fmt: results[(fmt, large)]["peak_kib"] / results[(fmt, small)]["peak_kib"]
        for fmt in FORMATS
    }
    worst = max(ratios.values())
    print(
        f"ratio {worst:.3f} = peak memory exporting {large:,} / {small:,} entries (worst of "
        + ", ".join(f"{fmt} {ratio:.3f}" for fmt, ratio in ratios.items())
        + f"; goal <= {GOAL}: memory does not grow with rows): {common.verdict(worst <= GOAL)}"
    )


if __name__ == "__main__":
    main()
