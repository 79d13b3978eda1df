"""The user journey in a real browser: headless Chromium (Debian's package) via Playwright.

Log in, start a timer with the keyboard, reload and see it still running with the clock
advancing, stop it, find the entry, create a manual entry with a validation error and fix
it, open a report and download the CSV and XLSX (the XLSX is opened and summed). The run
takes the screenshots used by ``docs/user-guide.md``; with
``TIMETRACKER_UPDATE_SCREENSHOTS=1`` it writes them into ``docs/images``. A second
journey opens two tabs and a second browser to see an open page notice a timer changed
elsewhere. Every page any test opens must run with zero Content-Security-Policy
violations (a listener records them; see ``watch_csp``), and one test opens every page of
the web UI, the admin, the API documentation and the first-run setup for that alone.

Without the ``chromium`` binary these tests skip (locally) or fail (in CI, where
``TIMETRACKER_REQUIRE_ALL=1``), with the reason in the report.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from apps.web.tests.browser_support import POLL_MS, goto_signed_in, sign_in, signed_in_page
from tests.browser import CHROMIUM
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
# The journey always takes its screenshots; they replace the committed ones in docs/images
# only when asked, so an ordinary test run leaves the checkout unchanged.
UPDATE_SCREENSHOTS = os.environ.get("TIMETRACKER_UPDATE_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1200, "height": 800}


@pytest.fixture
def browser() -> Any:
    """Headless Chromium, shared by consecutive browser tests (``tests/browser.py``)."""
    return CHROMIUM.get()


# Each page reports its CSP violations (blocked scripts, styles, images, connections,
# frames, form targets) on the console, where the context's listener collects them across
# navigations; Chromium's own console message for a violation is collected too.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
    + ` (${event.disposition}) ${event.sample || ""}`);
}, true);
"""


