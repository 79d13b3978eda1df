"""Hostile input at every edge gets a 4xx naming the problem, never a 5xx (issue 12).

Each test here failed before its fix: nested JSON, fractional ids, odd methods on the
export, dates outside the supported range, control characters in text, reopened entries.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient
from waffle.testutils import override_flag

from apps.clients.models import Client as ClientModel
from apps.core import flags
from apps.core.limits import RANGE_MESSAGE
from apps.core.parsers import MAX_DEPTH, json_depth
from apps.projects.models import Project
from apps.tasks.models import Task
from apps.timers import services
from apps.timers.models import TimeEntry
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory

ENTRIES = "/api/v1/time-entries/"
EXPORT = "/api/v1/time-entries/export/"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- JSON bodies ------------------------------------------------------------------------------
def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]"}]}') == 3
    assert json_depth("not json at all") == 0


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_deeply_nested_json_answers_400_even_without_signing_in(
    depth: int, member_api: APIClient, anon_api: APIClient
) -> None:
    body = _nested(depth)
    for client, url in ((anon_api, "/api/v1/auth/token/"), (member_api, ENTRIES)):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, url
        assert "nested deeper" in response.json()["detail"]


def test_json_at_the_depth_limit_is_parsed(member_api: APIClient) -> None:
    body = '{"notes": ' + _nested(MAX_DEPTH - 1) + "}"
    response = member_api.post(ENTRIES, body, content_type="application/json")
    assert response.status_code == 400
    assert "project" in response.json()  # parsed, then validated field by field


def test_a_body_over_the_size_limit_answers_400(member_api: APIClient, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"notes": "' + "x" * 2000 + '"}'
    response = member_api.post(ENTRIES, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "larger than" in response.json()["detail"]


def test_a_body_that_is_not_utf8_answers_400(member_api: APIClient) -> None:
    response = member_api.post(ENTRIES, b'{"notes": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400


# --- Ids ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda pk: pk + 0.5,
        float,  # 1.0 for project 1: DRF's own field would take it as that project
        lambda pk: True,
        lambda pk: f"{pk}.5",
        lambda pk: f"{pk}e0",
        lambda pk: "",
        lambda pk: [pk],
        lambda pk: {"id": pk},
        lambda pk: 2**64,
    ],
)
def test_ids_must_be_whole_numbers(make: Any, member_api: APIClient, project: Project) -> None:
    value = make(project.pk)
    response = member_api.post("/api/v1/timer/start/", {"project": value}, format="json")
    assert response.status_code == 400
    assert "project" in response.json()
    response = member_api.post(
        "/api/v1/tasks/", {"project": value, "name": "Fuzzed"}, format="json"
    )
    assert response.status_code == 400
    assert not TimeEntry.objects.exists()
    assert not Task.objects.exists()


def test_an_id_as_a_string_of_digits_still_works(member_api: APIClient, project: Project) -> None:
    response = member_api.post("/api/v1/timer/start/", {"project": str(project.pk)}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("raw", ["1.5", "²", "-1", "99999999999999999999999", "0x1"])
def test_id_query_parameters_answer_400(raw: str, member_api: APIClient) -> None:
    for url in (f"/api/v1/tasks/?project={raw}", f"/api/v1/projects/?client={raw}"):
        response = member_api.get(url)
        assert response.status_code == 400, url
    response = member_api.get(f"{ENTRIES}?project={raw}")
    assert response.status_code == 400


def test_huge_ids_in_paths_are_not_found(member_web: Client, member_api: APIClient) -> None:
    huge = "9" * 30
    for url in (f"/entries/{huge}/edit/", f"/projects/{huge}/", f"/tasks/{huge}/edit/"):
        assert member_web.get(url).status_code == 404, url
    for url in (f"{ENTRIES}{huge}/", f"/api/v1/projects/{huge}/", f"/api/v1/clients/{huge}/"):
        assert member_api.get(url).status_code == 404, url


# --- Methods --------------------------------------------------------------------------------
METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO-BAR"]


@pytest.mark.parametrize("method", METHODS)
def test_other_methods_on_the_export_never_answer_500(
    method: str, member: Any, anon_api: APIClient, member_api: APIClient
) -> None:
    anon = anon_api.generic(method, f"{EXPORT}?format=csv")
    assert anon.status_code in (401, 405)
    signed_in = member_api.generic(method, f"{EXPORT}?format=csv")
    if method == "OPTIONS":
        assert signed_in.status_code == 200
    else:
        assert signed_in.status_code == 405
        assert "GET" in signed_in["Allow"]
        assert signed_in["Content-Type"] == "application/json"


@pytest.mark.parametrize("fmt", ["pdf", "csv%00", "x" * 300])
def test_an_unknown_export_format_is_a_json_404(fmt: str, member_api: APIClient) -> None:
    response = member_api.get(f"{EXPORT}?format={fmt}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


# --- Dates ----------------------------------------------------------------------------------
OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1969-12-31", "2200-01-01"]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_query_dates_outside_the_range_answer_400_naming_it(
    day: str, member_api: APIClient
) -> None:
    for url in (
        f"{ENTRIES}?end={day}",
        f"{ENTRIES}?start={day}",
        f"{EXPORT}?format=csv&end={day}",
        f"/api/v1/reports/summary/?start=2026-01-01&end={day}",
        f"/api/v1/reports/summary/?start={day}&end=2026-01-01",
    ):
        response = member_api.get(url)
        assert response.status_code == 400, url
        assert RANGE_MESSAGE in str(response.json()), url


@pytest.mark.parametrize("day", [*OUT_OF_RANGE, "99999-01-01", "garbage", "2026-02-30"])
@pytest.mark.parametrize("tz", ["America/Los_Angeles", "Pacific/Kiritimati"])
def test_web_pages_show_a_form_error_for_dates_outside_the_range(
    day: str, tz: str, member: Any, member_web: Client
) -> None:
    member.profile.timezone = tz
    member.profile.save()
    # The entry list still lists (the bad filter filters nothing) and says why; a report
    # it cannot compute is refused: 400, with the form and its field error.
    for url, status in (
        (f"/entries/?end={day}", 200),
        (f"/reports/?end={day}", 400),
        (f"/reports/?start={day}", 400),
    ):
        response = member_web.get(url)
        assert response.status_code == status, url
        assert b"errorlist" in response.content or b"error" in response.content, url
    response = member_web.get(f"/reports/export.csv?end={day}")
    assert response.status_code == 400


def test_the_range_bounds_themselves_are_accepted(member_api: APIClient) -> None:
    response = member_api.get(f"{ENTRIES}?start=1970-01-01&end=2199-12-31")
    assert response.status_code == 200
    response = member_api.get("/api/v1/reports/summary/?start=2199-01-01&end=2199-12-31")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "started_at", ["0001-01-01T10:00:00Z", "1969-12-31T23:00:00Z", "0001-01-01T00:00:00-08:00"]
)
def test_entries_before_1970_are_refused(
    started_at: str, member_api: APIClient, project: Project
) -> None:
    response = member_api.post(
        ENTRIES,
        {"project": project.pk, "started_at": started_at, "ended_at": "1970-01-01T00:30:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "started_at" in response.json()
    assert not TimeEntry.objects.exists()


def test_the_services_refuse_times_outside_the_range(member: Any, project: Project) -> None:
    start = datetime(1, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
        )
    assert "started_at" in caught.value.message_dict


def test_the_database_refuses_times_outside_the_range(member: Any, project: Project) -> None:
    from django.db import IntegrityError, transaction

    start = datetime(1969, 12, 31, 23, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(
            user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
        )


# --- Text -----------------------------------------------------------------------------------
CONTROL = ["\x0b", "\x00", "\x1b[31m", "\x7f", "\x85", "\ufffe"]


@pytest.mark.parametrize("char", CONTROL)
def test_text_fields_refuse_control_characters_in_the_api(
    char: str, admin_api: APIClient, project: Project
) -> None:
    text = f"Apollo{char}2"
    now = timezone.now()
    cases = [
        ("/api/v1/clients/", {"name": text}, "name"),
        ("/api/v1/projects/", {"name": text}, "name"),
        ("/api/v1/tasks/", {"project": project.pk, "name": text}, "name"),
        ("/api/v1/timer/start/", {"project": project.pk, "notes": text}, "notes"),
        (
            ENTRIES,
            {
                "project": project.pk,
                "notes": text,
                "started_at": (now - timedelta(hours=2)).isoformat(),
                "ended_at": (now - timedelta(hours=1)).isoformat(),
            },
            "notes",
        ),
    ]
    for url, body, field in cases:
        response = admin_api.post(url, body, format="json")
        assert response.status_code == 400, url
        assert field in response.json(), url
    assert not TimeEntry.objects.exists()
    assert not ClientModel.objects.filter(name__startswith="Apollo").exists()
    assert list(Project.objects.values_list("name", flat=True)) == ["Apollo"]


def test_tabs_and_line_breaks_are_kept(member_api: APIClient, project: Project) -> None:
    response = member_api.post(
        "/api/v1/timer/start/", {"project": project.pk, "notes": "a\tb\r\nc"}, format="json"
    )
    assert response.status_code == 201
    assert TimeEntry.objects.get().notes == "a\tb\r\nc"


def test_the_web_form_shows_the_control_character_error(admin_web: Client) -> None:
    response = admin_web.post("/projects/new/", {"name": "Bad\x0bname", "colour": "#3366cc"})
    assert response.status_code == 400
    assert b"U+000B" in response.content
    assert not Project.objects.exists()


def test_the_control_character_message_names_the_character(member: Any, project: Project) -> None:
    with pytest.raises(ValidationError) as caught:
        services.timer_start(user=member, project=project, notes="ok\x0b")
    assert "U+000B (position 3)" in str(caught.value.message_dict["notes"])


# --- Stored values that older versions accepted ----------------------------------------------
def test_exports_render_control_characters_stored_before_the_rule(
    admin: Any, admin_api: APIClient
) -> None:
    project = ProjectFactory(name="Plain")
    task = TaskFactory(project=project, name="Task")
    entry = TimeEntryFactory(user=admin, project=project, task=task)
    # Written around the validators, as an older version or a hand edit would have.
    Project.objects.filter(pk=project.pk).update(name="Ctrl\x0bProject\x1f")
    Task.objects.filter(pk=task.pk).update(name="T\x01ask")
    TimeEntry.objects.filter(pk=entry.pk).update(notes="note\x0c\x08end")
    for fmt in ("csv", "xlsx", "json", "ics"):
        with (
            override_flag(flags.EXPORT_XLSX, active=True),
            override_flag(flags.EXPORT_ICS, active=True),
        ):
            response = admin_api.get(f"{EXPORT}?format={fmt}")
        assert response.status_code == 200, fmt
        body = b"".join(response.streaming_content)
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(body)).active
            values = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
            assert "CtrlProject" in values
            assert "noteend" in values
        if fmt == "ics":
            assert b"\x0b" not in body
            assert b"\x01" not in body


# --- Entries and the timer ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("timer_running", [False, True])
def test_a_finished_entry_cannot_be_reopened(
    method: str, timer_running: bool, member: Any, member_api: APIClient, project: Project
) -> None:
    old = TimeEntryFactory(user=member, project=project)
    if timer_running:
        services.timer_start(user=member, project=project)
    body: dict[str, Any] = {"ended_at": None}
    if method == "put":
        body.update(project=project.pk, started_at=old.started_at.isoformat())
    response = getattr(member_api, method)(f"{ENTRIES}{old.pk}/", body, format="json")
    assert response.status_code == 400
    assert "start the timer" in response.json()["ended_at"][0]
    old.refresh_from_db()
    assert old.ended_at is not None
    assert TimeEntry.objects.filter(ended_at__isnull=True).count() == int(timer_running)


def test_the_services_refuse_a_time_without_a_zone(member: Any, project: Project) -> None:
    start = datetime(2026, 3, 1, 9)
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            user=member, project=project, started_at=start, ended_at=start + timedelta(hours=1)
        )
    assert "time zone" in str(caught.value.message_dict["started_at"])


@pytest.mark.parametrize("url", ["/api/v1/clients/", "/api/v1/projects/"])
def test_a_taken_name_is_an_error_of_the_name_field(url: str, admin_api: APIClient) -> None:
    assert admin_api.post(url, {"name": "Zephyr"}, format="json").status_code == 201
    response = admin_api.post(url, {"name": "zEPHYR"}, format="json")
    assert response.status_code == 400
    assert "already a" in response.json()["name"][0]
    assert "__all__" not in response.json()


def test_a_write_racing_another_answers_409_not_500(
    admin_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from apps.clients import services as client_services

    def racing(**kwargs: Any) -> Any:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(client_services, "client_create", racing)
    response = admin_api.post("/api/v1/clients/", {"name": "Racer"}, format="json")
    assert response.status_code == 409
    assert "same moment" in response.json()["detail"]


def test_unknown_api_paths_answer_a_json_404(member_api: APIClient) -> None:
    response = member_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
