"""An import with progress in a real browser (headless Chromium via Playwright).

An admin uploads a Kimai export that is large enough to be queued; the job page shows a
progress bar that follows the job's status without a reload (the JavaScript poll), the
real database worker runs the job, and the page then shows the import's report.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from apps.imports.tests.conftest import SAMPLES
from apps.jobs.models import Job, JobState
from apps.timers.models import TimeEntry
from apps.web.tests.browser_support import (
    POLL_MS,
    axe_on_every_page,
    check_page,
    goto_signed_in,
    sign_in,
)
from apps.web.tests.test_browser import browser, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_imports_a_file_and_watches_its_progress(
    settings: Any,
    admin: Any,
    member: Any,
    live_server: Any,
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_BACKGROUND_ROWS = 1
    url = live_server.url
    sign_in(page.context, url, admin)
    goto_signed_in(page, url, "/jobs/")
    page.get_by_role("link", name="Import time entries").click()
    page.get_by_label("Format").select_option("kimai")
    page.get_by_label("File").set_input_files(str(SAMPLES / "kimai.csv"))
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Dry run: only report what would be imported").uncheck()
    page.get_by_label("Create the clients, projects and tasks that do not exist yet").check()
    page.get_by_role("button", name="Upload").click()

    job = Job.objects.get()
    page.wait_for_url(f"{url}/jobs/{job.pk}/")
    assert "Waiting for a background worker" in page.locator("#job").inner_text()
    # Progress reported by a worker shows up on the open page without a reload.
    page.evaluate("window.notReloaded = true")
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, rows_done=1, rows_total=4)
    page.wait_for_function(
        "() => document.getElementById('job-progress').value === 1"
        " && document.getElementById('job-progress').max === 4",
        polling=POLL_MS,
    )
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("[data-job-state]").inner_text() == "Running"

    # The real worker runs it; when it ends the page shows the report.
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, rows_done=0, rows_total=None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    page.wait_for_function(
        "() => document.getElementById('import-report') !== null", polling=POLL_MS
    )
    report = page.locator("#import-report").inner_text()
    assert "Imported" in report
    assert "Created 3 entries" in report
    assert TimeEntry.objects.count() == 3

    # The pages of the feature pass axe and fit the screen, as every page of the app must.
    axe_on_every_page(page.context)
    problems: list[str] = []
    for path in ("/import/", "/jobs/", f"/jobs/{job.pk}/"):
        goto_signed_in(page, url, path)
        problems += [f"{path}: {p}" for p in check_page(page).problems]
    assert problems == [], "\n".join(problems)
