"""Settings of the app under benchmark: the project's own, plus two adjustments.

* Static files are looked up without collectstatic's manifest, so a production-mode server
  (``DEBUG=false``) renders pages from a fresh clone; nothing is written into the checkout.
* ``BENCH_OBSERVABILITY=off`` turns off everything the analytics benchmark prices:
  ``logs`` (the JSON log file and INFO lines: the access log, event lines), ``metrics``
  (the request-metrics middleware, django-prometheus' database wrappers, the metrics sink,
  ``/metrics``),
  ``context`` (the request-context middleware) and ``posthog`` (the PostHog sink).
  ``on`` (the default) leaves the project's settings as they are; ``on-without-<part>``
  turns one part off. Sentry is on only when ``SENTRY_DSN`` is set, which the benchmark
  does for its ``on`` servers.
"""

from __future__ import annotations

import copy
import os

from timetracker.settings import *  # noqa: F403
from timetracker.settings import DATABASES as _DATABASES
from timetracker.settings import LOGGING as _LOGGING
from timetracker.settings import MIDDLEWARE as _MIDDLEWARE
from timetracker.settings import STORAGES as _STORAGES

STORAGES = {
    **_STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

PARTS = ("logs", "metrics", "context", "posthog")
BENCH_OBSERVABILITY = os.environ.get("BENCH_OBSERVABILITY", "on")
if BENCH_OBSERVABILITY == "off":
    _off = set(PARTS)
elif BENCH_OBSERVABILITY == "on":
    _off = set()
elif BENCH_OBSERVABILITY.startswith("on-without-"):
    # One part off, to see what each costs (bench.analytics_cost --breakdown).
    _off = set(BENCH_OBSERVABILITY.removeprefix("on-without-").split("+"))
else:
    raise ValueError("BENCH_OBSERVABILITY: on, off or on-without-<part>")
if _off - set(PARTS):
    raise ValueError(f"BENCH_OBSERVABILITY: parts are {', '.join(PARTS)}")

if "metrics" in _off:
    MIDDLEWARE = [
        name
        for name in _MIDDLEWARE
        if not name.startswith(("django_prometheus.", "apps.monitoring.middleware."))
    ]
    DATABASES = copy.deepcopy(_DATABASES)
    DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
        "apps.monitoring.db.backends.", "django.db.backends.", 1
    )
    METRICS_ENABLED = False
if "context" in _off:
    MIDDLEWARE = [
        name
        for name in globals().get("MIDDLEWARE", _MIDDLEWARE)
        if name != "analytics.middleware.RequestContextMiddleware"
    ]
if "posthog" in _off:
    ANALYTICS_ENABLED = False
if "posthog" in _off or "metrics" in _off:
    ANALYTICS_SINKS = ["jsonlog"] + ([] if "metrics" in _off else ["metrics"])
if "logs" in _off:
    # jsonlog is always on; with no INFO handler it writes nothing.
    ANALYTICS_ACCESS_LOG = False
    LOGGING = copy.deepcopy(_LOGGING)
    LOGGING["handlers"].pop("file", None)
    LOGGING["root"] = {"handlers": ["stdout"], "level": "WARNING"}
    for _logger in LOGGING.get("loggers", {}).values():
        _logger["level"] = "WARNING"
