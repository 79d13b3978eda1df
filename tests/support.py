"""Helpers shared by tests that need something outside Python (a binary, a browser).

A test that needs a binary asks for it with :func:`require_binary`. On a developer's
machine a missing binary skips the test with a clear reason; when
``TIMETRACKER_REQUIRE_ALL=1`` (set by ``.ci/run``) the same situation fails the test, so
CI can never go green by silently skipping what it was meant to prove.
"""

from __future__ import annotations

import os
import shutil

import pytest


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
