"""The doors of the import: the upload page (admins only), the command, the events."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from apps.imports.tests.conftest import SAMPLES, sample
from apps.jobs.models import Job, JobState
from apps.timers.models import TimeEntry

pytestmark = pytest.mark.django_db


def _upload(
    client: Client, name: str = "toggl.csv", data: bytes | None = None, **fields: Any
) -> Any:
    form = {"format": name.split(".")[0], "timezone": "Europe/Berlin", **fields}
    form["file"] = SimpleUploadedFile(name, sample(name) if data is None else data, "text/csv")
    return client.post("/import/", form)


def test_members_and_visitors_cannot_reach_the_import_page(member_web: Client) -> None:
    assert member_web.get("/import/").status_code == 404
    assert _upload(member_web).status_code == 404
    assert Client().get("/import/").status_code == 302
    assert not Job.objects.exists()


def test_an_admin_dry_runs_then_imports_a_file_and_the_second_upload_adds_nothing(
    admin: Any, admin_web: Client, member: Any
) -> None:
    assert b'enctype="multipart/form-data"' in admin_web.get("/import/").content

    dry = _upload(admin_web, dry_run="on", create_missing="on")
    job = Job.objects.get()
    assert dry["Location"] == f"/jobs/{job.pk}/"
    page = admin_web.get(dry["Location"]).content.decode()
    assert "Dry run" in page
    assert "Would create 3 entries" in page
    assert "To create: clients: Acme" in page
    assert TimeEntry.objects.count() == 0

    done = _upload(admin_web, create_missing="on")
    page = admin_web.get(done["Location"]).content.decode()
    assert "Created 3 entries" in page
    assert TimeEntry.objects.count() == 3

    again = _upload(admin_web, create_missing="on")
    page = admin_web.get(again["Location"]).content.decode()
    assert "Created 0 entries" in page
    assert "3 already stored (skipped)" in page
    assert TimeEntry.objects.count() == 3


def test_a_refused_upload_lists_each_bad_line_and_imports_nothing(
    admin_web: Client, member: Any
) -> None:
    response = _upload(admin_web, name="kimai.csv")
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    page = admin_web.get(response["Location"]).content.decode()
    assert "Nothing was imported: 3 row(s) cannot be imported" in page
    assert "<td>2</td><td>There is no client &#x27;Acme&#x27;" in page
    assert TimeEntry.objects.count() == 0


def test_an_unreadable_upload_is_a_form_error(admin_web: Client) -> None:
    response = _upload(admin_web, data="Réunion".encode("latin-1"))
    assert response.status_code == 200
    assert "the file is not UTF-8 text" in response.content.decode()
    bad_zone = _upload(admin_web, timezone="Mars/Olympus")
    assert "Not a time zone" in bad_zone.content.decode()
    assert not Job.objects.exists()


def test_a_large_upload_runs_as_a_background_job(
    settings: Any, admin_web: Client, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(admin_web, create_missing="on")
    job = Job.objects.get()
    assert job.task_id  # it went through the queue
    assert job.state == JobState.DONE
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert "Created 3 entries" in admin_web.get(response["Location"]).content.decode()


def test_the_command_dry_runs_imports_and_refuses_with_line_numbers(
    member: Any, admin: Any
) -> None:
    out, err = io.StringIO(), io.StringIO()
    path = str(SAMPLES / "clockify.csv")
    call_command(
        "import_entries", "--format", "clockify", path, "--dry-run", "--create-missing", stdout=out
    )
    assert "3 row(s) read (times in UTC). Would create 3 entries" in out.getvalue()
    assert "Dry run: nothing was changed." in out.getvalue()
    assert TimeEntry.objects.count() == 0

    with pytest.raises(CommandError, match="Nothing was imported: 3 row"):
        call_command("import_entries", "--format", "clockify", path, stdout=out, stderr=err)
    assert "Line 2: There is no client 'Acme'" in err.getvalue()

    call_command("import_entries", "--format=clockify", path, "--create-missing", stdout=out)
    assert TimeEntry.objects.count() == 3


def test_the_command_names_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_entries", "--format", "toggl", str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfeX\x00\xff")
    with pytest.raises(CommandError):
        call_command("import_entries", "--format", "toggl", str(bad))


def test_the_import_event_has_counts_and_enums_only(
    admin: Any, member: Any, analytics_events: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.imports.services import import_entries

    with django_capture_on_commit_callbacks(execute=True):
        import_entries(fmt="toggl", data=sample("toggl.csv"), actor=admin, create_missing=True)
    assert analytics_events.properties("import.finished") == {
        "format": "toggl",
        "dry_run": False,
        "outcome": "imported",
        "rows": 3,
        "created": 3,
        "duplicates": 0,
        "problems": 0,
        "clients": 1,
        "projects": 2,
        "tasks": 1,
        "tags": 2,
    }
    assert "Acme" not in str(list(analytics_events))
    assert "example.com" not in str(list(analytics_events))


def test_the_jobs_page_links_admins_to_the_import(
    admin_web: Client, member_web: Client, member: Any
) -> None:
    _upload(admin_web, dry_run="on", create_missing="on")
    admin_page = admin_web.get("/jobs/").content.decode()
    assert 'href="/import/"' in admin_page
    assert 'href="/jobs/' in admin_page
    member_page = member_web.get("/jobs/").content.decode()
    assert 'href="/import/"' not in member_page
    assert "No jobs yet." in member_page


def test_the_import_report_pages_are_well_formed_html(admin_web: Client, member: Any) -> None:
    from apps.web.tests.html_check import assert_valid_page

    for fields in ({"dry_run": "on", "create_missing": "on"}, {}):
        response = _upload(admin_web, name="kimai.csv", **fields)
        assert_valid_page(admin_web.get(response["Location"]).content.decode())
    assert_valid_page(_upload(admin_web, data=b"\xff\xfe\x00").content.decode())
