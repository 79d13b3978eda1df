"""The analytics counters exist from the start: every catalogue event and every known drop
reason is exported at 0 before anything happened, so ``rate()`` and ``absent()`` alerts
work on a fresh installation (in one process and summed over gunicorn workers)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils.module_loading import import_string

from analytics import metrics, sinks
from analytics.catalogue import catalogue
from analytics.properties import EventError
from tests.servers import gunicorn

ANALYTICS = Path(metrics.__file__).resolve().parent
SAMPLE = re.compile(r"^(\w+)\{([^}]*)\} (\S+)$", re.MULTILINE)
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    found = {}
    for metric, labels, value in SAMPLE.findall(text):
        if metric == name:
            found[frozenset(LABEL.findall(labels))] = float(value)
    return found


def event_series(name: str) -> frozenset[tuple[str, str]]:
    return frozenset({("event", name)})


def drop_series(sink: str, reason: str) -> frozenset[tuple[str, str]]:
    return frozenset({("sink", sink), ("reason", reason)})


def test_the_catalogue_is_not_empty() -> None:
    assert len(catalogue) >= 10


@pytest.mark.django_db
def test_every_catalogue_event_and_drop_reason_is_scraped(client: Client) -> None:
    text = client.get("/metrics").content.decode()
    events = samples(text, "timetracker_events_total")
    for event in catalogue:
        assert event_series(event.name) in events, event.name
    drops = samples(text, "timetracker_events_dropped_total")
    for sink, reason in metrics.KNOWN_DROPS:
        assert drop_series(sink, reason) in drops, (sink, reason)


def _string_keywords(call: ast.Call) -> dict[str, str]:
    return {
        kw.arg: kw.value.value
        for kw in call.keywords
        if kw.arg and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)
    }


def _drop_sites() -> set[tuple[str, str]]:
    """Every (sink, reason) the analytics code counts a drop under, read from its source."""
    sink_names = {import_string(path).name for path in sinks.ALIASES.values()}
    reasons = {cls.reason for cls in EventError.__subclasses__()}
    found: set[tuple[str, str]] = set()
    for path in ANALYTICS.rglob("*.py"):
        if "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_sink = next(
            (
                node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "SINK" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ),
            None,
        )
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "_reject" and node.args and isinstance(node.args[0], ast.Constant):
                found.add((str(module_sink), str(node.args[0].value)))
            elif name == "dropped" and path.name != "metrics.py":
                keywords = _string_keywords(node)
                given = {kw.arg: kw.value for kw in node.keywords}
                if isinstance(given.get("sink"), ast.Name) and given["sink"].id == "SINK":
                    keywords["sink"] = str(module_sink)
                    if isinstance(given.get("reason"), ast.Name) and given["reason"].id == "reason":
                        continue  # the body of _reject(reason): its callers are read above
                if "sink" in keywords and "reason" in keywords:
                    found.add((keywords["sink"], keywords["reason"]))
                elif "reason" in keywords:  # sink=sink.name: any configured sink
                    found.update((sink, keywords["reason"]) for sink in sink_names)
                elif "sink" in keywords:  # reason=exc.reason: an EventError's reason
                    found.update((keywords["sink"], reason) for reason in reasons)
                else:
                    pytest.fail(f"{path.name}:{node.lineno}: a drop site this test cannot read")
    return found


def test_known_drops_cover_every_drop_site_in_the_code() -> None:
    sites = _drop_sites()
    assert len(sites) >= 8
    assert sites <= set(metrics.KNOWN_DROPS), sites - set(metrics.KNOWN_DROPS)


def test_initialise_is_idempotent_and_leaves_counts_alone() -> None:
    metrics.recorded(event="timer.started")
    before = metrics.events().labels(event="timer.started")._value.get()
    metrics.initialise(event_names=[event.name for event in catalogue])
    metrics.initialise(event_names=[event.name for event in catalogue])
    assert metrics.events().labels(event="timer.started")._value.get() == before >= 1


@pytest.mark.slow
def test_a_fresh_gunicorn_server_exports_every_counter_at_zero(tmp_path: Path) -> None:
    """Multiprocess mode: the zeros are in the workers' files and in the summed scrape."""
    with gunicorn(tmp_path, workers=2) as server:
        status, body = server.get("/metrics")
        assert status == 200
        text = body.decode()
        files = sorted(p.name for p in (tmp_path / "prometheus").glob("counter_*.db"))
    assert files, "no counter files in PROMETHEUS_MULTIPROC_DIR"
    events = samples(text, "timetracker_events_total")
    assert {event_series(event.name): 0.0 for event in catalogue}.items() <= events.items()
    drops = samples(text, "timetracker_events_dropped_total")
    expected = {drop_series(sink, reason): 0.0 for sink, reason in metrics.KNOWN_DROPS}
    assert expected.items() <= drops.items()
