"""timetracker_time_entries_created_total{channel}: the product-usage row's local counter."""

from __future__ import annotations

from prometheus_client import REGISTRY

from analytics.conf import channel_choices
from analytics.context import request_context
from apps.monitoring import receivers
from apps.timers.signals import time_entry_created

NAME = "timetracker_time_entries_created_total"


def value(channel: str) -> float | None:
    return REGISTRY.get_sample_value(NAME, {"channel": channel})


def test_every_channel_starts_at_zero_or_more() -> None:
    receivers.initialise_counters()
    for channel in channel_choices():
        assert value(channel) is not None, channel


def test_the_counter_listens_to_time_entry_created() -> None:
    receivers.connect()
    uids = [lookup[0] for lookup, *_ in time_entry_created.receivers]
    assert "monitoring.entries_created" in uids


def test_an_entry_is_counted_under_the_channel_of_the_work() -> None:
    before = value("api") or 0
    with request_context(channel="api"):
        receivers._count_entry(sender=None, entry=None, overlaps=0)
    assert value("api") == before + 1


def test_an_unknown_channel_is_counted_as_other() -> None:
    before = value(receivers.OTHER_CHANNEL) or 0
    with request_context(channel="made-up"):
        receivers._count_entry(sender=None)
    assert value(receivers.OTHER_CHANNEL) == before + 1
    assert "made-up" not in channel_choices()
