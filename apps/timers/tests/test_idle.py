"""timer_trim: stopping a forgotten timer at an earlier time the user chooses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from analytics.testutils import CapturedEvents
from apps.timers import services, signals
from apps.timers.models import Source, TimeEntry
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db


def running(user: Any, project: Any, *, hours: float) -> TimeEntry:
    return TimeEntryFactory(
        user=user,
        project=project,
        started_at=timezone.now().replace(microsecond=0) - timedelta(hours=hours),
        ended_at=None,
        source=Source.TIMER,
    )


def codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str | None]]:
    return {name: [e.code for e in errors] for name, errors in exc.value.error_dict.items()}


def test_it_stops_an_idle_timer_at_the_chosen_time_and_says_so(
    member: Any,
    project: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    entry = running(member, project, hours=15)
    sent: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        sent.append(kwargs)

    signals.timer_idle_trimmed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            trimmed = services.timer_trim(
                user=member, ended_at=entry.started_at + timedelta(hours=7, minutes=30)
            )
    finally:
        signals.timer_idle_trimmed.disconnect(receiver)

    assert trimmed.pk == entry.pk
    assert trimmed.ended_at == entry.started_at + timedelta(hours=7, minutes=30)
    assert TimeEntry.objects.get(pk=entry.pk).ended_at == trimmed.ended_at
    [kwargs] = sent
    assert kwargs["duration_seconds"] == 7.5 * 3600
    assert 7.5 * 3600 - 5 <= kwargs["trimmed_seconds"] <= 7.5 * 3600 + 5
    # The timer stopped, too: both events, properties as ranges and ids only.
    assert analytics_events.names == ["timer.stopped", "timer.idle_trimmed"]
    assert analytics_events.properties("timer.idle_trimmed") == {
        "entry_id": entry.pk,
        "project_id": project.pk,
        "duration": "4h-8h",
        "trimmed": "4h-8h",
        "channel": "cli",
    }


def test_the_limit_comes_from_the_settings(member: Any, project: Any, settings: Any) -> None:
    entry = running(member, project, hours=3)
    assert not services.timer_is_idle(entry)
    settings.IDLE_TIMER_HOURS = 2
    assert services.timer_is_idle(entry)
    services.timer_trim(user=member, ended_at=entry.started_at + timedelta(hours=1))


def test_a_timer_under_the_limit_is_not_trimmed(member: Any, project: Any) -> None:
    entry = running(member, project, hours=11)
    with pytest.raises(ValidationError) as exc:
        services.timer_trim(user=member, ended_at=entry.started_at + timedelta(hours=1))
    assert codes(exc) == {"timer": ["not_idle"]}
    assert TimeEntry.objects.get(pk=entry.pk).is_running


def test_without_a_running_timer_there_is_nothing_to_trim(member: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.timer_trim(user=member, ended_at=timezone.now())
    assert codes(exc) == {"timer": ["no_timer"]}


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(hours=0), "The end must be after the start."),
        (timedelta(hours=-1), "The end must be after the start."),
        (timedelta(hours=25), "An entry cannot be longer than 24 hours"),
        (timedelta(hours=31), "The end cannot be in the future."),
    ],
)
def test_the_end_must_be_after_the_start_within_a_day_and_not_in_the_future(
    member: Any, project: Any, offset: timedelta, message: str
) -> None:
    entry = running(member, project, hours=30)
    with pytest.raises(ValidationError) as exc:
        services.timer_trim(user=member, ended_at=entry.started_at + offset)
    assert message in " ".join(exc.value.message_dict["ended_at"])
    assert TimeEntry.objects.get(pk=entry.pk).is_running


def test_only_the_users_own_timer_is_trimmed(member: Any, other_member: Any, project: Any) -> None:
    theirs = running(other_member, project, hours=20)
    with pytest.raises(ValidationError):
        services.timer_trim(user=member, ended_at=theirs.started_at + timedelta(hours=1))
    assert TimeEntry.objects.get(pk=theirs.pk).is_running
