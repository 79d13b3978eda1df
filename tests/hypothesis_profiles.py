"""Hypothesis settings shared by the property tests: bounded, and reproducible on CI.

Use ``@PROFILE`` on a ``@given`` test (it is a ``hypothesis.settings`` object). Locally each
run explores new examples; with ``CI=true`` the examples are derived from the test itself,
so a red CI run fails the same way when re-run. The budget is 20 examples a test locally
(each run finds new ones, so many runs add up) and 40 in CI, whose examples are the same
every run; ``HYPOTHESIS_MAX_EXAMPLES`` raises it for a longer hunt without editing the
tests.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_CI = os.environ.get("CI", "").lower() == "true"

settings.register_profile(
    "timetracker",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40" if _CI else "20")),
    # Database round trips vary in speed from machine to machine; the budget is the count.
    deadline=None,
    derandomize=_CI,
    # No example database: it would be a .hypothesis/ directory in the checkout.
    database=None,
    print_blob=True,
    # Without the "explain" phase: it re-runs a failing case many times to comment on it,
    # which makes a red run minutes long while the fix is in progress.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[
        # The db fixture is shared by the examples on purpose: each one runs in a
        # savepoint that is rolled back, so nothing leaks from one to the next.
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
    ],
)

PROFILE = settings.get_profile("timetracker")
