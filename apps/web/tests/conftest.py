"""Data shared by the web UI tests: a small world with entries of three people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.signals import profile_updated
from apps.timers.models import Source, TimeEntry
from tests.factories import ClientFactory, ProjectFactory, TaskFactory, TimeEntryFactory


@dataclass
class World:
    acme: Any
    apollo: Any
    design: Any
    gemini: Any
    mine: TimeEntry  # the member's finished entry
    theirs: TimeEntry  # the other member's finished entry
    admins: TimeEntry  # the admin's finished entry
    length: timedelta  # of each of those entries


@pytest.fixture
def world(admin: Any, member: Any, other_member: Any, project: Any, task: Any) -> World:
    acme = ClientFactory(name="Acme")
    project.client = acme
    project.budget_hours = 10
    project.save()
    gemini = ProjectFactory(name="Gemini", client=acme)
    TaskFactory(project=gemini, name="Build")
    # Entries of today (UTC, the personas' zone) even when the suite runs just after
    # midnight, so "today" and "this week" always contain them.
    now = timezone.now().replace(microsecond=0)
    start = max(now - timedelta(hours=3), now.replace(hour=0, minute=0, second=0))
    # Whole minutes, so three entries sum to hours with at most two decimals and no
    # rounding boundary decides what a page prints (just after midnight: one minute).
    minutes = max(1, int((now - start).total_seconds() // 120))
    length = min(timedelta(hours=1), timedelta(minutes=minutes))

    def entry(user: Any, **extra: Any) -> TimeEntry:
        return TimeEntryFactory(
            user=user,
            project=project,
            task=task,
            started_at=start,
            ended_at=start + length,
            source=Source.MANUAL,
            **extra,
        )

    return World(
        acme=acme,
        apollo=project,
        design=task,
        gemini=gemini,
        mine=entry(member, notes="member's work"),
        theirs=entry(other_member, notes="other's work"),
        admins=entry(admin, notes="admin's work"),
        length=length,
    )


@dataclass
class ProfilePost:
    response: Any
    changed: list[list[str]]  # the ``changed`` of each profile_updated sent


@pytest.fixture
def post_profile(member_web: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Post the member's profile form, run the commit callbacks, and say what the profile
    service announced."""

    def post(data: dict[str, Any], **kwargs: Any) -> ProfilePost:
        received: list[list[str]] = []

        def receiver(sender: Any, **signal: Any) -> None:
            received.append(signal["changed"])

        profile_updated.connect(receiver, weak=False)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                response = member_web.post("/accounts/profile/", data, **kwargs)
        finally:
            profile_updated.disconnect(receiver)
        return ProfilePost(response, received)

    return post
