"""Every metric family /metrics exports is used by ops/ or listed as deliberately unused.

An in-process scrape with the test client (multiprocess mode off: the default registry
plus the scrape-time collectors) after a little traffic, compared with the metric names
that the Grafana dashboards, the alert rules and any recording rules in ``ops/`` mention.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import django_prometheus.cache.metrics  # noqa: F401  (as with CACHE_URL=redis://..., below)
import pytest
import yaml
from django.test import Client

from apps.monitoring.metrics import DELIBERATELY_UNUSED, DROPPED

pytestmark = pytest.mark.django_db

OPS = Path(__file__).resolve().parents[2] / "ops"
# Histogram and summary samples Prometheus sees under a family's name.
SUFFIXES = ("", "_bucket", "_sum", "_count")
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# Names in ops/ that are not the app's: Prometheus' own, and Loki's.
OURS = re.compile(r"^(django|timetracker)_")


def _exprs(node: Any) -> list[str]:
    """The ``expr`` of every target, wherever panels and rows nest them."""
    if isinstance(node, dict):
        own = [node["expr"]] if isinstance(node.get("expr"), str) else []
        return own + [s for value in node.values() for s in _exprs(value)]
    if isinstance(node, list):
        return [s for value in node for s in _exprs(value)]
    return []


def _expressions() -> list[str]:
    """Every PromQL expression in the dashboards, alert rules and recording rules."""
    found: list[str] = []
    for path in sorted((OPS / "grafana" / "dashboards").glob("*.json")):
        found += _exprs(json.loads(path.read_text()))
    for path in sorted((OPS / "prometheus").glob("**/*.yml")):
        if "tests" in path.relative_to(OPS / "prometheus").parts:
            continue  # promtool unit tests feed made-up series; they chart nothing
        document = yaml.safe_load(path.read_text()) or {}
        for group in document.get("groups", []) if isinstance(document, dict) else []:
            for rule in group.get("rules", []):
                found.append(str(rule.get("expr", "")))
    return found


def referenced() -> set[str]:
    """Identifiers in the expressions: metric names (plus label names and functions)."""
    return {name for text in _expressions() for name in IDENTIFIER.findall(text)}


def _is_referenced(family: str, names: set[str]) -> bool:
    return any(family + suffix in names for suffix in SUFFIXES)


@pytest.fixture
def exported(client: Client, django_user_model: Any) -> set[str]:
    """The family names (as ``# TYPE`` lines spell them) of a scrape after some traffic.

    The cache counters are registered by importing them, as timetracker/cache.py does when
    the Redis cache is configured (the tests use the local-memory cache).
    """
    user = django_user_model.objects.create_user(username="families", password="x-Pass-123")
    for path in ("/healthz", "/readyz", "/", "/api/v1/projects/", "/no-such-page/"):
        client.get(path)
    client.force_login(user)
    for path in ("/", "/api/v1/projects/", "/api/v1/timer/"):
        client.get(path)
    client.post("/api/v1/timer/start/", {}, content_type="application/json")
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        line.split()[2]
        for line in response.content.decode().splitlines()
        if line.startswith("# TYPE ")
    }


def test_every_exported_family_is_charted_alerted_or_deliberately_unused(
    exported: set[str],
) -> None:
    names = referenced()
    orphans = sorted(
        f for f in exported if not _is_referenced(f, names) and f not in DELIBERATELY_UNUSED
    )
    assert not orphans, (
        "exported but used by no dashboard or rule in ops/: chart them, add them to "
        f"DROPPED or to DELIBERATELY_UNUSED (apps/monitoring/metrics.py): {orphans}"
    )


def test_every_deliberately_unused_family_is_really_exported_and_really_unused(
    exported: set[str],
) -> None:
    names = referenced()
    stale = sorted(f for f in DELIBERATELY_UNUSED if f not in exported)
    assert not stale, f"DELIBERATELY_UNUSED names families that are not exported: {stale}"
    used = sorted(f for f in DELIBERATELY_UNUSED if _is_referenced(f, names))
    assert not used, f"now used in ops/, remove them from DELIBERATELY_UNUSED: {used}"
    assert all(reason.strip() for reason in DELIBERATELY_UNUSED.values())


def test_nothing_ops_uses_is_dropped_or_missing(exported: set[str]) -> None:
    names = {n for n in referenced() if OURS.match(n)}
    dropped = sorted(n for n in names if any(n == f + s for f in DROPPED for s in SUFFIXES))
    assert not dropped, f"ops/ uses families that DROPPED removes: {dropped}"
    missing = sorted(n for n in names if not any(n == f + s for f in exported for s in SUFFIXES))
    assert not missing, f"ops/ uses families this app does not export: {missing}"


def test_dropped_families_are_not_exported(exported: set[str]) -> None:
    assert not exported & DROPPED
    assert not set(DELIBERATELY_UNUSED) & DROPPED
