"""The report: its fields match the declared schema, the docs, and nothing more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from telemetry import docs, payload
from telemetry.models import Installation
from telemetry.payload import SCHEMA, bucket, fields, report

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _report(**kwargs: Any) -> payload.Report:
    return report(install_id=str(Installation.objects.get_solo().install_id), **kwargs)


def test_the_report_has_exactly_the_declared_fields_in_order() -> None:
    assert fields(_report().data) == list(SCHEMA)


def test_every_declared_field_has_a_type_and_a_sentence() -> None:
    for name, field in SCHEMA.items():
        assert field.type, name
        assert field.description.endswith("."), name


def test_docs_list_the_same_fields_as_the_schema() -> None:
    text = (ROOT / "docs" / "telemetry.md").read_text(encoding="utf-8")
    assert docs.block_of(text) == docs.as_markdown(), (
        "docs/telemetry.md is out of date: replace its field table with the output of "
        "`python manage.py telemetry schema`"
    )


@pytest.mark.parametrize(
    ("count", "label"),
    [(0, "0"), (1, "1-5"), (5, "1-5"), (6, "6-25"), (25, "6-25"), (26, "26-100"),
     (100, "26-100"), (101, "101+"), (10**6, "101+")],
)  # fmt: skip
def test_counts_are_sent_as_ranges(count: int, label: str) -> None:
    assert bucket(count) == label


def test_the_counts_come_from_the_project_hook(settings: Any) -> None:
    settings.TELEMETRY_COUNTS = lambda: {"users": 3, "projects": 30, "entries_30d": 300}
    properties = _report().data["properties"]
    assert (properties["users"], properties["projects"], properties["entries_30d"]) == (
        "1-5",
        "26-100",
        "101+",
    )


def test_the_projects_counts_hook_counts_users_projects_and_recent_entries(
    admin: Any, member: Any, project: Any
) -> None:
    from apps.monitoring.telemetry import installation_counts

    assert installation_counts() == {"users": 2, "projects": 1, "entries_30d": 0}


@pytest.mark.parametrize(
    "bad",
    [{"users": 1}, {"users": 1, "projects": 1, "entries_30d": -1},
     {"users": "1", "projects": 1, "entries_30d": 1}, [1, 2, 3]],
)  # fmt: skip
def test_a_counts_hook_returning_anything_else_is_refused(settings: Any, bad: object) -> None:
    settings.TELEMETRY_COUNTS = lambda: bad
    with pytest.raises(ImproperlyConfigured, match="TELEMETRY_COUNTS"):
        _report()


def test_the_bytes_are_the_indented_json_of_the_data() -> None:
    built = _report()
    assert json.loads(built.content) == built.data
    assert built.content == built.text.encode("ascii")
    assert built.content.endswith(b"}\n")
    assert built.sha256 == payload.hashlib.sha256(built.content).hexdigest()


def test_two_reports_of_the_same_state_are_byte_for_byte_equal() -> None:
    assert _report().content == _report().content


def test_the_install_id_is_random_and_not_the_hostname() -> None:
    import socket

    installation = Installation.objects.get_solo()
    assert installation.install_id.version == 4
    assert socket.gethostname() not in _report().text


@pytest.mark.parametrize(("setting", "expected"), [("docker", "docker"), ("other", "other")])
def test_the_deployment_can_be_stated(settings: Any, setting: str, expected: str) -> None:
    settings.TELEMETRY_DEPLOYMENT = setting
    assert _report().data["properties"]["deployment"] == expected


def test_the_deployment_is_detected_from_dockerenv(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TELEMETRY_DEPLOYMENT = "auto"
    monkeypatch.setattr(payload.Path, "exists", lambda self: str(self) == "/.dockerenv")
    assert payload.deployment() == "docker"
    monkeypatch.setattr(payload.Path, "exists", lambda self: False)
    assert payload.deployment() == "other"


def test_the_platform_facts_are_the_real_ones(settings: Any) -> None:
    import platform

    import django

    settings.TELEMETRY_VERSION = "9.8.7"
    properties = _report().data["properties"]
    assert properties["app_version"] == "9.8.7"
    assert properties["python_version"] == platform.python_version()
    assert properties["django_version"] == django.get_version()
    assert properties["os"] == platform.system()
    assert properties["database"] in ("sqlite", "postgresql")
