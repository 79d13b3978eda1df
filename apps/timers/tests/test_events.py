"""Analytics events of the timers app: durations leave only as ranges, notes never."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from analytics.testutils import CapturedEvents
from apps.timers import services
from apps.timers.models import TimeEntry


def test_the_timer_and_its_entries(
    member: Any,
    project: Any,
    task: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = services.timer_start(
            user=member, project=project, task=task, notes="secret", tags=["Secret Tag"]
        )
        TimeEntry.objects.filter(pk=first.pk).update(
            started_at=timezone.now() - timedelta(minutes=20)
        )
        second = services.timer_start(user=member, project=project)
        services.timer_stop(user=member)
    tag_id = first.tags.get().pk
    assert [(e.name, dict(e.properties)) for e in analytics_events] == [
        ("tag.created", {"tag_id": tag_id, "implicit": True, "channel": "cli"}),
        (
            "timer.started",
            {
                "entry_id": first.pk,
                "project_id": project.pk,
                "task_id": task.pk,
                "billable": True,
                "stopped_previous": False,
                "tag_count": 1,
                "channel": "cli",
            },
        ),
        (
            "timer.stopped",
            {
                "entry_id": first.pk,
                "project_id": project.pk,
                "duration": "15m-30m",
                "channel": "cli",
            },
        ),
        (
            "timer.started",
            {
                "entry_id": second.pk,
                "project_id": project.pk,
                "task_id": None,
                "billable": True,
                "stopped_previous": True,
                "tag_count": 0,
                "channel": "cli",
            },
        ),
        (
            "timer.stopped",
            {
                "entry_id": second.pk,
                "project_id": project.pk,
                "duration": "<1m",
                "channel": "cli",
            },
        ),
    ]
    assert {event.actor_id for event in analytics_events} == {member.pk}
    assert "Secret" not in str(list(analytics_events)), "tag names never leave"


def test_manual_entries(
    member: Any,
    admin: Any,
    project: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    end = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        write = services.entry_create(
            user=member, project=project, started_at=end - timedelta(hours=3), ended_at=end
        )
        services.entry_create(
            user=member, project=project, started_at=end - timedelta(hours=1), ended_at=end
        )
        services.entry_update(entry=write.entry, data={"notes": "private"}, actor_id=admin.pk)
    entry_id = write.entry.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_delete(entry=write.entry, actor_id=admin.pk)
    created = analytics_events.named("time_entry.created")
    assert dict(created[0].properties) == {
        "entry_id": entry_id,
        "project_id": project.pk,
        "task_id": None,
        "billable": True,
        "duration": "2h-4h",
        "overlaps": 0,
        "tag_count": 0,
        "channel": "cli",
    }
    assert created[1].properties["overlaps"] == 1
    assert analytics_events.properties("time_entry.updated") == {
        "entry_id": entry_id,
        "project_id": project.pk,
        "fields_changed": 1,
        "channel": "cli",
    }
    deleted = analytics_events.one("time_entry.deleted")
    assert dict(deleted.properties) == {
        "entry_id": entry_id,
        "was_running": False,
        "channel": "cli",
    }
    assert deleted.actor_id == admin.pk
    assert "private" not in str(list(analytics_events))
