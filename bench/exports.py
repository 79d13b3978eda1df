"""Benchmark 2b: CSV and XLSX exports of many entries, their speed and their memory.

Each export runs in a fresh process (``--child``) that first exports one day to load
everything it needs, then resets its peak-memory mark (``/proc/self/clear_refs``) and
exports N entries through ``export_response`` exactly as the API does, reading the whole
body. It reports rows per second and the peak resident memory during the export. Run at
two sizes, a streamed export holds the same memory at both: the last line is the larger
peak over the smaller one.

A third part requests the larger XLSX the way a person does on the report page: above
``EXPORT_BACKGROUND_ROWS`` the web export answers with an offer page, its button queues a
background job (django-tasks), the job writes the file while its progress is polled, and
the file is downloaded and its rows counted. It prints how long each web request took next
to how long the job ran: the requests must answer at once (under a second) whatever the size.

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
    parser.add_argument("--background-child", nargs=2, help=argparse.SUPPRESS)
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


def _read_chunks(response: Any) -> list[bytes]:
    return list(response.streaming_content) if response.streaming else [response.content]


def background_child(first: str, last: str) -> None:
    """The report page's large XLSX, as a person gets it: offer, job, progress, download."""
    import threading

    import django

    django.setup()
    import openpyxl
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from apps.jobs.models import Job
    from apps.jobs.selectors import job_status
    from apps.jobs.services import job_run

    settings.JOB_FILES_DIR = Path.cwd() / "jobs"
    admin = get_user_model().objects.get(username="bench-admin")
    client = Client()
    client.force_login(admin)
    params = {"start": first, "end": last}
    client.get("/reports/export.xlsx", {"start": first, "end": first})  # warm-up
    started = time.perf_counter()
    offer = client.get("/reports/export.xlsx", params)
    offer_seconds = time.perf_counter() - started
    started = time.perf_counter()
    queued = client.post("/reports/export-job.xlsx", params)
    queue_seconds = time.perf_counter() - started
    job = Job.objects.get(pk=int(queued["Location"].rstrip("/").rsplit("/", 1)[-1]))
    seen: list[int] = []
    done = threading.Event()

    def poll() -> None:  # what the progress bar's script reads, every 200 ms
        while not done.wait(0.2):
            seen.append(job_status(Job.objects.get(pk=job.pk))["rows_done"])

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    started = time.perf_counter()
    job_run(job_id=job.pk)
    job_seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    status = job_status(Job.objects.get(pk=job.pk))
    download = client.get(status["download_url"])
    body = b"".join(_read_chunks(download))
    path = Path.cwd() / "download.xlsx"
    path.write_bytes(body)
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = sum(1 for _ in workbook.worksheets[0].iter_rows()) - 1  # less the header
    print(
        json.dumps(
            {
                "offer_status": offer.status_code,
                "offer_seconds": offer_seconds,
                "queue_status": queued.status_code,
                "queue_seconds": queue_seconds,
                "job_seconds": job_seconds,
                "state": status["state"],
                "progress_values": len(set(seen)),
                "rows": rows,
                "bytes": len(body),
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
    if args.background_child:
        background_child(*args.background_child)
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
        last = first + timedelta(days=days_for(max(args.sizes), total) - 1)
        out = subprocess.run(
            [sys.executable, "-m", "bench.exports", "--background-child", str(first), str(last)],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"background export failed:\n{out.stderr[-3000:]}")
        background = json.loads(out.stdout.strip().splitlines()[-1])
        report(args.sizes, results, background)


def report(
    sizes: list[int], results: dict[tuple[str, int], dict[str, Any]], background: dict[str, Any]
) -> None:
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
    b = background
    print()
    print(
        common.table(
            ["step (XLSX on the report page)", "answer", "time"],
            [
                [
                    "GET the export: the offer page",
                    b["offer_status"],
                    common.ms(b["offer_seconds"]),
                ],
                [
                    "POST its button: the job queued",
                    b["queue_status"],
                    common.ms(b["queue_seconds"]),
                ],
                [
                    f"the job writes {b['rows']:,} rows ({b['progress_values']} progress values"
                    " seen by the poll)",
                    b["state"],
                    f"{b['job_seconds']:.1f} s",
                ],
                ["the download", common.mib(b["bytes"] / 1024), ""],
            ],
        )
    )
    slowest = max(b["offer_seconds"], b["queue_seconds"])
    print(
        f"background XLSX: the web requests answer in {common.ms(slowest)} at most while the job "
        f"takes {b['job_seconds']:.1f} s: {common.verdict(slowest < 1.0 and b['state'] == 'done')}"
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
