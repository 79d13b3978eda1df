"""The week grid and the calendar in a real browser (headless Chromium via Playwright).

Fill a week with the keyboard as in a spreadsheet, watch the totals follow, save, and see
the entries; then drag an entry's lower edge and its body on the calendar and find it
saved where it was dropped. Every page runs with zero Content-Security-Policy violations
(the ``page`` fixture of the web journeys checks it): the scripts place the entries
through the CSSOM, never with inline styles.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.web.tests.browser_support import goto_signed_in, sign_in
from apps.web.tests.test_browser import browser, page  # noqa: F401 (the fixtures)
from tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = "2025-W10"  # Monday 3 March 2025, in the past whenever the suite runs


def test_it_fills_a_week_with_the_keyboard(
    member: Any,
    project: Any,
    task: Any,
    live_server: Any,
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    for proj, work in ((project, None), (project, task)):
        TimeEntryFactory(
            user=member,
            project=proj,
            task=work,
            started_at=start,
            ended_at=start + timedelta(hours=1),
        )
    url = live_server.url
    sign_in(page.context, url, member)
    goto_signed_in(page, url, f"/timesheet/?week={WEEK}")
    monday = page.get_by_label("Apollo, Monday 3 March")
    monday.click()
    # The cell's text is selected on focus: typing replaces it, and the arrow keys leave.
    page.keyboard.type("1:30")
    page.keyboard.press("Tab")
    page.keyboard.type("2h")
    page.keyboard.press("Enter")  # down, to the same day of the next row
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Apollo · Design, Tuesday 4 March"
    )
    page.keyboard.type("45m")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.value") == "2h"
    page.keyboard.press("ArrowLeft")  # the whole text is selected: to the previous day
    assert page.evaluate("document.activeElement.value") == "1:30"
    # The totals follow what is typed; a cell that cannot be read is marked at once.
    assert page.locator("[data-week-total]").inner_text() == "5:15"
    assert page.locator("[data-day-total='1']").inner_text() == "2:45"
    page.get_by_label("Apollo, Wednesday 5 March").fill("soon")
    assert page.get_by_label("Apollo, Wednesday 5 March").get_attribute("aria-invalid") == "true"
    page.keyboard.press("Escape")
    assert page.get_by_label("Apollo, Wednesday 5 March").input_value() == ""

    page.get_by_role("button", name="Save week").first.click()
    page.wait_for_url(f"{url}/timesheet/?week={WEEK}")
    assert "Week saved: 2 entries created, 1 adjusted, 0 deleted." in page.content()
    assert page.get_by_label("Apollo, Monday 3 March").input_value() == "1:30"
    assert page.get_by_label("Apollo · Design, Tuesday 4 March").input_value() == "0:45"
    assert page.locator("[data-week-total]").inner_text() == "5:15"


def test_it_moves_and_resizes_an_entry_on_the_calendar(
    member: Any,
    project: Any,
    live_server: Any,
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    start = datetime(2025, 3, 4, 9, tzinfo=UTC)
    entry = TimeEntryFactory(
        user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
    )
    url = live_server.url
    sign_in(page.context, url, member)
    goto_signed_in(page, url, "/calendar/?view=week&date=2025-03-04")
    item = page.locator(f'.cal-entry[data-entry="{entry.pk}"]')
    # Placed on its day's 24-hour track: 32 pixels an hour.
    assert item.evaluate("e => e.style.top") == "288px"
    assert item.evaluate("e => e.style.height") == "32px"

    # Drag the lower edge down one hour: the end moves to 11:00.
    handle = item.locator(".cal-resize").bounding_box()
    page.mouse.move(handle["x"] + 10, handle["y"] + 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + 10, handle["y"] + 20, steps=3)
    page.mouse.move(handle["x"] + 10, handle["y"] + 34, steps=3)
    page.mouse.up()
    page.wait_for_function(
        "id => document.querySelector(`.cal-entry[data-entry='${id}']`)"
        ".getAttribute('data-end') === '2025-03-04T11:00:00'",
        arg=entry.pk,
    )

    # Drag the entry to the next day, one hour later.
    box = item.bounding_box()
    wednesday = page.locator('.cal-day[data-day="2025-03-05"] .cal-entries').bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(wednesday["x"] + 10, box["y"] + 20, steps=4)
    page.mouse.move(wednesday["x"] + 10, box["y"] + 42, steps=4)
    page.mouse.up()
    page.wait_for_function(
        "id => document.querySelector(`.cal-entry[data-entry='${id}']`)"
        ".getAttribute('data-start') === '2025-03-05T10:00:00'",
        arg=entry.pk,
    )
    assert page.locator("#calendar-status").is_hidden()
    page.reload()
    moved = page.locator('.cal-day[data-day="2025-03-05"] .cal-entry')
    assert moved.get_attribute("data-start") == "2025-03-05T10:00:00"
    assert moved.get_attribute("data-end") == "2025-03-05T12:00:00"


def test_it_moves_an_entry_to_another_day_in_the_month_view(
    member: Any,
    project: Any,
    live_server: Any,
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    start = datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    entry = TimeEntryFactory(
        user=member, project=project, started_at=start, ended_at=start + timedelta(minutes=45)
    )
    url = live_server.url
    sign_in(page.context, url, member)
    goto_signed_in(page, url, "/calendar/?view=month&date=2025-03-04")
    item = page.locator(f'.cal-entry[data-entry="{entry.pk}"]')
    item.drag_to(page.locator('.cal-month-day[data-day="2025-03-13"]'))
    page.wait_for_function(
        "id => document.querySelector(`.cal-entry[data-entry='${id}']`)"
        ".getAttribute('data-start') === '2025-03-13T09:15:00'",
        arg=entry.pk,
    )
    page.reload()
    moved = page.locator('.cal-month-day[data-day="2025-03-13"] .cal-entry')
    assert moved.get_attribute("data-end") == "2025-03-13T10:00:00"


def test_a_refused_move_puts_the_entry_back_and_says_why(
    member: Any,
    project: Any,
    live_server: Any,
    page: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    start = datetime(2025, 3, 4, 9, tzinfo=UTC)
    entry = TimeEntryFactory(
        user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
    )
    url = live_server.url
    sign_in(page.context, url, member)
    goto_signed_in(page, url, "/calendar/?view=month&date=2025-03-04")
    # The server's refusal, as the move endpoint words one (tested in test_calendar.py).
    page.route(
        "**/calendar/entries/*/move/",
        lambda route: route.fulfill(
            status=400,
            content_type="application/json",
            body='{"errors": {"started_at": ["The start cannot be in the future."]}}',
        ),
    )
    item = page.locator(f'.cal-entry[data-entry="{entry.pk}"]')
    item.drag_to(page.locator('.cal-month-day[data-day="2025-03-20"]'))
    status = page.locator("#calendar-status")
    status.wait_for(state="visible")
    assert status.inner_text() == "The start cannot be in the future."
    home = page.locator('.cal-month-day[data-day="2025-03-04"]')
    assert home.locator(f'.cal-entry[data-entry="{entry.pk}"]').count() == 1
    assert item.get_attribute("data-start") == "2025-03-04T09:00:00"
