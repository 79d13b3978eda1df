"""django-prometheus' request metrics with label values the client cannot choose.

A label value taken from the request is a memory leak that anyone on the internet
controls: each new value is a new series in every worker until restart, and in every
scrape. django-prometheus already labels by route name rather than path, but it copies
``request.method`` into the latency histogram as sent, and its content-length parsing
answers 500 to a junk ``Content-Length``. These subclasses keep the metric names and
label names identical (the Grafana dashboards and alert rules in ``ops/`` use them) and
bound every value:

* ``method``: one of :data:`STANDARD_METHODS`, or ``other``;
* ``view``: the resolved route name, or ``<unnamed view>`` when nothing resolved (404s,
  static files, answers from middleware), as django-prometheus does;
* ``transport``: ``http`` or ``https``;
* ``status``: from our own response.

Only the families that ``ops/`` charts or alerts on are created (:class:`LeanMetrics`);
django-prometheus' other request metrics (by transport, by template, body sizes,
exceptions, latency including middlewares, ...) are never registered, so no worker writes
them and no scrape merges them (``apps.monitoring.metrics.DROPPED``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django_prometheus import middleware as base
from django_prometheus.utils import Time
from prometheus_client import Counter

from apps.monitoring.metrics import DROPPED

STANDARD_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
OTHER_METHOD = "other"
UNNAMED_VIEW = "<unnamed view>"
TRANSPORTS = frozenset({"http", "https"})


def method_label(method: str | None) -> str:
    """The request method as a label: standard names as they are, anything else ``other``."""
    return method if method in STANDARD_METHODS else OTHER_METHOD


def view_label(request: HttpRequest) -> str:
    """The resolved route name; a fixed value when the URLconf matched nothing."""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", None)
    return name if isinstance(name, str) and name else UNNAMED_VIEW


def content_length(request: HttpRequest) -> int:
    """The declared body size, 0 when the header is missing, negative or not a number."""
    try:
        value = int(request.headers.get("content-length") or 0)
    except ValueError:
        return 0
    return max(value, 0)


class _Unused:
    """Stands in for a django-prometheus metric that is not exported: every call is a no-op."""

    def labels(self, *args: Any, **kwargs: Any) -> _Unused:
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def observe(self, amount: float) -> None:
        pass


UNUSED = _Unused()


def _exposed(metric_cls: type, name: str) -> str:
    if metric_cls is Counter and not name.endswith("_total"):
        return name + "_total"
    return name


class LeanMetrics(base.Metrics):
    """django-prometheus' request metrics minus the families in ``DROPPED``."""

    _instance = None  # not the parent's singleton

    def register_metric(
        self,
        metric_cls: Any,
        name: str,
        documentation: str,
        labelnames: Any = (),
        **kwargs: Any,
    ) -> Any:
        if _exposed(metric_cls, name) in DROPPED:
            return UNUSED
        return super().register_metric(metric_cls, name, documentation, labelnames, **kwargs)


class PrometheusBeforeMiddleware(base.PrometheusBeforeMiddleware):
    """First in, last out. Its two families (no labels) are charted nowhere: both dropped."""

    metrics_cls = LeanMetrics

    def process_request(self, request: HttpRequest) -> None:
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return response


class PrometheusAfterMiddleware(base.PrometheusAfterMiddleware):
    """Per-route request metrics whose label values come from a closed set."""

    metrics_cls = LeanMetrics

    def _method(self, request: HttpRequest) -> str:
        return method_label(request.method)

    def _transport(self, request: HttpRequest) -> str:
        return "https" if request.is_secure() else "http"

    def _get_view_name(self, request: HttpRequest) -> str:
        return view_label(request)

    def label_metric(
        self,
        metric: Any,
        request: HttpRequest,
        response: HttpResponse | None = None,
        **labels: str,
    ) -> Any:
        # The one place every labelled metric passes: django-prometheus labels its latency
        # histogram with request.method directly, so the values are bounded here too.
        if "method" in labels:
            labels["method"] = method_label(labels["method"])
        if "view" in labels:
            labels["view"] = view_label(request)
        if "transport" in labels and labels["transport"] not in TRANSPORTS:
            labels["transport"] = "http"
        return super().label_metric(metric, request, response, **labels)

    def process_request(self, request: HttpRequest) -> None:
        # The parent's int(Content-Length) raises on a junk header, which would be a 500.
        # Of the parent's four metrics here only requests by method is still exported.
        self.label_metric(
            self.metrics.requests_by_method, request, method=self._method(request)
        ).inc()
        request.prometheus_after_middleware_event = Time()  # type: ignore[attr-defined]
