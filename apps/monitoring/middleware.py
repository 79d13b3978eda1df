"""Request metrics with label values the client cannot choose, and only the ones ops/ uses.

A label value taken from the request is a memory leak that anyone on the internet
controls: each new value is a new series in every worker until restart, and in every
scrape. :class:`RequestMetricsMiddleware` replaces django-prometheus' request middleware
(issue 15, goal 4: its 20 families, each by view *and* method, were most of a scrape,
and the dashboards sum the method away). Two families, both written once per request:

* ``timetracker_http_responses_total{view,status}``: the request rate by view, the
  status mix and the 5xx ratio are sums of it;
* ``timetracker_http_request_duration_seconds{view}``: the latency panels and the p95
  alert, with :data:`LATENCY_BUCKETS`.

Every label value comes from a closed set:

* ``view``: the resolved route name; ``admin`` for every page of the Django admin (an
  operator's tool: more than a hundred routes nobody charts one by one), and
  ``<unnamed view>`` when nothing resolved (404s, static files, answers from middleware);
* ``status``: the status code of our own response.

The middleware is first in the stack, so the latency is the whole request as Django
serves it, middleware included, and a 429 from axes or a 503 from maintenance mode is
counted like any other answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from prometheus_client import Counter, Histogram

UNNAMED_VIEW = "<unnamed view>"
ADMIN_VIEW = "admin"
ADMIN_PREFIX = "admin:"
# Around the 1 s alert threshold, fine enough below it for the p50 panels; a request
# slower than 2.5 s is an incident whatever its exact time (GUNICORN_TIMEOUT is 30 s).
LATENCY_BUCKETS = tuple(
    getattr(settings, "PROMETHEUS_LATENCY_BUCKETS", ())
    or (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))
)

RESPONSES = Counter(
    "timetracker_http_responses",
    "HTTP responses by route name and status code.",
    ["view", "status"],
)
DURATION = Histogram(
    "timetracker_http_request_duration_seconds",
    "Time to answer an HTTP request, middleware included, by route name.",
    ["view"],
    buckets=LATENCY_BUCKETS,
)


def view_label(request: HttpRequest) -> str:
    """The resolved route name (``admin`` for the admin); a fixed value when none matched."""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", None)
    if not isinstance(name, str) or not name:
        return UNNAMED_VIEW
    return ADMIN_VIEW if name.startswith(ADMIN_PREFIX) else name


class RequestMetricsMiddleware:
    """One counter increment and one histogram observation per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        DURATION.labels(view).observe(time.perf_counter() - started)
        RESPONSES.labels(view, str(response.status_code)).inc()
        return response
