"""Whatever the bytes, an import answers with a report or a ValidationError, never a crash,
and a refused import stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import example, given
from hypothesis import strategies as st

from apps.imports.formats import FORMATS
from apps.imports.services import import_entries
from apps.timers.models import TimeEntry
from tests.hypothesis_profiles import PROFILE

pytestmark = pytest.mark.django_db

HEADERS = {
    "toggl": "Email,Project,Description,Start date,Start time,End date,End time,Duration,Tags",
    "clockify": "Email,Project,Description,Start Date,Start Time,End Date,End Time,Duration (h)",
    "kimai": "Date,From,To,Duration,E-mail,Customer,Project,Activity,Description,Tags",
}
# Cells a row may hold: plausible values, edge values and junk.
CELL = st.one_of(
    st.sampled_from(
        [
            "mel@example.com",
            "2024-03-04",
            "03/04/2024",
            "31.12.2199",
            "0001-01-01",
            "9999-12-31",
            "09:00",
            "11:59:59 PM",
            "25:61",
            "1:30",
            "999:59:59",
            "1e9",
            "NaN",
            "-1",
            "=cmd|' /C calc'!A0",
            "",
            "Yes",
        ]
    ),
    st.text(max_size=30),
)


@given(
    fmt=st.sampled_from(sorted(FORMATS)),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=11), min_size=1, max_size=4),
    create_missing=st.booleans(),
    zone=st.sampled_from(["", "UTC", "Pacific/Kiritimati", "America/Adak"]),
)
@example(
    fmt="toggl",
    rows=[["mel@example.com", "P", "x", "2199-12-31", "23:59"]],
    create_missing=True,
    zone="Pacific/Kiritimati",
)
@PROFILE
def test_any_file_gets_a_report_or_a_field_error(
    member: Any, fmt: str, rows: list[list[str]], create_missing: bool, zone: str
) -> None:
    lines = [HEADERS[fmt]] + [
        ",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows
    ]
    data = "\r\n".join(lines).encode("utf-8", errors="surrogatepass")
    with transaction.atomic():
        before = TimeEntry.objects.count()
        refused: ValidationError | None = None
        try:
            report = import_entries(
                fmt=fmt, data=data, create_missing=create_missing, timezone_name=zone
            )
        except ValidationError as exc:
            refused, report = exc, None
        if refused is not None:
            assert set(refused.message_dict) <= {"file", "format", "timezone"}
            assert TimeEntry.objects.count() == before
        if report is not None:
            if not report.imported:
                assert TimeEntry.objects.count() == before
            for problem in report.problems:
                assert problem["line"] >= 2
                assert problem["message"]
        transaction.set_rollback(True)
