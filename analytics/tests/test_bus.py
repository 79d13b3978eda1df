"""The bus: validation, delivery on commit, isolation of failing sinks and receivers."""

from __future__ import annotations

import logging
from contextlib import suppress
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.dispatch import Signal
from prometheus_client import REGISTRY

import analytics
from analytics import context, sinks
from analytics.bus import Event
from analytics.testutils import CapturedEvents


def dropped(sink: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "timetracker_events_dropped_total", {"sink": sink, "reason": reason}
    )
    return value or 0.0


class BrokenSink:
    name = "broken"

    def handle(self, event: Event) -> None:
        raise RuntimeError("sink is down")


class FlushingSink:
    name = "flushing"
    flushed: list[float] = []

    def handle(self, event: Event) -> None:
        pass

    def flush(self, *, timeout: float) -> None:
        self.flushed.append(timeout)


class TestValidation:
    def test_in_strict_mode_an_unknown_event_raises(self) -> None:
        with pytest.raises(analytics.UnknownEvent):
            analytics.emit("nothing.happened")

    def test_in_strict_mode_an_undeclared_property_raises(self) -> None:
        with pytest.raises(analytics.InvalidProperties, match="undeclared properties: email"):
            analytics.emit("setup.completed", telemetry_choice="on", email="ada@example.com")

    def test_in_production_a_bad_event_is_dropped_with_a_warning_and_a_count(
        self, settings: Any, caplog: pytest.LogCaptureFixture, analytics_events: CapturedEvents
    ) -> None:
        settings.ANALYTICS_STRICT = False
        before = dropped("catalogue", "invalid_properties")
        with caplog.at_level(logging.WARNING, logger="analytics"):
            result = analytics.emit(
                "setup.completed", telemetry_choice="on", email="ada@example.com"
            )
        assert result is None
        assert analytics_events == []
        assert dropped("catalogue", "invalid_properties") == before + 1
        (record,) = caplog.records
        assert "setup.completed: undeclared properties: email" in record.getMessage()
        assert "ada@example.com" not in record.getMessage()

    def test_in_production_an_unknown_event_is_dropped_and_counted(self, settings: Any) -> None:
        settings.ANALYTICS_STRICT = False
        before = dropped("catalogue", "unknown_event")
        assert analytics.emit("nothing.happened") is None
        assert dropped("catalogue", "unknown_event") == before + 1


class TestDelivery:
    def test_it_waits_for_the_commit(
        self, db: Any, django_capture_on_commit_callbacks: Any, analytics_events: CapturedEvents
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            analytics.emit("setup.completed", telemetry_choice="on")
            assert analytics_events == []
        assert analytics_events.names == ["setup.completed"]

    def test_a_rolled_back_write_fires_nothing(
        self, db: Any, django_capture_on_commit_callbacks: Any, analytics_events: CapturedEvents
    ) -> None:
        with (
            django_capture_on_commit_callbacks(execute=True),
            suppress(RuntimeError),
            transaction.atomic(),
        ):
            analytics.emit("setup.completed", telemetry_choice="on")
            raise RuntimeError("the write failed")
        assert analytics_events == []

    def test_outside_a_transaction_it_delivers_at_once(
        self, transactional_db: Any, analytics_events: CapturedEvents
    ) -> None:
        event = analytics.emit("setup.completed", telemetry_choice="off")
        assert analytics_events == [event]

    def test_the_actor_is_the_request_user_unless_given(
        self, transactional_db: Any, analytics_events: CapturedEvents
    ) -> None:
        request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=7))
        with context.request_context(request_id="req-12345678", request=request):
            analytics.emit("setup.completed", telemetry_choice="on")
            analytics.emit("setup.completed", telemetry_choice="on", actor_id=9)
        analytics.emit("setup.completed", telemetry_choice="on")
        assert [(e.actor_id, e.request_id) for e in analytics_events] == [
            (7, "req-12345678"),
            (9, "req-12345678"),
            (None, None),
        ]

    def test_a_failing_sink_is_logged_and_counted_and_the_others_still_deliver(
        self,
        transactional_db: Any,
        settings: Any,
        caplog: pytest.LogCaptureFixture,
        analytics_events: CapturedEvents,
    ) -> None:
        settings.ANALYTICS_SINKS = ["analytics.tests.test_bus.BrokenSink", "metrics"]
        before = dropped("broken", "error")
        with caplog.at_level(logging.INFO):
            analytics.emit("setup.completed", telemetry_choice="on")
        assert analytics_events.names == ["setup.completed"]
        assert dropped("broken", "error") == before + 1
        messages = [(r.name, r.getMessage()) for r in caplog.records]
        assert ("analytics", "analytics sink broken failed on setup.completed") in messages
        assert ("analytics.events", "setup.completed") in messages


class TestSinks:
    def test_the_json_log_is_always_first_and_aliases_resolve(self, settings: Any) -> None:
        settings.ANALYTICS_SINKS = ["posthog", "metrics", "posthog"]
        assert sinks.configured_paths() == (
            "analytics.sinks.jsonlog.JsonLogSink",
            "analytics.sinks.posthog.PostHogSink",
            "analytics.sinks.metrics.MetricsSink",
        )
        settings.ANALYTICS_SINKS = []
        assert [sink.name for sink in sinks.active()] == ["jsonlog"]

    def test_flush_reaches_every_sink_that_can(self, settings: Any) -> None:
        settings.ANALYTICS_SINKS = ["analytics.tests.test_bus.FlushingSink"]
        FlushingSink.flushed.clear()
        analytics.flush(timeout=0.25)
        assert FlushingSink.flushed == [0.25]


class TestReceivers:
    def test_a_receiver_error_raises_in_strict_mode(self) -> None:
        signal = Signal()

        @analytics.receiver(signal)
        def _broken(**kwargs: Any) -> None:
            raise KeyError("bug in the adapter")

        with pytest.raises(KeyError):
            signal.send(sender=None)

    def test_a_receiver_error_never_reaches_the_sender_in_production(
        self, settings: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        settings.ANALYTICS_STRICT = False
        signal = Signal()

        @analytics.receiver(signal)
        def _broken(**kwargs: Any) -> None:
            raise KeyError("bug in the adapter")

        before = dropped("receiver", "error")
        signal.send(sender=None)
        assert dropped("receiver", "error") == before + 1
        assert "analytics receiver" in caplog.text

    def test_connecting_twice_keeps_one_receiver(self) -> None:
        signal = Signal()
        calls: list[int] = []

        def handler(**kwargs: Any) -> None:
            calls.append(1)

        analytics.receiver(signal)(handler)
        analytics.receiver(signal)(handler)
        signal.send(sender=None)
        assert calls == [1]
