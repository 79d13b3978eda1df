"""What a pytest run costs: wall time and the CPU of every process it started (issue 16).

    python -m bench.suite_cost [pytest arguments]      # default: the whole suite, -n 2

pytest runs in a child process with bytecode kept as ``make test`` keeps it. This process
is the run's child subreaper (Linux), so the processes the run leaves to be reaped (the
renderers of Chromium, a server's workers) are reaped here and their CPU is counted too;
elsewhere only what pytest's own tree waited for is. CPU is ``user + sys``, the figure
that depends least on what else the machine does. The last line is the ratio of the wall
time to the issue's goal of 60 s (two cores: 120 s of CPU at most). It never fails
because the goal is missed; it exits with pytest's code.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_WALL = 60.0
PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def main(argv: list[str]) -> int:
    arguments = argv or ["-q", "-n", "2"]
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(Path(sys.prefix) / "pycache"),
    }
    every_process = _become_subreaper()
    start = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", *arguments], cwd=ROOT, env=env)
    wall = time.monotonic() - start
    while True:  # the orphans handed to us
        try:
            os.wait()
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    counted = "every process" if every_process else "the processes pytest waited for"
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s ({counted})")
    print(f"goal ratio (wall / {GOAL_WALL:.0f} s): {wall / GOAL_WALL:.2f}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
