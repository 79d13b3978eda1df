"""PostHog groups and $feature/... on the bytes the fake PostHog receives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import analytics
from analytics import identity
from analytics.catalogue import catalogue
from analytics.sinks import posthog
from analytics.testutils import FakePostHog, flush, posthog_enabled
from telemetry import groups as _groups  # noqa: F401 (declares the installation group)

INSTALL_ID = "0b7e9d1c-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
calls: list[int] = []


def provider() -> tuple[dict[str, str], dict[str, Any]]:
    from telemetry import payload

    calls.append(1)
    return {"installation": INSTALL_ID}, payload.facts()


@pytest.fixture
def sending(fake_posthog: FakePostHog, db: Any, settings: Any) -> Iterator[FakePostHog]:
    calls.clear()
    with posthog_enabled(
        fake_posthog,
        ANALYTICS_GROUP_PROVIDER=f"{__name__}.provider",
        ANALYTICS_FEATURE_PROVIDER="",
    ):
        yield fake_posthog


def emit(django_capture_on_commit_callbacks: Any, name: str, **properties: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        analytics.emit(name, **properties)


def test_events_carry_the_group_and_its_properties_go_once(
    sending: FakePostHog, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(3):
        emit(django_capture_on_commit_callbacks, "setup.completed", telemetry_choice="on")
    flush()
    events = sending.events
    identifies = [e for e in events if e["event"] == "$groupidentify"]
    assert len(identifies) == 1
    props = identifies[0]["properties"]
    assert props["$group_type"] == "installation"
    assert props["$group_key"] == INSTALL_ID
    assert set(props["$group_set"]) == set(catalogue.groups["installation"].properties)
    assert identifies[0]["distinct_id"] == f"$installation_{INSTALL_ID}"
    captured = [e for e in events if e["event"] == "setup.completed"]
    assert len(captured) == 3
    assert all(e["properties"]["$groups"] == {"installation": INSTALL_ID} for e in captured)
    assert len(calls) == 1  # cached for ANALYTICS_GROUP_REFRESH_SECONDS


def test_before_send_refuses_a_hostname_as_group_key() -> None:
    msg = {
        "event": "setup.completed",
        "distinct_id": identity.distinct_id(1),
        "properties": {"telemetry_choice": "on", "$groups": {"installation": "myhost"}},
    }
    assert posthog.before_send(msg) is None
    msg["properties"]["$groups"] = {"company": INSTALL_ID}  # type: ignore[index]
    assert posthog.before_send(msg) is None


def test_before_send_refuses_undeclared_group_properties() -> None:
    facts = {"database": "sqlite"}
    msg = {
        "event": "$groupidentify",
        "distinct_id": f"$installation_{INSTALL_ID}",
        "properties": {
            "$group_type": "installation",
            "$group_key": INSTALL_ID,
            "$group_set": {**facts, "hostname": "myhost"},
        },
    }
    assert posthog.before_send(msg) is None


def test_features_must_be_booleans_with_code_names() -> None:
    base = {"event": "setup.completed", "distinct_id": identity.distinct_id(1)}
    ok = posthog.before_send(
        {**base, "properties": {"telemetry_choice": "on", "$feature/report-charts": True}}
    )
    assert ok is not None
    assert ok["properties"]["$feature/report-charts"] is True
    assert (
        posthog.before_send(
            {**base, "properties": {"telemetry_choice": "on", "$feature/report-charts": "on"}}
        )
        is None
    )
