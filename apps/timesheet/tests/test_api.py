"""The week grid over the API: the same grid, parser and all-or-nothing save as the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.timers.models import TimeEntry
from tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/timesheet/"
MONDAY = datetime(2025, 3, 3, 9, tzinfo=UTC)  # 2025-W10, in the past


def test_it_reads_a_week(
    member: Any, member_api: APIClient, other_member: Any, project: Any
) -> None:
    entry = TimeEntryFactory(
        user=member, project=project, started_at=MONDAY, ended_at=MONDAY + timedelta(hours=2)
    )
    TimeEntryFactory(user=other_member, project=project, started_at=MONDAY, ended_at=MONDAY)
    body = member_api.get(URL, {"week": "2025-W10"}).json()
    assert body["week"] == "2025-W10"
    assert body["timezone"] == "UTC"
    assert len(body["rows"]) == 1
    row = body["rows"][0]
    assert (row["project"], row["task"], row["seconds"]) == (project.pk, None, 7200)
    assert row["cells"][0] == {
        "date": "2025-03-03",
        "seconds": 7200,
        "entries": [entry.pk],
        "editable": True,
    }
    assert body["day_totals"] == [7200, 0, 0, 0, 0, 0, 0]
    assert body["total"] == 7200


def test_it_saves_cells_all_or_nothing(member: Any, member_api: APIClient, project: Any) -> None:
    entry = TimeEntryFactory(
        user=member, project=project, started_at=MONDAY, ended_at=MONDAY + timedelta(hours=2)
    )
    cells = [
        {"project": project.pk, "date": "2025-03-03", "duration": "1:30"},
        {"project": project.pk, "date": "2025-03-04", "duration": "90m", "tags": ["api"]},
    ]
    response = member_api.post(URL, {"cells": cells}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 1, "deleted": 0}
    entry.refresh_from_db()
    assert entry.duration_seconds == 5400
    created = TimeEntry.objects.exclude(pk=entry.pk).get()
    assert list(created.tags.values_list("name", flat=True)) == ["api"]

    archived = ProjectFactory(archived=True)
    bad = [
        {"project": project.pk, "date": "2025-03-03", "duration": None},
        {"project": archived.pk, "date": "2025-03-05", "duration": "1h"},
    ]
    response = member_api.post(URL, {"cells": bad}, format="json")
    assert response.status_code == 400
    assert list(response.json()["cells"]) == ["1"]
    assert TimeEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ({"duration": "soon"}, "duration"),
        ({"duration": "25:00"}, "duration"),
        ({"duration": "-1"}, "duration"),
        ({"date": "2200-01-01"}, "date"),
        ({"project": 1.5}, "project"),
    ],
)
def test_a_bad_cell_is_a_400_naming_its_index_and_field(
    member_api: APIClient, project: Any, cell: dict[str, Any], field: str
) -> None:
    good = {"project": project.pk, "date": "2025-03-03", "duration": "1:00"}
    response = member_api.post(URL, {"cells": [good, {**good, **cell}]}, format="json")
    assert response.status_code == 400
    assert field in response.json()["cells"]["1"]
    assert not TimeEntry.objects.exists()


def test_a_bad_week_is_a_400_and_anonymous_is_a_401(member_api: APIClient) -> None:
    response = member_api.get(URL, {"week": "2025-W99"})
    assert response.status_code == 400
    assert "week" in response.json()
    assert APIClient().get(URL).status_code == 401
