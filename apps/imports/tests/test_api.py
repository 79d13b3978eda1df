"""``POST /api/v1/imports/``: the import page's door in the API, same service and job."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.imports.tests.conftest import sample
from apps.jobs.models import Job
from apps.timers.models import TimeEntry

pytestmark = pytest.mark.django_db
URL = "/api/v1/imports/"


def _post(client: APIClient, data: bytes | None = None, **fields: Any) -> Any:
    body = {"format": "toggl", "timezone": "Europe/Berlin", **fields}
    body["file"] = SimpleUploadedFile("toggl.csv", sample("toggl.csv") if data is None else data)
    return client.post(URL, body, format="multipart")


def test_it_dry_runs_by_default_then_imports_once(admin_api: APIClient, member: Any) -> None:
    dry = _post(admin_api, create_missing="true")
    assert dry.status_code == 201
    body = dry.json()
    assert body["kind"] == "import"
    assert body["finished"] is True
    assert body["result"]["dry_run"] is True
    assert body["result"]["created"] == 3
    assert TimeEntry.objects.count() == 0

    done = _post(admin_api, dry_run="false", create_missing="true").json()
    assert done["result"]["imported"] is True
    assert TimeEntry.objects.count() == 3
    again = _post(admin_api, dry_run="false", create_missing="true").json()
    assert (again["result"]["created"], again["result"]["duplicates"]) == (0, 3)
    assert TimeEntry.objects.count() == 3
    # The job is the caller's, at the jobs API.
    assert admin_api.get(done["status_url"]).json()["result"]["created"] == 3


def test_a_large_file_is_queued_and_answers_at_once(
    settings: Any, admin_api: APIClient, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(admin_api, dry_run="false", create_missing="true")
    assert response.status_code == 202
    assert response.json()["finished"] is False
    job = Job.objects.get()
    assert job.task_id
    assert admin_api.get(response.json()["status_url"]).json()["result"]["created"] == 3


@pytest.mark.parametrize(
    ("fields", "data", "field"),
    [
        ({"format": "harvest"}, None, "format"),
        ({"timezone": "Mars/Olympus"}, None, "timezone"),
        ({}, b"\xff\xfe\x00\xd8broken", "file"),
        ({"dry_run": "perhaps"}, None, "dry_run"),
    ],
)
def test_bad_requests_get_a_field_error_and_import_nothing(
    admin_api: APIClient, fields: dict[str, str], data: bytes | None, field: str
) -> None:
    response = _post(admin_api, data, **fields)
    assert response.status_code == 400
    assert field in response.json()
    assert not Job.objects.exists()
    assert TimeEntry.objects.count() == 0


def test_a_missing_file_and_a_json_body_are_refused(admin_api: APIClient) -> None:
    assert "file" in admin_api.post(URL, {"format": "toggl"}, format="multipart").json()
    assert admin_api.post(URL, {"format": "toggl"}, format="json").status_code == 415


def test_members_and_visitors_cannot_import(member_api: APIClient) -> None:
    assert _post(member_api).status_code == 403
    assert _post(APIClient()).status_code in (401, 403)
    assert not Job.objects.exists()
