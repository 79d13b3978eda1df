"""Tags in the Django admin: the merge action and tags on an entry go through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as WebClient
from django.utils import timezone

from analytics.testutils import capture_events
from apps.tags.models import Tag
from apps.timers.models import TimeEntry
from tests.factories import ProjectFactory, TagFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db: Any) -> WebClient:
    client = WebClient()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_it_merges_the_selected_tags_into_the_chosen_one(
    web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    keep, dup = TagFactory(name="bug"), TagFactory(name="bugs")
    entry = TimeEntryFactory()
    entry.tags.add(dup)
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            "/admin/tags/tag/",
            {
                "action": "merge_tags",
                "_selected_action": [str(keep.pk), str(dup.pk)],
                "keep": str(keep.pk),
            },
        )
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["bug"]
    assert [t.name for t in entry.tags.all()] == ["bug"]
    assert events.one("tag.merged").properties["channel"] == "admin"


def test_a_merge_without_the_tag_to_keep_changes_nothing(web: WebClient) -> None:
    a, b = TagFactory(), TagFactory()
    response = web.post(
        "/admin/tags/tag/",
        {"action": "merge_tags", "_selected_action": [str(a.pk), str(b.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose the tag to keep" in response.content.decode()
    assert Tag.objects.count() == 2


def test_it_lists_tags_with_their_entry_counts(web: WebClient) -> None:
    tag = TagFactory(name="<b>bold</b>")
    TimeEntryFactory().tags.add(tag)
    response = web.get("/admin/tags/tag/")
    assert response.status_code == 200
    assert "&lt;b&gt;bold&lt;/b&gt;" in response.content.decode()


def test_tags_set_on_an_entry_in_the_admin_go_through_the_entry_service(
    web: WebClient, django_capture_on_commit_callbacks: Any
) -> None:
    user, project, tag = UserFactory(), ProjectFactory(), TagFactory()
    end = (timezone.localtime() - timedelta(hours=1)).replace(microsecond=0)
    start = end - timedelta(hours=1)
    data = {
        "user": str(user.pk),
        "project": str(project.pk),
        "task": "",
        "started_at_0": start.strftime("%Y-%m-%d"),
        "started_at_1": start.strftime("%H:%M:%S"),
        "ended_at_0": end.strftime("%Y-%m-%d"),
        "ended_at_1": end.strftime("%H:%M:%S"),
        "notes": "",
        "billable": "on",
        "tags": [str(tag.pk)],
    }
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = web.post("/admin/timers/timeentry/add/", data)
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert list(entry.tags.all()) == [tag]
    assert events.one("time_entry.created").properties["tag_count"] == 1
