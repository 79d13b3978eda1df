"""The idle-timer flag on the dashboard: a forgotten timer is flagged and can be trimmed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from waffle.testutils import override_flag

from apps.core import flags
from apps.timers.models import Source, TimeEntry
from tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def running(user: Any, project: Any, *, hours: float) -> TimeEntry:
    return TimeEntryFactory(
        user=user,
        project=project,
        started_at=timezone.now().replace(second=0, microsecond=0) - timedelta(hours=hours),
        ended_at=None,
        source=Source.TIMER,
    )


def local(moment: datetime, tz: Any = UTC) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


class TestFlagOn:
    def test_a_timer_past_the_limit_is_flagged_with_a_form(
        self, member_web: Client, member: Any, project: Any
    ) -> None:
        entry = running(member, project, hours=14)
        html = member_web.get("/").content.decode()
        assert 'id="idle-timer"' in html
        assert "running for more than 12 hours" in html
        field = re.search(r'<input type="datetime-local" name="ended_at"[^>]*>', html)
        assert field is not None, html
        # Suggested: a working day after the start; the picker spans start to now.
        assert f'value="{local(entry.started_at + timedelta(hours=8))}:00"' in field.group(0)
        assert f'min="{local(entry.started_at)}:00"' in field.group(0)

    def test_a_recent_timer_is_not_flagged(
        self, member_web: Client, member: Any, project: Any, settings: Any
    ) -> None:
        running(member, project, hours=3)
        assert 'id="idle-timer"' not in member_web.get("/").content.decode()
        settings.IDLE_TIMER_HOURS = 2
        assert 'id="idle-timer"' in member_web.get("/").content.decode()

    def test_trimming_stops_the_timer_at_the_time_given_in_the_users_zone(
        self, client: Client, project: Any
    ) -> None:
        user = UserFactory(username="berta", profile__timezone="Europe/Berlin")
        client.force_login(user)
        entry = running(user, project, hours=20)
        end = entry.started_at + timedelta(hours=6, minutes=15)

        response = client.post("/timer/trim/", {"ended_at": local(end, BERLIN)}, follow=True)

        assert response.redirect_chain == [("/", 302)]
        assert TimeEntry.objects.get(pk=entry.pk).ended_at == end
        assert f"Timer stopped at {end.astimezone(BERLIN):%H:%M}" in response.content.decode()
        assert "6:15 h:mm on Apollo" in response.content.decode()

    @pytest.mark.parametrize(
        ("offset", "error"),
        [(timedelta(hours=-1), "after the start"), (timedelta(hours=30), "in the future")],
    )
    def test_an_impossible_time_is_refused_next_to_the_field(
        self, member_web: Client, member: Any, project: Any, offset: timedelta, error: str
    ) -> None:
        entry = running(member, project, hours=20)
        response = member_web.post("/timer/trim/", {"ended_at": local(entry.started_at + offset)})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="trim_ended_at_error"' in html
        assert error in html
        assert TimeEntry.objects.get(pk=entry.pk).is_running

    def test_a_timer_stopped_meanwhile_is_explained(
        self, member_web: Client, member: Any, project: Any
    ) -> None:
        response = member_web.post("/timer/trim/", {"ended_at": "2026-01-01T10:00"}, follow=True)
        assert "No timer is running." in response.content.decode()


@pytest.fixture
def idle_flag_off() -> Iterator[None]:
    with override_flag(flags.IDLE_TIMER, active=False):
        yield


@pytest.mark.usefixtures("idle_flag_off")
class TestFlagOff:
    def test_a_forgotten_timer_is_not_flagged(
        self, member_web: Client, member: Any, project: Any
    ) -> None:
        running(member, project, hours=30)
        html = member_web.get("/").content.decode()
        assert 'id="running-timer"' in html
        assert 'id="idle-timer"' not in html

    def test_the_trim_endpoint_answers_404(
        self, member_web: Client, member: Any, project: Any
    ) -> None:
        entry = running(member, project, hours=30)
        response = member_web.post(
            "/timer/trim/", {"ended_at": local(entry.started_at + timedelta(hours=2))}
        )
        assert response.status_code == 404
        assert TimeEntry.objects.get(pk=entry.pk).is_running
