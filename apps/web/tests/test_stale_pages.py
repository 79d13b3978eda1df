"""A page acts on what it shows: forms name the entry, a timer changed elsewhere is safe.

Each test opens a page, changes the timer elsewhere (the service, as the API or another
tab would), then submits the form read from the page as a browser would.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.timers import services
from apps.timers.models import Source, TimeEntry
from apps.web.tests.html_check import assert_valid_page, submitted_form
from tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gemini(db: Any) -> Any:
    return ProjectFactory(name="Gemini")


def dashboard_form(web: Client, action: str) -> dict[str, list[str]]:
    html = web.get("/").content.decode()
    return submitted_form(html, action=action)


def running_now(user: Any) -> TimeEntry | None:
    return TimeEntry.objects.filter(user=user, ended_at__isnull=True).first()


def idle(user: Any, project: Any, *, hours: float) -> TimeEntry:
    return TimeEntryFactory(
        user=user,
        project=project,
        started_at=timezone.now().replace(microsecond=0) - timedelta(hours=hours),
        ended_at=None,
        source=Source.TIMER,
    )


# --- Stop -----------------------------------------------------------------------------------
def test_the_stop_form_names_the_entry_it_shows(
    member_web: Client, member: Any, project: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    assert dashboard_form(member_web, "/timer/stop/")["running"] == [str(a.pk)]


def test_a_stale_stop_leaves_the_timer_started_elsewhere_running(
    member_web: Client, member: Any, project: Any, gemini: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    form = dashboard_form(member_web, "/timer/stop/")
    b = services.timer_start(user=member, project=gemini)  # another tab, the API, a phone

    response = member_web.post("/timer/stop/", form, follow=True)

    assert running_now(member) == b
    assert TimeEntry.objects.get(pk=a.pk).ended_at is not None  # stopped by B's start
    html = response.content.decode()
    assert "The timer changed elsewhere: Gemini is running now" in html
    assert "Nothing was stopped." in html
    assert_valid_page(html)


def test_a_stale_stop_after_a_stop_elsewhere_says_so(
    member_web: Client, member: Any, project: Any
) -> None:
    services.timer_start(user=member, project=project)
    form = dashboard_form(member_web, "/timer/stop/")
    services.timer_stop(user=member)

    response = member_web.post("/timer/stop/", form, follow=True)

    assert "No timer is running now: it was stopped elsewhere." in response.content.decode()


def test_the_stop_form_of_the_running_timer_stops_it(
    member_web: Client, member: Any, project: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    response = member_web.post("/timer/stop/", dashboard_form(member_web, "/timer/stop/"))
    assert response.status_code == 302
    assert TimeEntry.objects.get(pk=a.pk).ended_at is not None


def test_a_stop_that_names_no_entry_stops_the_running_one(
    member_web: Client, member: Any, project: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    member_web.post("/timer/stop/")
    assert TimeEntry.objects.get(pk=a.pk).ended_at is not None


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "0", str(2**63)])
def test_a_malformed_running_id_is_a_bad_request(
    member_web: Client, member: Any, project: Any, value: str
) -> None:
    a = services.timer_start(user=member, project=project)
    assert member_web.post("/timer/stop/", {"running": value}).status_code == 400
    assert running_now(member) == a


# --- Stop and start, resume ------------------------------------------------------------------
def test_a_stale_stop_and_start_starts_nothing(
    member_web: Client, member: Any, project: Any, gemini: Any
) -> None:
    services.timer_start(user=member, project=project)
    form = dashboard_form(member_web, "/timer/start/")
    form["project"] = [str(project.pk)]
    b = services.timer_start(user=member, project=gemini)

    response = member_web.post("/timer/start/", form, follow=True)

    assert running_now(member) == b
    assert TimeEntry.objects.count() == 2
    assert "Gemini is running now" in response.content.decode()


def test_a_start_from_a_page_without_a_timer_after_one_started_elsewhere_starts_nothing(
    member_web: Client, member: Any, project: Any, gemini: Any
) -> None:
    form = dashboard_form(member_web, "/timer/start/")
    assert form["running"] == [""]
    form["project"] = [str(project.pk)]
    b = services.timer_start(user=member, project=gemini)

    member_web.post("/timer/start/", form)

    assert running_now(member) == b
    assert TimeEntry.objects.count() == 1


def test_a_current_start_form_switches_the_timer(
    member_web: Client, member: Any, project: Any, gemini: Any
) -> None:
    services.timer_start(user=member, project=project)
    form = dashboard_form(member_web, "/timer/start/")
    form["project"] = [str(gemini.pk)]
    member_web.post("/timer/start/", form)
    running = running_now(member)
    assert running is not None
    assert running.project == gemini


def test_a_stale_resume_resumes_nothing(
    member_web: Client, member: Any, project: Any, gemini: Any
) -> None:
    past = TimeEntryFactory(user=member, project=project, notes="earlier")
    action = f"/timer/resume/{past.pk}/"
    form = dashboard_form(member_web, action)
    b = services.timer_start(user=member, project=gemini)

    response = member_web.post(action, form, follow=True)

    assert running_now(member) == b
    assert "Gemini is running now" in response.content.decode()


def test_a_current_resume_starts_the_timer(member_web: Client, member: Any, project: Any) -> None:
    past = TimeEntryFactory(user=member, project=project, notes="earlier")
    action = f"/timer/resume/{past.pk}/"
    member_web.post(action, dashboard_form(member_web, action))
    running = running_now(member)
    assert running is not None
    assert running.notes == "earlier"


# --- Trim -------------------------------------------------------------------------------------
def test_a_stale_trim_trims_nothing(member_web: Client, member: Any, project: Any) -> None:
    a = idle(member, project, hours=14)
    form = dashboard_form(member_web, "/timer/trim/")
    assert form["running"] == [str(a.pk)]
    # Elsewhere: A is stopped and another forgotten timer B is the running one.
    services.timer_stop(user=member)
    b = idle(member, project, hours=13)

    response = member_web.post("/timer/trim/", form, follow=True)

    assert running_now(member) == b
    assert "is running now" in response.content.decode()


def test_the_trim_service_refuses_another_entry(member: Any, project: Any) -> None:
    a = idle(member, project, hours=14)
    with pytest.raises(ValidationError) as caught:
        services.timer_trim(
            user=member, ended_at=a.started_at + timedelta(hours=1), entry_id=a.pk + 1
        )
    assert caught.value.error_dict["timer"][0].code == "conflict"
    assert running_now(member) == a
    trimmed = services.timer_trim(
        user=member, ended_at=a.started_at + timedelta(hours=1), entry_id=a.pk
    )
    assert trimmed.ended_at == a.started_at + timedelta(hours=1)


def test_the_stop_service_refuses_another_entry(member: Any, project: Any) -> None:
    a = services.timer_start(user=member, project=project)
    with pytest.raises(ValidationError) as caught:
        services.timer_stop(user=member, entry_id=a.pk + 1)
    assert caught.value.error_dict["timer"][0].code == "conflict"
    assert running_now(member) == a
    assert services.timer_stop(user=member, entry_id=a.pk) == a


# --- Delete -----------------------------------------------------------------------------------
def test_the_delete_form_names_its_entry_and_deletes_it(member_web: Client, member: Any) -> None:
    entry = TimeEntryFactory(user=member)
    url = f"/entries/{entry.pk}/delete/"
    form = submitted_form(member_web.get(url).content.decode())
    assert form["entry"] == [str(entry.pk)]
    assert member_web.post(url, form).status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_a_delete_naming_another_entry_deletes_nothing(member_web: Client, member: Any) -> None:
    entry, other = TimeEntryFactory(user=member), TimeEntryFactory(user=member)
    response = member_web.post(
        f"/entries/{entry.pk}/delete/", {"entry": str(other.pk)}, follow=True
    )
    assert TimeEntry.objects.filter(pk__in=[entry.pk, other.pk]).count() == 2
    assert "nothing was deleted" in response.content.decode()


# --- API --------------------------------------------------------------------------------------
def test_the_api_stop_with_another_entry_is_a_conflict(
    member_api: APIClient, member: Any, project: Any, gemini: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    b = services.timer_start(user=member, project=gemini)
    response = member_api.post("/api/v1/timer/stop/", {"entry": a.pk}, format="json")
    assert response.status_code == 409
    assert "timer" in response.json()
    assert running_now(member) == b

    response = member_api.post("/api/v1/timer/stop/", {"entry": b.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == b.pk
    assert running_now(member) is None


def test_the_plain_api_stop_still_stops_whatever_runs(
    member_api: APIClient, member: Any, project: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    response = member_api.post("/api/v1/timer/stop/")
    assert response.status_code == 200
    assert response.json()["id"] == a.pk
    assert member_api.post("/api/v1/timer/stop/", {}, format="json").status_code == 409


def test_the_api_stop_with_an_entry_when_none_runs_is_a_conflict(
    member_api: APIClient, member: Any
) -> None:
    response = member_api.post("/api/v1/timer/stop/", {"entry": 5}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize("value", [1.5, 5.0, True, "x", 0, -3, 2**63, None, [1], {"id": 1}])
def test_the_api_stop_refuses_an_entry_that_is_not_an_id(
    member_api: APIClient, member: Any, project: Any, value: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    response = member_api.post("/api/v1/timer/stop/", {"entry": value}, format="json")
    assert response.status_code == 400
    assert "entry" in response.json()
    assert running_now(member) == a


def test_the_schema_declares_the_stop_body_and_the_conflict(member_api: APIClient) -> None:
    schema = member_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    stop = schema["paths"]["/api/v1/timer/stop/"]["post"]
    assert "409" in stop["responses"]
    body = stop["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    entry = schema["components"]["schemas"][body]["properties"]["entry"]
    assert entry["type"] == "integer"
    assert "entry" not in schema["components"]["schemas"][body].get("required", [])


# --- The page's script ------------------------------------------------------------------------
def test_the_dashboard_tells_its_script_which_entry_it_shows_without_inline_code(
    member_web: Client, member: Any, project: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    html = member_web.get("/").content.decode()
    assert f'data-running="{a.pk}"' in html
    assert 'data-timer-url="/api/v1/timer/"' in html
    assert 'id="timer-changed"' in html
    # A Content-Security-Policy without 'unsafe-inline' must not break the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    services.timer_stop(user=member)
    assert 'data-running=""' in member_web.get("/").content.decode()


def test_the_timer_api_answers_the_pages_session(
    member_web: Client, member: Any, project: Any
) -> None:
    a = services.timer_start(user=member, project=project)
    response = member_web.get("/api/v1/timer/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["id"] == a.pk
