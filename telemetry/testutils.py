"""Test helpers shipped with the telemetry app.

``setup_not_needed`` is a ``TELEMETRY_SETUP_NEEDED`` hook for suites whose tests do not
care about the first-run setup. ``reporting_to(server)`` points reports at a local fake
capture server (``analytics.testutils.FakePostHog``) with
short time-outs and no jitter; ``opt_in()`` turns telemetry on with the report due now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from django.test import override_settings
from django.utils import timezone

from telemetry import services
from telemetry.models import Channel, Installation, State

TEST_API_KEY = "phc_telemetry_test_key"


class Server(Protocol):
    @property
    def url(self) -> str: ...


def setup_not_needed() -> bool:
    return False


FAST = {
    "TELEMETRY_API_KEY": TEST_API_KEY,
    "TELEMETRY_TIMEOUT": 0.5,
    "TELEMETRY_JITTER": 0.0,
    "TELEMETRY_POLL_INTERVAL": 0.02,
    "TELEMETRY_RETRY_BASE": 60.0,
    "TELEMETRY_DEBUG": False,
    "TELEMETRY_ENABLED": True,
    "TELEMETRY_DO_NOT_TRACK": False,
}


@contextmanager
def reporting_to(server: Server, **settings: Any) -> Iterator[None]:
    """Send reports to ``server`` for the block; extra ``TELEMETRY_*`` settings win."""
    with override_settings(**{**FAST, "TELEMETRY_HOST": server.url, **settings}):
        yield


def opt_in(*, due: bool = True) -> Installation:
    """Telemetry on (as the command would do it), with the report due now if ``due``."""
    services.decision_set(state=State.ON, channel=Channel.COMMAND)
    if due:
        Installation.objects.filter(pk=Installation.SINGLETON_ID).update(
            next_send_at=timezone.now()
        )
    return Installation.objects.get_solo()
