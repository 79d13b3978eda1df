"""GET /api/v1/time-entries/export/: the same exports through the API."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from apps.reports.signals import export_generated
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/time-entries/export/"
START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def entries(member: Any, other_member: Any, project: Any) -> None:
    for user, hours in ((member, 1), (member, 2), (other_member, 3)):
        TimeEntryFactory(
            user=user, project=project, started_at=START, ended_at=START + timedelta(hours=hours)
        )


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("json", "application/json"),
        ("ics", "text/calendar; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_it_exports_each_format_chosen_with_the_format_parameter(
    member_api: APIClient, entries: None, fmt: str, content_type: str
) -> None:
    response = member_api.get(f"{URL}?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f'.{fmt}"' in response["Content-Disposition"]
    assert isinstance(response, StreamingHttpResponse)  # FileResponse (xlsx) is one too


def test_it_exports_only_the_callers_entries_to_a_member(
    member_api: APIClient, entries: None
) -> None:
    rows = list(csv.DictReader(io.StringIO(body(member_api.get(f"{URL}?format=csv")).decode())))
    assert [row["hours"] for row in rows] == ["1.0000", "2.0000"]


def test_it_exports_everyone_to_an_admin_and_filters_by_person(
    admin_api: APIClient, entries: None, other_member: Any
) -> None:
    data = json.loads(body(admin_api.get(f"{URL}?format=json")))
    assert sorted(item["user"] for item in data["entries"]) == ["mel", "mel", "otto"]
    data = json.loads(body(admin_api.get(f"{URL}?format=json&user={other_member.pk}")))
    assert [item["hours"] for item in data["entries"]] == [3.0]


def test_it_sums_hours_in_the_xlsx(member_api: APIClient, entries: None) -> None:
    book = openpyxl.load_workbook(io.BytesIO(body(member_api.get(f"{URL}?format=xlsx"))))
    hours = [row[3] for row in book.active.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert sum(hours) == pytest.approx(3.0)


def test_it_picks_the_format_from_the_accept_header(member_api: APIClient, entries: None) -> None:
    response = member_api.get(URL, HTTP_ACCEPT="text/calendar")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert member_api.get(URL)["Content-Type"] == "text/csv; charset=utf-8"


def test_it_answers_errors_as_json(member_api: APIClient, anon_api: APIClient) -> None:
    response = member_api.get(f"{URL}?format=csv&start=2026-03-10&end=2026-03-01")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"end": ["The end is before the start."]}
    assert member_api.get(f"{URL}?format=pdf").status_code == 404
    response = anon_api.get(f"{URL}?format=csv")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_it_sends_export_generated_on_the_api_channel(
    member_api: APIClient, member: Any, entries: None
) -> None:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    export_generated.connect(receiver, weak=False)
    try:
        body(member_api.get(f"{URL}?format=ics&start=2026-03-09&end=2026-03-09"))
    finally:
        export_generated.disconnect(receiver)
    assert len(calls) == 1
    assert {k: calls[0][k] for k in ("user_id", "format", "rows", "channel")} == {
        "user_id": member.pk,
        "format": "ics",
        "rows": 2,
        "channel": "api",
    }


def test_it_is_in_the_openapi_schema(member_api: APIClient) -> None:
    schema = member_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"][URL]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"format", "start", "end", "project", "task", "user"} <= names
    assert "modified_after" not in names
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv",
        "application/json",
        "text/calendar",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
