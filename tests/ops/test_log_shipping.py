"""Alloy and Promtail parse TimeTracker's log lines: the timestamp layout and the JSON
field names are read from their configurations and applied to a real log line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from analytics.logs import JsonFormatter
from tests.ops import configs

SHIPPERS = [configs.alloy_shipper(), configs.promtail_shipper()]

# The documented shape of an event line (docs, analytics/logs.py). Used when the app's
# formatter cannot be imported; the tests below prefer a line the formatter writes.
SAMPLE_LOG_LINE = (
    '{"timestamp": "2026-11-28T17:59:14.123Z", "level": "INFO", "logger": "analytics.events",'
    ' "message": "timer.started", "request_id": "5b0c6c1e0d7f4d0a9f3f6a1c2b3d4e5f",'
    ' "env": "production", "event": "timer.started", "project_id": 3}'
)
REQUEST_ID = "5b0c6c1e0d7f4d0a9f3f6a1c2b3d4e5f"
# A fixed time whose milliseconds must survive: 2026-11-28T17:59:14.123Z.
EXPECTED = datetime(2026, 11, 28, 17, 59, 14, 123000, tzinfo=UTC)


def formatter() -> JsonFormatter:
    return JsonFormatter(env="production")


def formatted(**record: Any) -> str:
    fmt = formatter()
    seconds = int(EXPECTED.replace(microsecond=0).timestamp())
    made = logging.makeLogRecord(
        {
            "levelno": logging.INFO,
            "levelname": "INFO",
            **record,
            "created": seconds + 0.123,
            "msecs": 123.0,
        }
    )
    return str(fmt.format(made))


@pytest.fixture(params=["formatter", "sample"])
def event_line(request: pytest.FixtureRequest) -> str:
    if request.param == "sample":
        return SAMPLE_LOG_LINE
    return formatted(
        name="analytics.events",
        msg="timer.started",
        analytics_event="timer.started",
        analytics_properties={"project_id": 3},
        request_id=REQUEST_ID,
    )


@pytest.fixture
def plain_line() -> str:
    return formatted(
        name="django.request",
        levelno=logging.ERROR,
        levelname="ERROR",
        msg="Internal Server Error: %s",
        args=("/api/v1/timer/",),
    )


def test_shippers_agree() -> None:
    alloy, promtail = SHIPPERS
    for field in (
        "path",
        "json_fields",
        "timestamp_source",
        "timestamp_layout",
        "labels",
        "static_labels",
        "dropped_labels",
        "push_url",
    ):
        assert getattr(alloy, field) == getattr(promtail, field), field


@pytest.mark.parametrize("shipper", SHIPPERS, ids=lambda s: s.name)
def test_labels_are_few_and_bounded(shipper: configs.Shipper) -> None:
    assert shipper.labels == {"level", "event", "env"}
    assert shipper.static_labels == {"app": "timetracker"}
    assert "filename" in shipper.dropped_labels
    assert shipper.path == "/var/log/timetracker/app.jsonl"


@pytest.mark.parametrize("shipper", SHIPPERS, ids=lambda s: s.name)
def test_shipper_parses_an_event_line(shipper: configs.Shipper, event_line: str) -> None:
    data = json.loads(event_line)
    # Every field the shipper extracts is a field of the line.
    extracted = {name: data.get(field) for name, field in shipper.json_fields.items()}
    assert extracted["level"] == "INFO"
    assert extracted["event"] == "timer.started"
    assert extracted["env"] == "production"
    stamp = extracted[shipper.timestamp_source]
    layout = configs.go_layout_to_python(shipper.timestamp_layout)
    assert layout.parse(stamp) == EXPECTED
    # The label values come from the line; request ids and users never become labels.
    assert set(shipper.labels) <= set(shipper.json_fields)
    assert data["request_id"] == REQUEST_ID
    assert not {"request_id", "user_id", "actor_id", "user"} & set(shipper.labels)


@pytest.mark.parametrize("shipper", SHIPPERS, ids=lambda s: s.name)
def test_shipper_parses_a_plain_line(shipper: configs.Shipper, plain_line: str) -> None:
    data = json.loads(plain_line)
    assert "event" not in data  # only event lines carry one: no event label then
    assert data["level"] == "ERROR"
    layout = configs.go_layout_to_python(shipper.timestamp_layout)
    assert layout.parse(data[shipper.json_fields[shipper.timestamp_source]]).tzinfo is UTC


def test_layout_is_exact() -> None:
    layout = configs.go_layout_to_python(configs.alloy_shipper().timestamp_layout)
    assert layout.strptime == "%Y-%m-%dT%H:%M:%S.%fZ"
    for wrong in (
        "2026-11-28T17:59:14Z",  # no milliseconds
        "2026-11-28T17:59:14.123456Z",  # microseconds
        "2026-11-28T17:59:14.123+00:00",  # an offset instead of Z
        "2026-11-28 17:59:14.123Z",
    ):
        with pytest.raises(ValueError, match="does not match"):
            layout.parse(wrong)


def test_go_layout_conversion() -> None:
    offset = configs.go_layout_to_python("2006-01-02T15:04:05Z07:00")
    assert offset.parse("2026-01-02T03:04:05+01:00") == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert offset.parse("2026-01-02T03:04:05Z") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    micro = configs.go_layout_to_python("2006-01-02 15:04:05.000000")
    assert micro.parse("2026-01-02 03:04:05.000007").microsecond == 7
    for unsupported in ("Jan 2 2006", "2006-1-2"):
        with pytest.raises(ValueError, match="unsupported"):
            configs.go_layout_to_python(unsupported)


def test_loki_keeps_logs_for_31_days() -> None:
    loki = configs.load_yaml(configs.LOKI_CONFIG)
    assert loki["limits_config"]["retention_period"] == "744h"
    assert loki["compactor"]["retention_enabled"] is True
    assert loki["compactor"]["delete_request_store"] == "filesystem"
    (schema,) = loki["schema_config"]["configs"]
    assert (schema["store"], schema["schema"], schema["object_store"]) == (
        "tsdb",
        "v13",
        "filesystem",
    )
    assert loki["server"]["http_listen_port"] == 3100
