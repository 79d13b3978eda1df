"""Regenerate the screenshots of docs/images with the browser tests (Debian's Chromium).

    python scripts/screenshots.py

Runs the tests that take them (the desktop journey, the dark theme and the phone) with
TIMETRACKER_UPDATE_SCREENSHOTS=1, which makes them write into docs/images instead of a
temporary folder, then lists each image with its size and fails when one passes 150 KB
(keep the repository small: shorter pages, or fewer rows in the tests' data).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
LIMIT = 150 * 1024
TESTS = [
    "apps/web/tests/test_browser.py::test_it_tracks_time_from_login_to_exported_report",
    "apps/web/tests/test_browser_ui.py::test_a_phone_starts_and_stops_the_timer_with_one_thumb",
    "apps/web/tests/test_browser_ui.py::test_the_dark_theme_draws_the_charts_in_its_colours",
]


def main() -> int:
    env = {**os.environ, "TIMETRACKER_UPDATE_SCREENSHOTS": "1"}
    python = Path(sys.executable)
    run = subprocess.run(  # noqa: S603 (our own test runner, fixed arguments)
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=ROOT, env=env
    )
    if run.returncode != 0:
        return run.returncode
    too_big = []
    for image in sorted(IMAGES.glob("*.png")):
        size = image.stat().st_size
        print(f"{image.relative_to(ROOT)}: {size // 1024} KB")  # noqa: T201 (a command-line tool)
        if size > LIMIT:
            too_big.append(image.name)
    if too_big:
        print(f"over 150 KB: {', '.join(too_big)}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
