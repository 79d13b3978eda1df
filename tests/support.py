"""Helpers shared by tests that need something outside Python (a binary, a browser).

A test that needs a binary asks for it with :func:`require_binary`. On a developer's
machine a missing binary skips the test with a clear reason; when
``TIMETRACKER_REQUIRE_ALL=1`` (set by ``.ci/run``) the same situation fails the test, so
CI can never go green by silently skipping what it was meant to prove.

The root ``conftest.py`` enforces the same for every other skip, however it was made
(``pytest.skip``, ``skipif``, ``importorskip``): under ``TIMETRACKER_REQUIRE_ALL`` a skip
fails unless its reason starts with one of :data:`ALLOWED_SKIPS`, the one short list of
skips that are expected in CI, each with the reason it is fine.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Reason prefix -> why CI may skip it. CI runs the suite twice, on SQLite and on
# PostgreSQL, so a test of one database's behaviour skips in the other run.
ALLOWED_SKIPS: dict[str, str] = {
    "row locks are only meaningful on PostgreSQL": "runs in CI's PostgreSQL pass",
    "PostgreSQL only:": "runs in CI's PostgreSQL pass",
    "SQLite only:": "runs in CI's SQLite pass",
}


def skip_allowed(reason: str) -> bool:
    reason = reason.removeprefix("Skipped: ")
    return any(reason.startswith(prefix) for prefix in ALLOWED_SKIPS)


def strict() -> bool:
    """True when a missing dependency must fail instead of skip (CI)."""
    return os.environ.get("TIMETRACKER_REQUIRE_ALL", "") in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """Skip (locally) or fail (CI) because something the test needs is absent."""
    if strict():
        pytest.fail(f"required in CI but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_binary(name: str, *, hint: str = "") -> str:
    """Return the path of executable ``name`` or skip/fail with a reason naming it."""
    path = shutil.which(name)
    if path is None:
        extra = f" ({hint})" if hint else ""
        missing(f"the '{name}' binary is not installed{extra}")
    assert path is not None
    return path
