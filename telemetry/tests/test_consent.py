"""The layers: the environment wins, then the stored decision, then configuration."""

from __future__ import annotations

from typing import Any

import pytest

from telemetry.consent import decide
from telemetry.models import Installation
from telemetry.testutils import TEST_API_KEY, opt_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings: Any) -> Any:
    settings.TELEMETRY_API_KEY = TEST_API_KEY
    settings.TELEMETRY_HOST = "https://telemetry.example.com"
    return settings


def test_undecided_behaves_as_off(configured: Any) -> None:
    decision = decide()
    assert (decision.enabled, decision.state, decision.layer) == (False, "undecided", "database")


def test_on_with_a_key_is_on(configured: Any) -> None:
    decision = decide(opt_in())
    assert (decision.enabled, decision.layer, decision.effective) == (True, "database", "on")


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("TELEMETRY_DO_NOT_TRACK", True, "DO_NOT_TRACK is set"),
        ("TELEMETRY_ENABLED", False, "TELEMETRY_ENABLED is false"),
    ],
)
def test_the_environment_wins_over_an_opt_in(
    configured: Any, setting: str, value: bool, reason: str
) -> None:
    installation = opt_in()
    setattr(configured, setting, value)
    decision = decide(installation)
    assert (decision.enabled, decision.layer, decision.reason) == (False, "environment", reason)
    assert decision.state == "on"


def test_without_an_api_key_there_is_nowhere_to_send(configured: Any) -> None:
    installation = opt_in()
    configured.TELEMETRY_API_KEY = ""
    decision = decide(installation)
    assert (decision.enabled, decision.layer) == (False, "configuration")


def test_a_host_that_is_no_http_url_is_off(configured: Any) -> None:
    installation = opt_in()
    configured.TELEMETRY_HOST = "file:///etc"
    assert decide(installation).layer == "configuration"


def test_an_opt_in_for_an_older_report_does_not_cover_the_current_one(configured: Any) -> None:
    opt_in()
    Installation.objects.update(schema_version=0)
    decision = decide(Installation.objects.get_solo())
    assert (decision.enabled, decision.layer) == (False, "database")
    assert "changed since it was agreed to" in decision.reason


def test_the_environment_layer_is_answered_without_the_database(
    configured: Any, django_assert_num_queries: Any
) -> None:
    configured.TELEMETRY_DO_NOT_TRACK = True
    with django_assert_num_queries(0):
        assert decide().enabled is False
