"""The PostHog sink against a fake capture server: what leaves, when, and when not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

import analytics
from analytics import identity
from analytics.catalogue import Enum, EventType, catalogue
from analytics.sinks import posthog
from analytics.testutils import FakePostHog, flush, posthog_enabled, posthog_switch


def dropped(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "timetracker_events_dropped_total", {"sink": "posthog", "reason": reason}
    )
    return value or 0.0


@pytest.fixture(autouse=True)
def _no_groups_or_features(settings: Any) -> None:
    """These tests count events; groups and $feature/... are tested in test_groups.py."""
    settings.ANALYTICS_GROUP_PROVIDER = ""
    settings.ANALYTICS_FEATURE_PROVIDER = ""


@pytest.fixture
def emit_now(db: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """emit() and run the on-commit delivery at once (the test runs in a transaction)."""

    def emit(name: str, **properties: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            analytics.emit(name, **properties)

    return emit


@pytest.fixture
def sending(fake_posthog: FakePostHog, db: Any) -> Iterator[FakePostHog]:
    with posthog_enabled(fake_posthog):
        yield fake_posthog


class TestBeforeSend:
    def message(self, **overrides: Any) -> dict[str, Any]:
        return {
            "event": "setup.completed",
            "distinct_id": identity.distinct_id(1),
            "timestamp": "2026-11-28T17:59:14.123000+00:00",
            "uuid": "0b7e9d1c-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "properties": {"telemetry_choice": "on", "$lib": "posthog-python"},
            **overrides,
        }

    def test_it_strips_the_ip_and_everything_undeclared(self) -> None:
        sent = posthog.before_send(
            self.message(
                properties={
                    "telemetry_choice": "on",
                    "$ip": "203.0.113.9",
                    "$current_url": "https://time.example.com/?q=secret",
                    "$os": "Linux",
                    "$python_version": "3.11.7",
                    "email": "ada@example.com",
                    "$lib": "posthog-python",
                    "$lib_version": "7",
                },
                context={"ip": "203.0.113.9"},
            )
        )
        assert sent is not None
        assert sent["properties"] == {
            "telemetry_choice": "on",
            "$lib": "posthog-python",
            "$lib_version": "7",
            "$geoip_disable": True,
        }
        assert set(sent) == {"event", "distinct_id", "timestamp", "uuid", "properties"}

    def test_it_refuses_what_the_catalogue_does_not_allow(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(
            catalogue._events,
            "debug.ping",
            EventType(name="debug.ping", description="Local.", properties={}, outbound=False),
        )
        before = (dropped("unknown_event"), dropped("local_only"), dropped("invalid_properties"))
        assert posthog.before_send(self.message(event="user.spied")) is None
        assert posthog.before_send(self.message(event="debug.ping")) is None
        assert (
            posthog.before_send(self.message(properties={"telemetry_choice": "ada@example.com"}))
            is None
        )
        after = (dropped("unknown_event"), dropped("local_only"), dropped("invalid_properties"))
        assert after == tuple(b + 1 for b in before)

    @pytest.mark.parametrize("distinct_id", ["ada", "ada@example.com", "42", ""])
    def test_it_refuses_a_distinct_id_that_is_not_a_hash(self, distinct_id: str) -> None:
        assert posthog.before_send(self.message(distinct_id=distinct_id)) is None

    def test_person_properties_pass_only_when_declared(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(catalogue, "_person", {"plan": Enum("Plan.", choices=("pro",))})
        sent = posthog.before_send(
            self.message(
                properties={
                    "telemetry_choice": "off",
                    "$set": {"plan": "pro", "email": "ada@example.com", "name": "Ada"},
                }
            )
        )
        assert sent is not None
        assert sent["properties"]["$set"] == {"plan": "pro"}


class TestIdentity:
    def test_the_distinct_id_is_a_keyed_hash_of_the_primary_key(self, settings: Any) -> None:
        settings.ANALYTICS_ID_SECRET = "one secret"
        first = identity.distinct_id(42)
        assert len(first) == 64
        assert int(first, 16)
        assert identity.distinct_id(42) == first
        assert identity.distinct_id(43) != first
        settings.ANALYTICS_ID_SECRET = "another secret"
        assert identity.distinct_id(42) != first

    def test_without_its_own_secret_it_derives_one_from_secret_key(self, settings: Any) -> None:
        settings.ANALYTICS_ID_SECRET = ""
        first = identity.distinct_id(42)
        settings.SECRET_KEY = "a different secret key " * 3
        assert identity.distinct_id(42) != first


class TestDelivery:
    def test_it_sends_declared_events_under_a_pseudonymous_id(
        self, sending: FakePostHog, emit_now: Any
    ) -> None:
        emit_now("setup.completed", telemetry_choice="on", actor_id=42)
        flush()
        (request,) = sending.requests
        assert request.path == "/batch/"
        assert request.headers["Content-Encoding"] == "gzip"
        assert request.payload["api_key"] == "phc_test_key"
        (event,) = request.events
        assert event["event"] == "setup.completed"
        assert event["distinct_id"] == identity.distinct_id(42)
        assert event["properties"] == {
            "telemetry_choice": "on",
            "$lib": "posthog-python",
            "$lib_version": event["properties"]["$lib_version"],
            "$geoip_disable": True,
        }

    def test_an_event_without_a_user_is_personless(
        self, sending: FakePostHog, emit_now: Any
    ) -> None:
        emit_now("setup.completed", telemetry_choice="off")
        flush()
        (event,) = sending.events
        assert event["properties"]["$process_person_profile"] is False

    def test_person_properties_go_once_per_user_and_process(
        self, sending: FakePostHog, emit_now: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(catalogue, "_person", {"plan": Enum("Plan.", choices=("pro",))})
        monkeypatch.setattr(catalogue, "_person_provider", lambda user_id: {"plan": "pro"})
        for _ in range(2):
            emit_now("setup.completed", telemetry_choice="on", actor_id=7)
        flush()
        first, second = sending.events
        assert first["properties"]["$set"] == {"plan": "pro"}
        assert "$set" not in second["properties"]

    def test_a_provider_offering_undeclared_data_sends_the_event_without_it(
        self, sending: FakePostHog, emit_now: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(catalogue, "_person", {})
        monkeypatch.setattr(
            catalogue, "_person_provider", lambda user_id: {"email": "ada@example.com"}
        )
        emit_now("setup.completed", telemetry_choice="on", actor_id=8)
        flush()
        (event,) = sending.events
        assert "$set" not in event["properties"]
        assert b"ada@example.com" not in sending.all_bytes

    def test_the_client_is_created_lazily_once_per_process(
        self, sending: FakePostHog, emit_now: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert posthog._state is None
        emit_now("setup.completed", telemetry_choice="on")
        client = posthog.get_client()
        emit_now("setup.completed", telemetry_choice="on")
        assert posthog.get_client() is client
        # After a fork (gunicorn --preload), the child must not reuse the parent's client.
        monkeypatch.setattr(posthog.os, "getpid", lambda: -1)
        assert posthog.get_client() is not client

    def test_a_finishing_process_delivers_what_is_queued(
        self, fake_posthog: FakePostHog, emit_now: Any
    ) -> None:
        with posthog_enabled(fake_posthog, ANALYTICS_POSTHOG_FLUSH_INTERVAL=30):
            emit_now("setup.completed", telemetry_choice="on")
            time.sleep(0.05)
            assert fake_posthog.requests == []
            assert posthog._exit_hook_registered
            posthog._flush_at_exit()
            assert fake_posthog.event_names == ["setup.completed"]


class TestConsent:
    @pytest.mark.parametrize(
        "layer",
        [
            {"ANALYTICS_DO_NOT_TRACK": True},
            {"ANALYTICS_ENABLED": False},
            {"ANALYTICS_POSTHOG_API_KEY": ""},
        ],
        ids=["do-not-track", "disabled", "no-key"],
    )
    def test_any_layer_saying_off_keeps_everything_local(
        self, fake_posthog: FakePostHog, emit_now: Any, layer: dict[str, Any]
    ) -> None:
        with posthog_enabled(fake_posthog, **layer):
            emit_now("setup.completed", telemetry_choice="on", actor_id=1)
            flush()
            assert posthog._state is None  # not even a client was made
        assert fake_posthog.requests == []

    def test_the_switch_counts_as_on_only_when_it_exists_and_is_active(
        self, fake_posthog: FakePostHog, emit_now: Any
    ) -> None:
        with posthog_enabled(fake_posthog, switch=False):
            emit_now("setup.completed", telemetry_choice="on")
            with posthog_switch(active=False):
                emit_now("setup.completed", telemetry_choice="on")
            flush()
            assert fake_posthog.requests == []
            with posthog_switch(active=True):
                emit_now("setup.completed", telemetry_choice="on")
            flush()
        assert fake_posthog.event_names == ["setup.completed"]


class TestFailures:
    def test_a_full_queue_drops_and_counts_without_waiting(
        self, fake_posthog: FakePostHog, emit_now: Any
    ) -> None:
        fake_posthog.mode = "hang"
        before = dropped("queue_full")
        with posthog_enabled(
            fake_posthog, ANALYTICS_POSTHOG_MAX_QUEUE_SIZE=1, ANALYTICS_POSTHOG_FLUSH_AT=1
        ):
            started = time.perf_counter()
            for _ in range(6):
                emit_now("setup.completed", telemetry_choice="on")
            elapsed = time.perf_counter() - started
            # The SDK's refusals are counted by the hand-off thread, after the requests.
            posthog.drain_handoff(timeout=2)
        assert dropped("queue_full") >= before + 4
        assert elapsed < 0.5

    def test_an_unavailable_posthog_drops_and_counts(
        self, fake_posthog: FakePostHog, emit_now: Any
    ) -> None:
        fake_posthog.mode = "error"
        # Clients replaced by earlier tests may still be failing their last uploads.
        posthog.join_retired(timeout=2)
        before = dropped("upload_failed")
        with posthog_enabled(fake_posthog):
            emit_now("setup.completed", telemetry_choice="on")
            emit_now("setup.completed", telemetry_choice="off")
            flush()
        assert dropped("upload_failed") == before + 2
        assert len(fake_posthog.events) == 2
