"""Reports grouped and filtered by tag; tags in every export format."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from waffle.testutils import override_flag

from apps.core import flags
from apps.reports.selectors import report_summary
from apps.timers.selectors import EntryQuery, entries_matching
from tests.factories import TagFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def _hours_ago(member: Any, hours: int, length: int = 1, **kwargs: Any) -> Any:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=hours)
    return TimeEntryFactory(
        user=member, started_at=start, ended_at=start + timedelta(hours=length), **kwargs
    )


def test_it_groups_by_tag_counting_an_entry_in_each_of_its_tags(member: Any) -> None:
    a, b = TagFactory(name="alpha"), TagFactory(name="beta")
    _hours_ago(member, 30, 2).tags.add(a, b)
    _hours_ago(member, 40, 1).tags.add(a)
    _hours_ago(member, 50, 4)
    today = timezone.localdate()
    summary = report_summary(
        user=member, start=today - timedelta(days=5), end=today, group_by="tag"
    )
    rows = {row["label"]: row["seconds"] for row in summary["rows"]}
    assert rows == {"alpha": 3 * 3600, "beta": 2 * 3600, "(none)": 4 * 3600}
    assert summary["rows"][-1]["key"] is None
    # The total is the entries' own time, not the sum of the rows (9 h, not 9 + 2).
    assert summary["totals"]["seconds"] == 7 * 3600


def test_the_filter_keeps_entries_with_any_of_the_tags_once(member: Any) -> None:
    a, b = TagFactory(), TagFactory()
    both = _hours_ago(member, 3)
    both.tags.add(a, b)
    _hours_ago(member, 5)
    found = entries_matching(user=member, query=EntryQuery(tag_ids=(a.pk, b.pk)))
    assert list(found) == [both]


def test_the_web_report_groups_and_filters_by_tag(member_web: Any, member: Any) -> None:
    a, b = TagFactory(name="alpha"), TagFactory(name="beta")
    _hours_ago(member, 30, 2).tags.add(a, b)
    _hours_ago(member, 40, 1).tags.add(b)
    today = timezone.localdate()
    start = (today - timedelta(days=5)).isoformat()
    response = member_web.get(
        f"/reports/?start={start}&end={today.isoformat()}&group_by=tag&tag={a.pk}"
    )
    assert response.status_code == 200
    summary = response.context["summary"]
    assert {row["label"]: row["seconds"] for row in summary["rows"]} == {
        "alpha": 7200,
        "beta": 7200,
    }
    assert "counts in each of its tags" in response.content.decode()


def test_every_export_carries_the_tags(member_web: Any, member: Any) -> None:
    entry = _hours_ago(member, 3)
    entry.tags.add(TagFactory(name="=1+1"), TagFactory(name="beta"))
    with (
        override_flag(flags.EXPORT_XLSX, active=True),
        override_flag(flags.EXPORT_ICS, active=True),
    ):
        bodies = {
            fmt: b"".join(member_web.get(f"/reports/export.{fmt}").streaming_content)
            for fmt in ("csv", "json", "ics", "xlsx")
        }
    [header, row] = list(csv.reader(io.StringIO(bodies["csv"].decode())))
    assert row[header.index("tags")] == "'=1+1, beta"
    assert json.loads(bodies["json"])["entries"][0]["tags"] == ["=1+1", "beta"]
    assert f"CATEGORIES:{entry.project.client.name},=1+1,beta" in bodies["ics"].decode()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(bodies["xlsx"])).active
    header_row = [c.value for c in next(sheet.iter_rows(max_row=1))]
    cell = sheet.cell(row=2, column=header_row.index("Tags") + 1)
    assert (cell.value, cell.data_type) == ("=1+1, beta", "s")


def test_exports_filter_by_tag(member_web: Any, member: Any) -> None:
    tag = TagFactory()
    _hours_ago(member, 3).tags.add(tag)
    _hours_ago(member, 5)
    body = b"".join(member_web.get(f"/reports/export.json?tag={tag.pk}").streaming_content)
    assert len(json.loads(body)["entries"]) == 1