def watch_csp(context: Any) -> list[str]:
    """The CSP violations of every page of ``context``, as the test goes on."""
    violations: list[str] = []
    context.add_init_script(CSP_LISTENER)

    def on_console(message: Any) -> None:
        text = message.text
        if text.startswith("CSP violation:") or "Content Security Policy" in text:
            violations.append(f"{message.page.url if message.page else '?'}: {text}")

    context.on("console", on_console)
    return violations


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="en-GB")
    violations = watch_csp(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    # A round trip, so that console messages sent before it have arrived (unless the test
    # closed or crashed its page).
    with contextlib.suppress(Exception):
        page.evaluate("0")
    context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def seconds_on(clock_text: str) -> int:
    hours, minutes, seconds = (int(part) for part in clock_text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


@pytest.fixture
def history(member: Any, project: Any, task: Any) -> None:
    """A few days of finished work, so the dashboard and the report have something to show.

    The browser may already be open from the test before (``tests/browser.py``); the ORM
    calls made while Playwright's event loop runs are plain synchronous calls.
    """
    gemini = ProjectFactory(
        name="Gemini", client=ClientFactory(name="Acme"), colour="#d9822b", hourly_rate=80
    )
    build = TaskFactory(project=gemini, name="Build")
    internal = ProjectFactory(name="Internal", client=None, colour="#2e8b57", billable=False)
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    plan = [
        (1, project, task, 9, 2.5),
        (1, gemini, build, 13, 3.0),
        (2, internal, None, 10, 1.0),
        (3, project, task, 9, 4.0),
        (4, gemini, build, 14, 2.0),
        (6, project, None, 9, 1.5),
    ]
    for days_ago, proj, work, hour, hours in plan:
        start = today - timedelta(days=days_ago) + timedelta(hours=hour)
        TimeEntryFactory(
            user=member,
            project=proj,
            task=work,
            started_at=start,
            ended_at=start + timedelta(hours=hours),
            notes=f"{proj.name} work",
            billable=proj.billable,
        )


def test_it_tracks_time_from_login_to_exported_report(
    history: None, project: Any, live_server: Any, page: Any, tmp_path: Path
) -> None:
    url = live_server.url

    # Log in.
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("mel")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()

    # Start a timer from the picker, submitting with the keyboard.
    page.get_by_label("Task").select_option(label="Design")
    notes = page.get_by_label("What are you working on?")
    notes.fill("Writing the spec")
    page.get_by_label("Tags").fill("spec, writing")
    notes.press("Enter")
    page.wait_for_url(f"{url}/")
    clock = page.locator("#timer-clock")
    assert "Running on Apollo · Design" in page.locator("#running-timer").inner_text()
    first = seconds_on(clock.inner_text())
    page.wait_for_function(
        "s => document.getElementById('timer-clock').textContent.split(':')"
        ".reduce((t, p) => t * 60 + Number(p), 0) > s",
        arg=first,
        polling=POLL_MS,
    )
    assert re.match(r"\d+:\d\d:\d\d ", page.title())  # the title carries the clock too

    # Reload: the server still has the timer running and the clock goes on from there.
    page.reload()
    after_reload = seconds_on(clock.inner_text())
    assert after_reload >= first + 1
    page.wait_for_function(
        "s => document.getElementById('timer-clock').textContent.split(':')"
        ".reduce((t, p) => t * 60 + Number(p), 0) > s",
        arg=after_reload,
        polling=POLL_MS,
    )
    images = IMAGES if UPDATE_SCREENSHOTS else tmp_path
    images.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(images / "dashboard.png"))

    # Stop it and find the entry.
    page.get_by_role("button", name="Stop timer").click()
    assert "Timer stopped" in page.locator(".messages").inner_text()
    assert page.locator("#no-timer").is_visible()
    assert "Writing the spec" in page.locator("#today-entries").inner_text()
    page.get_by_role("link", name="Entries", exact=True).click()
    page.wait_for_url(f"{url}/entries/")
    # Waits for the list to be drawn: is_visible() alone reads the page at once, which on a
    # busy machine can be before the new page's rows are there.
    page.get_by_role("cell", name="Writing the spec").wait_for(state="visible")

    # A manual entry: first with the end before the start, then fixed.
    day = timezone.localdate() - timedelta(days=2)
    page.get_by_role("link", name="New entry").click()
    page.get_by_label("Project").select_option(value=str(project.pk))
    page.get_by_label("Start").fill(f"{day.isoformat()}T16:00")
    page.get_by_label("End").fill(f"{day.isoformat()}T15:00")
    page.get_by_label("Notes").fill("Workshop with the client")
    page.get_by_label("Tags").fill("Spec")
    page.get_by_role("button", name="Save entry").click()
    error = page.locator("#id_ended_at_error")
    assert error.inner_text() == "The end must be after the start."
    assert page.get_by_label("End").get_attribute("aria-describedby") == "id_ended_at_error"
    page.get_by_label("End").fill(f"{day.isoformat()}T18:30")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(f"{url}/entries/")
    assert "Entry saved." in page.locator(".messages").inner_text()
    page.get_by_role("cell", name="Workshop with the client").wait_for(state="visible")

    # A report of the last week, grouped by day, then its exports.
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("From", exact=True).fill(
        (timezone.localdate() - timedelta(days=6)).isoformat()
    )
    page.get_by_label("To", exact=True).fill(timezone.localdate().isoformat())
    page.get_by_label("Group by").select_option(label="Project")
    page.get_by_role("button", name="Show report").click()
    total_hours = Decimal(page.locator("#total-hours").inner_text())
    assert total_hours >= Decimal("16.50")  # 14 h of history + 2.5 h workshop (+ the timer)
    assert page.locator("svg#chart-time rect.bar").count() == 7
    page.locator("#chart-projects").scroll_into_view_if_needed()
    page.screenshot(path=str(images / "report.png"), full_page=True)

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    csv_path = tmp_path / csv_download.value.suggested_filename
    csv_download.value.save_as(csv_path)
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert "Workshop with the client" in {row["notes"] for row in rows}
    assert "Writing the spec" in {row["notes"] for row in rows}
    workshop = next(row for row in rows if row["notes"] == "Workshop with the client")
    assert workshop["hours"] == "2.5000"
    # "Spec" typed on the entry is the timer's tag "spec" (names are matched ignoring case).
    assert workshop["tags"] == "spec"
    assert next(r for r in rows if r["notes"] == "Writing the spec")["tags"] == "spec, writing"
    csv_hours = sum(Decimal(row["hours"]) for row in rows)

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    xlsx_path = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    sheet = openpyxl.load_workbook(xlsx_path).active
    hours = [row[3] for row in sheet.iter_rows(min_row=2, max_row=len(rows) + 1, values_only=True)]
    assert all(isinstance(value, int | float) for value in hours)
    assert sum(hours) == pytest.approx(float(csv_hours), abs=0.001)
    assert sum(hours) == pytest.approx(float(total_hours), abs=0.01)

    # The same week by tag: an entry counts in each of its tags, untagged ones are "(none)".
    page.get_by_label("Group by").select_option(label="Tag")
    page.get_by_role("button", name="Show report").click()
    table = page.locator("#report-table").inner_text()
    assert {"spec", "writing", "(none)"} <= set(table.split())
    assert page.locator("#tag-rows-note").is_visible()
    assert Decimal(page.locator("#total-hours").inner_text()) == total_hours


def test_it_can_be_used_with_the_keyboard_alone(
    member: Any, project: Any, task: Any, live_server: Any, page: Any
) -> None:
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    # The username field has focus on arrival; type, tab, type, Enter.
    page.wait_for_function("document.activeElement.id === 'id_username'")
    page.keyboard.type("mel")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")

    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    # From there, Tab walks through the start form in order, with a visible focus ring.
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", reached[-1]
    # (Fields added to the start form later come before its button.)
    assert reached[:3] == ["start_project", "start_task", "start_notes"]
    assert "Start timer" in reached

    # Choose a project with the arrow keys and start the timer with Enter.
    page.focus("#start_project")
    page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#start_project", "el => el.value") == str(project.pk)
    page.focus("#start_notes")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")
    assert page.locator("#timer-clock").is_visible()
    # The stop button is reachable and works with the keyboard too.
    page.get_by_role("button", name="Stop timer").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#no-timer")


def test_an_open_page_notices_when_the_timer_changed_elsewhere(
    member: Any, project: Any, live_server: Any, browser: Any, page: Any
) -> None:
    url = live_server.url
    # Signed in by cookie: the journeys above log in through the form.
    sign_in(page.context, url, member)
    goto_signed_in(page, url)
    page.get_by_label("Project").select_option(value=str(project.pk))
    page.get_by_role("button", name="Start timer").click()
    page.wait_for_selector("#timer-clock")
    assert page.locator("#timer-changed").is_hidden()

    # Another tab of the same browser stops the timer: it tells this one (BroadcastChannel),
    # which asks the server, stops its clock and shows the notice.
    other_tab = page.context.new_page()
    other_tab.goto(f"{url}/")
    other_tab.get_by_role("button", name="Stop timer").click()
    other_tab.wait_for_selector("#no-timer")
    page.wait_for_selector("#timer-changed", state="visible")
    assert page.get_by_role("link", name="Reload").is_visible()
    stopped_at = page.locator("#timer-clock").inner_text()
    page.wait_for_timeout(1500)
    assert page.locator("#timer-clock").inner_text() == stopped_at  # no longer ticking
    assert not re.match(r"\d+:\d\d:\d\d ", page.title())

    # A phone (another browser, no channel in common) starts a timer: the page learns it
    # when it is looked at again (visibilitychange) or at the next poll.
    page.reload()
    assert page.locator("#no-timer").is_visible()
    phone = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    phone_violations = watch_csp(phone)
    try:
        phone_page = signed_in_page(phone, url, member)
        phone_page.get_by_label("Project").select_option(value=str(project.pk))
        phone_page.get_by_role("button", name="Start timer").click()
        phone_page.wait_for_selector("#timer-clock")
    finally:
        phone.close()
    assert phone_violations == []
    assert page.locator("#timer-changed").is_hidden()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_selector("#timer-changed", state="visible")


# --- Content-Security-Policy: every page, zero violations -----------------------------------
@pytest.fixture
def root_world(project: Any, task: Any) -> dict[str, Any]:
    """A superuser with a client, a project, a task and an entry: every page has content."""
    from apps.accounts.models import Role

    root = UserFactory(username="root", is_staff=True, is_superuser=True, profile__role=Role.ADMIN)
    project.client = ClientFactory(name="Acme")
    project.save()
    entry = TimeEntryFactory(user=root, project=project, task=task, notes="Some work")
    return {"root": root, "project": project, "task": task, "entry": entry}


def _visit(page: Any, url: str, violations: list[str], ready: str = "main, #content") -> None:
    response = page.goto(url)
    assert response is not None, url
    assert response.ok, (url, response.status)
    page.wait_for_selector(ready)
    page.evaluate("0")  # a round trip: console messages sent before it have arrived
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def test_every_page_runs_without_a_csp_violation(
    root_world: dict[str, Any], live_server: Any, browser: Any
) -> None:
    url = live_server.url
    project, entry = root_world["project"], root_world["entry"]
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    violations = watch_csp(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{url}/accounts/login/")
        page.evaluate("0")
        assert violations == []
        page.get_by_label("Username").fill("root")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/")
        for path in [
            "/",
            "/entries/",
            "/entries/new/",
            f"/entries/{entry.pk}/edit/",
            "/projects/",
            f"/projects/{project.pk}/",
            f"/projects/{project.pk}/edit/",
            "/clients/",
            f"/clients/{project.client_id}/edit/",
            "/reports/?group_by=project",
            "/accounts/profile/",
            "/accounts/password/",
            "/privacy/events/",
        ]:
            _visit(page, f"{url}{path}", violations)
        # The admin: its scripts (theme, sidebar, actions, calendar and clock widgets) run.
        _visit(page, f"{url}/admin/", violations, ready="#content")
        _visit(page, f"{url}/admin/timers/timeentry/", violations, ready="#result_list")
        _visit(page, f"{url}/admin/accounts/profile/", violations, ready="#result_list")
        _visit(
            page,
            f"{url}/admin/timers/timeentry/{entry.pk}/change/",
            violations,
            ready=".datetimeshortcuts",
        )
        page.locator(".datetimeshortcuts a").first.click()  # "Today": the widget's script
        _visit(page, f"{url}/admin/projects/project/add/", violations, ready="form")
        # The API documentation: Swagger UI loads the schema and draws its operations.
        _visit(page, f"{url}/api/docs/", violations, ready=".swagger-ui .opblock")
        page.locator(".swagger-ui .opblock-summary").first.click()
        page.wait_for_selector(".swagger-ui .opblock-body")
        page.evaluate("0")
        assert violations == [], "\n".join(violations)
    finally:
        context.close()


@pytest.mark.setup_pending
def test_the_setup_page_runs_without_a_csp_violation(db: Any, live_server: Any, page: Any) -> None:
    # No administrator yet: every page leads to /setup/ (the page fixture checks violations).
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/setup/")
    page.wait_for_selector("form")
    page.evaluate("0")
