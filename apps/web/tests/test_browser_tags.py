"""Tags in a real browser (headless Chromium via Playwright): type tags when starting the
timer, see them on the entry list, filter by one, give an entry another in its form, and
find the tag in the CSV export. Every page runs with zero Content-Security-Policy
violations (checked by the ``page`` fixture of the web journeys)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from apps.web.tests.test_browser import browser, page  # noqa: F401 (the fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_tags_time_and_filters_by_tag(
    member: Any,
    project: Any,
    live_server: Any,
    page: Any,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("mel")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")

    # Start with two tags (one typed in a different case later), then stop.
    page.locator("#start_project").select_option(label=f"{project.name} ({project.client.name})")
    page.locator("#start_tags").fill("client call, Urgent")
    page.get_by_role("button", name="Start timer").click()
    page.wait_for_load_state()
    assert page.locator("#running-timer").is_visible(), page.locator("main").inner_text()
    page.get_by_role("button", name="Stop timer").first.click()
    page.wait_for_url(f"{url}/")

    # A second, untagged entry by hand.
    page.goto(f"{url}/entries/new/")
    page.locator("#id_project").select_option(label=f"{project.name} ({project.client.name})")
    page.locator("#id_started_at").fill("2025-03-03T09:00")
    page.locator("#id_ended_at").fill("2025-03-03T10:00")
    page.get_by_label("Notes").fill("Plain work")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(f"{url}/entries/**")

    # The list shows the tags as links; following one keeps only the tagged entry.
    page.goto(f"{url}/entries/?start=2025-01-01")
    listed = page.locator("main").inner_text()
    assert "client call" in listed
    assert "Urgent" in listed
    assert "Plain work" in listed
    page.locator("a.tag", has_text="Urgent").first.click()
    page.wait_for_url("**tag=*")
    filtered = page.locator("main").inner_text()
    assert "Urgent" in filtered
    assert "Plain work" not in filtered

    # Tag the manual entry in its form, reusing an existing tag by another case.
    page.goto(f"{url}/entries/?start=2025-01-01")
    row = page.locator("tr", has_text="Plain work")
    row.get_by_role("link", name="Edit").first.click()
    page.locator("#id_tags").fill("urgent")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(f"{url}/entries/**")

    # The CSV export of everything tagged Urgent has both entries and a tags column.
    page.goto(f"{url}/entries/?start=2025-01-01")
    page.locator("a.tag", has_text="Urgent").first.click()
    page.wait_for_url("**tag=*")
    assert "Plain work" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    path = tmp_path / "entries.csv"
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert all("Urgent" in row["tags"] for row in rows)
    assert any("client call" in row["tags"] for row in rows)
