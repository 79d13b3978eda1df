"""Jobs: progress, owner-only pages and downloads, expiry, the export hand-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.jobs.models import Job, JobKind, JobState
from apps.jobs.services import (
    Outcome,
    Progress,
    job_create,
    job_dir,
    job_run,
    jobs_cleanup,
    register,
)
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def _entries(user: Any, project: Any, count: int) -> None:
    for n in range(count):
        start = MONDAY + timedelta(hours=n)
        TimeEntryFactory(
            user=user, project=project, started_at=start, ended_at=start + timedelta(minutes=30)
        )


def _export_job(client: Client, fmt: str = "csv") -> Job:
    response = client.post(
        f"/reports/export-job.{fmt}", {"start": "2024-03-01", "end": "2024-03-31"}
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    return job


def test_a_large_web_export_offers_a_job_whose_page_shows_progress_and_the_download(
    settings: Any,
    member: Any,
    member_web: Client,
    project: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 2
    _entries(member, project, 3)

    offer = member_web.get("/reports/export.xlsx?start=2024-03-01&end=2024-03-31")
    assert offer.status_code == 200
    assert b"Export 3 entries" in offer.content
    assert b'action="/reports/export-job.xlsx"' in offer.content
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(member_web, "xlsx")

    job.refresh_from_db()
    assert (job.state, job.rows_done, job.rows_total) == (JobState.DONE, 3, 3)
    page = member_web.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/download/"' in page
    status = member_web.get(f"/jobs/{job.pk}/status/").json()
    assert status["percent"] == 100
    assert status["finished"] is True
    download = member_web.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(filename=_body(download)).active
    assert sheet is not None
    dated = [row for row in sheet.iter_rows(min_row=2) if isinstance(row[0].value, datetime)]
    assert len(dated) == 3


def _body(response: Any) -> Any:
    import io

    return io.BytesIO(b"".join(response.streaming_content))


def test_a_small_web_export_still_streams_at_once(
    member: Any, member_web: Client, project: Any
) -> None:
    _entries(member, project, 2)
    response = member_web.get("/reports/export.csv?start=2024-03-01&end=2024-03-31")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert not Job.objects.exists()


def test_a_running_job_page_has_a_progress_bar_a_refresh_link_and_the_poll(
    member: Any, member_web: Client
) -> None:
    job = Job.objects.create(
        owner=member, kind=JobKind.EXPORT, state=JobState.RUNNING, rows_done=40, rows_total=160
    )

    page = member_web.get(f"/jobs/{job.pk}/").content.decode()
    assert '<progress id="job-progress" max="160" value="40">25 %</progress>' in page
    assert f'<a href="/jobs/{job.pk}/" data-job-refresh>Refresh</a>' in page
    assert f'data-status-url="/jobs/{job.pk}/status/"' in page
    assert "js/progress.js" in page
    status = member_web.get(f"/jobs/{job.pk}/status/")
    assert status["Cache-Control"] == "no-store"
    assert status.json() | {"created_at": None} == {
        "id": job.pk,
        "kind": "export",
        "state": "running",
        "state_label": "Running",
        "stage": "",
        "rows_done": 40,
        "rows_total": 160,
        "percent": 25,
        "finished": False,
        "error": "",
        "created_at": None,
        "finished_at": None,
        "expires_at": None,
        "download_url": None,
        "status_url": f"/jobs/{job.pk}/status/",
        "result": None,  # an import's report, once it has run
    }


def test_progress_is_written_as_the_handler_advances(member: Any) -> None:
    seen: list[tuple[int, int | None]] = []

    def handler(job: Job, progress: Progress) -> Outcome:
        progress.stage("Counting", total=300)
        for done in range(1, 301):
            progress.advance(done)
            if done in (3, 150, 300):
                row = Job.objects.get(pk=job.pk)
                seen.append((row.rows_done, row.rows_total))
        return Outcome(rows=300)

    register(JobKind.IMPORT, handler)
    try:
        job = job_create(owner=member, kind=JobKind.IMPORT, params={}, background=False)
        finished = job_run(job_id=job.pk)
    finally:
        from apps.imports import background  # the real handler back

        register(JobKind.IMPORT, background._run)
    assert seen == [(3, 300), (150, 300), (300, 300)]
    assert finished is not None
    assert finished.state == JobState.DONE
    # A job runs once: a second worker (or a retry) finds it taken.
    assert job_run(job_id=job.pk) is None


def test_only_the_owner_sees_a_job_and_its_file(
    settings: Any,
    member: Any,
    member_web: Client,
    other_web: Client,
    admin_web: Client,
    project: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _entries(member, project, 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(member_web)
    for client in (other_web, admin_web):
        for path in ("", "status/", "download/"):
            assert client.get(f"/jobs/{job.pk}/{path}").status_code == 404
    assert Client().get(f"/jobs/{job.pk}/download/").status_code == 302  # to the login page
    assert member_web.get(f"/jobs/{job.pk}/download/").status_code == 200


def test_expired_files_are_deleted_and_then_no_longer_served(
    member: Any, member_web: Client, project: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _entries(member, project, 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(member_web)
    job.refresh_from_db()
    folder = job_dir(job)
    assert job.expires_at is not None
    assert any(folder.iterdir())

    assert jobs_cleanup(now=job.expires_at - timedelta(seconds=1)) == 0
    assert member_web.get(f"/jobs/{job.pk}/download/").status_code == 200
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("cleanup_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115

    job.refresh_from_db()
    assert job.state == JobState.EXPIRED
    assert not folder.exists()
    assert member_web.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert "deleted after its retention time" in member_web.get(f"/jobs/{job.pk}/").content.decode()


def test_a_stored_path_outside_the_job_folder_is_never_served(
    member: Any, member_web: Client, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    job = Job.objects.create(
        owner=member,
        kind=JobKind.EXPORT,
        state=JobState.DONE,
        result_path="../secret.txt",
        result_name="x",
    )
    assert member_web.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_failing_handler_fails_the_job_with_a_message_and_no_file(member: Any) -> None:
    def handler(job: Job, progress: Progress) -> Outcome:
        raise RuntimeError("boom")

    register(JobKind.IMPORT, handler)
    try:
        job = job_create(
            owner=member, kind=JobKind.IMPORT, params={}, input_data=b"x", background=False
        )
        finished = job_run(job_id=job.pk)
    finally:
        from apps.imports import background

        register(JobKind.IMPORT, background._run)
    assert finished is not None
    assert finished.state == JobState.FAILED
    assert "failed unexpectedly" in finished.error
    assert not job_dir(job).exists()


def test_the_api_answers_202_with_the_job_when_asked_for_async(
    member: Any,
    member_api: Any,
    other_api: Any,
    project: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _entries(member, project, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.get(
            "/api/v1/time-entries/export/?format=json&async=true&start=2024-03-01"
        )
    assert response.status_code == 202
    body = response.json()
    job = Job.objects.get()
    assert body["status_url"] == f"/api/v1/jobs/{job.pk}/"
    assert response["Location"].endswith(body["status_url"])

    status = member_api.get(body["status_url"]).json()
    assert status["state"] == "done"
    assert status["download_url"] == f"/api/v1/jobs/{job.pk}/download/"
    download = member_api.get(status["download_url"])
    exported = json.loads(b"".join(download.streaming_content))
    assert len(exported["entries"]) == 2
    assert other_api.get(body["status_url"]).status_code == 404
    assert other_api.get(status["download_url"]).status_code == 404
    bad = member_api.get("/api/v1/time-entries/export/?format=json&async=maybe")
    assert bad.status_code == 400
    assert "async" in bad.json()


def test_job_events_carry_kinds_states_and_counts_only(
    member: Any,
    member_web: Client,
    project: Any,
    analytics_events: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _entries(member, project, 2)
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(member_web)
    created = analytics_events.properties("job.created")
    assert created == {"job_id": job.pk, "kind": "export", "background": True}
    finished = analytics_events.properties("job.finished")
    assert finished == {
        "job_id": job.pk,
        "kind": "export",
        "state": "done",
        "rows": 2,
        "duration": "<1s",
    }
    assert analytics_events.properties("export.csv") == {"rows": 2, "channel": "web"}


def test_a_background_export_keeps_repeated_filters_such_as_tags(
    settings: Any,
    member: Any,
    member_web: Client,
    project: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from apps.tags.models import Tag

    settings.EXPORT_BACKGROUND_ROWS = 1
    _entries(member, project, 3)
    red, blue = Tag.objects.create(name="red"), Tag.objects.create(name="blue")
    first, second, _third = member.time_entries.order_by("started_at")
    first.tags.add(red)
    second.tags.add(blue)
    query = f"start=2024-03-01&end=2024-03-31&tag={red.pk}&tag={blue.pk}"

    offer = member_web.get(f"/reports/export.csv?{query}").content.decode()
    assert f'<input type="hidden" name="tag" value="{red.pk}">' in offer
    assert f'<input type="hidden" name="tag" value="{blue.pk}">' in offer
    with django_capture_on_commit_callbacks(execute=True):
        member_web.post(
            "/reports/export-job.csv",
            {"start": "2024-03-01", "end": "2024-03-31", "tag": [red.pk, blue.pk]},
        )
    job = Job.objects.get()
    body = b"".join(member_web.get(f"/jobs/{job.pk}/download/").streaming_content).decode()
    assert job.rows_total == 2
    assert len(body.strip().splitlines()) == 1 + 2


def test_a_queue_outage_fails_the_job_not_the_request(
    member: Any,
    member_web: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from apps.jobs import tasks

    def unreachable(**kwargs: Any) -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "run_job", SimpleNamespace(enqueue=unreachable))
    with django_capture_on_commit_callbacks(execute=True):
        job = _export_job(member_web)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error == "The job queue is unreachable; try again later."
    assert "The job queue is unreachable" in member_web.get(f"/jobs/{job.pk}/").content.decode()


@pytest.mark.parametrize(
    "stored",
    [
        {"result": ["not", "a", "dict"]},
        {"result": {"problems": "text", "new_clients": 3, "rows": None}, "kind": "import"},
        {"result": {"problems": [1, None, {"line": "x"}]}, "kind": "import"},
        {"state": "nonsense", "rows_total": 0, "rows_done": 10**9},
        {"params": {"filters": [["tag", "x"], "junk"]}, "stage": "\x07"},
    ],
)
def test_a_job_row_with_odd_stored_values_still_renders(
    member: Any, member_web: Client, stored: dict[str, Any]
) -> None:
    values = {"kind": JobKind.EXPORT, "state": JobState.DONE, **stored}
    job = Job.objects.create(owner=member, **values)
    for path in ("", "status/", "download/"):
        assert member_web.get(f"/jobs/{job.pk}/{path}").status_code in (200, 404)
    assert member_web.get("/jobs/").status_code == 200


def test_progress_inside_the_handlers_transaction_is_seen_through_the_status(
    member: Any,
) -> None:
    from django.db import transaction

    from apps.jobs.selectors import job_status

    seen: list[tuple[int, int | None, str, int]] = []

    def handler(job: Job, progress: Progress) -> Outcome:
        with transaction.atomic():
            progress.stage("Writing entries", total=200)
            progress.advance(150)
            status = job_status(Job.objects.get(pk=job.pk))
            row = Job.objects.get(pk=job.pk)
            seen.append((status["rows_done"], status["rows_total"], status["stage"], row.rows_done))
        return Outcome(rows=200)

    register(JobKind.IMPORT, handler)
    try:
        job = job_create(owner=member, kind=JobKind.IMPORT, params={}, background=False)
        finished = job_run(job_id=job.pk)
    finally:
        from apps.imports import background

        register(JobKind.IMPORT, background._run)
    # Another connection could not see an UPDATE made in that transaction; the status
    # reads the count the handler wrote beside it.
    assert seen == [(150, 200, "Writing entries", 0)]
    assert finished is not None
    assert (finished.rows_done, finished.rows_total) == (200, 200)
    assert not (job_dir(job) / "progress").exists()


def test_the_job_pages_are_well_formed_html_with_labelled_controls(
    settings: Any,
    member: Any,
    member_web: Client,
    admin_web: Client,
    project: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from apps.web.tests.html_check import assert_valid_page

    settings.EXPORT_BACKGROUND_ROWS = 1
    _entries(member, project, 2)
    running = Job.objects.create(
        owner=member, kind=JobKind.EXPORT, state=JobState.RUNNING, rows_done=1, rows_total=2
    )
    queued = Job.objects.create(owner=member, kind=JobKind.EXPORT)
    with django_capture_on_commit_callbacks(execute=True):
        member_web.post("/reports/export-job.csv", {"start": "2024-03-01", "end": "2024-03-31"})
    done = Job.objects.get(state=JobState.DONE)
    for path in (
        f"/jobs/{running.pk}/",
        f"/jobs/{queued.pk}/",
        f"/jobs/{done.pk}/",
        "/jobs/",
        "/reports/export.csv?start=2024-03-01&end=2024-03-31",
    ):
        response = member_web.get(path)
        assert response.status_code == 200, path
        assert_valid_page(response.content.decode())
    assert_valid_page(admin_web.get("/import/").content.decode())
