"""Tags in the web UI: the timer and entry forms, the entry list and its filter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.tags.models import Tag
from apps.timers.models import TimeEntry
from apps.web.tests.html_check import assert_valid_page
from tests.factories import TagFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

FORMAT = "%Y-%m-%dT%H:%M:%S"


def _entry_post(project: Any, **extra: str) -> dict[str, str]:
    end = timezone.localtime() - timedelta(hours=1)
    return {
        "project": str(project.pk),
        "task": "",
        "started_at": (end - timedelta(hours=1)).strftime(FORMAT),
        "ended_at": end.strftime(FORMAT),
        "notes": "",
        "billable": "unknown",
        **extra,
    }


def test_the_timer_form_offers_existing_tags_and_starts_with_typed_ones(
    member_web: Client, member: Any, project: Any
) -> None:
    TagFactory(name="Support")
    html = member_web.get("/").content.decode()
    assert 'name="tags"' in html
    assert '<option value="Support"></option>' in html
    response = member_web.post(
        "/timer/start/", {"project": str(project.pk), "notes": "", "tags": "support, on call"}
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=member)
    assert sorted(t.name for t in entry.tags.all()) == ["Support", "on call"]


def test_the_entry_form_sets_shows_and_keeps_the_tags(
    member_web: Client, member: Any, project: Any
) -> None:
    response = member_web.post("/entries/new/", _entry_post(project, tags="design, review"))
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=member)
    page = member_web.get(f"/entries/{entry.pk}/edit/")
    assert_valid_page(page.content.decode())
    assert 'value="design, review"' in page.content.decode()
    # Sent back with the tags in another case and order: not a change.
    before = entry.updated_at
    member_web.post(
        f"/entries/{entry.pk}/edit/",
        _entry_post(
            project,
            tags="Review, DESIGN",
            started_at=timezone.localtime(entry.started_at).strftime(FORMAT),
            ended_at=timezone.localtime(entry.ended_at).strftime(FORMAT),
            billable="on",
        ),
    )
    entry.refresh_from_db()
    assert entry.updated_at == before
    assert sorted(t.name for t in entry.tags.all()) == ["design", "review"]


@pytest.mark.parametrize(
    ("tags", "message"),
    [("bell\u0007", "control character U+0007"), ("x" * 51, "at most 50 characters")],
)
def test_a_refused_tag_is_a_field_error_and_nothing_is_saved(
    member_web: Client, project: Any, tags: str, message: str
) -> None:
    response = member_web.post("/entries/new/", _entry_post(project, tags=f"ok, {tags}"))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["tags"])
    assert not TimeEntry.objects.exists()
    assert not Tag.objects.exists()


def test_the_entry_list_shows_tags_that_link_to_their_filter(
    member_web: Client, member: Any
) -> None:
    tag, other = TagFactory(name="<i>deep</i> work"), TagFactory(name="admin")
    tagged = TimeEntryFactory(user=member, notes="tagged one")
    tagged.tags.add(tag)
    TimeEntryFactory(user=member, notes="another").tags.add(other)
    page = member_web.get("/entries/")
    assert_valid_page(page.content.decode())
    html = page.content.decode()
    assert f'<a class="tag" href="?tag={tag.pk}">&lt;i&gt;deep&lt;/i&gt; work</a>' in html
    html = member_web.get(f"/entries/?tag={tag.pk}").content.decode()
    assert "tagged one" in html
    assert "another" not in html
    assert f"tag={tag.pk}" in html.split("export.csv", 1)[1][:200], "exports keep the filter"


@pytest.mark.parametrize("value", ["abc", "0", str(2**64), "-1", "999999"])
def test_a_bad_tag_filter_is_a_form_error(member_web: Client, value: str) -> None:
    response = member_web.get(f"/entries/?tag={value}")
    assert response.status_code == 200
    assert "tag" in response.context["form"].errors


def test_emptying_the_field_removes_the_tags_of_an_entry(
    member_web: Client, member: Any, project: Any
) -> None:
    entry = TimeEntryFactory(user=member, project=project)
    entry.tags.add(TagFactory(name="old"))
    response = member_web.post(
        f"/entries/{entry.pk}/edit/",
        _entry_post(
            project,
            tags="",
            started_at=timezone.localtime(entry.started_at).strftime(FORMAT),
            ended_at=timezone.localtime(entry.ended_at).strftime(FORMAT),
            billable="on",
        ),
    )
    assert response.status_code == 302
    assert not entry.tags.exists()
    assert Tag.objects.filter(name="old").exists(), "the tag itself stays"
