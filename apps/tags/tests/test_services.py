"""The tag services: names compared ignoring case, resolve, rename, merge and delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from analytics.testutils import CapturedEvents
from apps.tags import services
from apps.tags.models import Tag
from apps.timers import services as timer_services
from tests.factories import TagFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_it_finds_existing_tags_ignoring_case_and_creates_the_missing_ones() -> None:
    urgent = TagFactory(name="Urgent")
    tags = services.tags_resolve(values=["urgent", " Client work ", "", "client WORK"])
    assert [tag.name for tag in tags] == ["Urgent", "Client work"]
    assert tags[0].pk == urgent.pk
    assert Tag.objects.count() == 2


def test_it_takes_ids_and_tag_objects_once_each() -> None:
    a, b = TagFactory(), TagFactory()
    assert services.tags_resolve(values=[a.pk, a, b, b.pk]) == [a, b]


def test_it_refuses_an_unknown_id_and_creates_nothing() -> None:
    with pytest.raises(ValidationError) as caught:
        services.tags_resolve(values=["new one", 999_999])
    assert "There is no tag with id 999999." in caught.value.message_dict["tags"]
    assert not Tag.objects.exists()


def test_it_refuses_a_missing_name_when_creating_is_not_allowed() -> None:
    with pytest.raises(ValidationError) as caught:
        services.tags_resolve(values=["nope"], create=False)
    assert caught.value.message_dict["tags"] == ["There is no tag named 'nope'."]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bell\x07", "control character U+0007"),
        ("two\nlines", "commas, tabs or line breaks"),
        ("x" * 51, "at most 50 characters"),
    ],
)
def test_it_refuses_hostile_names_on_the_tags_field(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.tags_resolve(values=[name])
    assert message in " ".join(caught.value.message_dict["tags"])
    assert not Tag.objects.exists()


def test_it_refuses_more_tags_than_an_entry_may_carry() -> None:
    with pytest.raises(ValidationError) as caught:
        services.tags_resolve(values=[f"t{n}" for n in range(services.MAX_TAGS_PER_ENTRY + 1)])
    assert "at most 20 tags" in caught.value.message_dict["tags"][0]


def test_it_refuses_a_name_taken_in_another_case_on_create_and_rename() -> None:
    TagFactory(name="Urgent")
    other = TagFactory(name="Later")
    with pytest.raises(ValidationError) as caught:
        services.tag_create(name="URGENT")
    assert "already a tag with this name" in caught.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        services.tag_rename(tag=other, name="urgent")


def test_it_renames_a_tag_and_entries_show_the_new_name() -> None:
    tag = TagFactory(name="urgnet")
    entry = TimeEntryFactory()
    entry.tags.add(tag)
    services.tag_rename(tag=tag, name="urgent")
    assert [t.name for t in entry.tags.all()] == ["urgent"]


def test_it_merges_tags_moving_their_entries_to_the_kept_one(
    analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    keep, dup1, dup2 = TagFactory(name="bug"), TagFactory(name="bugs"), TagFactory(name="Bug!")
    both, only_dup, untouched = TimeEntryFactory(), TimeEntryFactory(), TimeEntryFactory()
    both.tags.add(keep, dup1, dup2)
    only_dup.tags.add(dup2)
    untouched.tags.add(TagFactory(name="other"))
    with django_capture_on_commit_callbacks(execute=True):
        services.tag_merge(tag=keep, others=[dup1, dup2, keep], actor_id=None)
    assert set(Tag.objects.values_list("name", flat=True)) == {"bug", "other"}
    assert [t.name for t in both.tags.all()] == ["bug"]
    assert [t.name for t in only_dup.tags.all()] == ["bug"]
    assert [t.name for t in untouched.tags.all()] == ["other"]
    assert analytics_events.properties("tag.merged") == {
        "tag_id": keep.pk,
        "merged_count": 2,
        "entry_count": 2,
        "channel": "cli",
    }


def test_it_refuses_a_merge_without_another_tag() -> None:
    keep = TagFactory()
    with pytest.raises(ValidationError):
        services.tag_merge(tag=keep, others=[keep])


def test_it_deletes_a_tag_and_entries_keep_their_other_tags(
    analytics_events: CapturedEvents, django_capture_on_commit_callbacks: Any
) -> None:
    gone, kept = TagFactory(), TagFactory()
    entry = TimeEntryFactory()
    entry.tags.add(gone, kept)
    gone_id = gone.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.tag_delete(tag=gone)
    assert list(entry.tags.all()) == [kept]
    assert analytics_events.properties("tag.deleted") == {
        "tag_id": gone_id,
        "entry_count": 1,
        "channel": "cli",
    }


def test_it_sets_and_replaces_the_tags_of_an_entry_through_the_entry_service(
    member: Any,
    project: Any,
    analytics_events: CapturedEvents,
    django_capture_on_commit_callbacks: Any,
) -> None:
    entry = TimeEntryFactory(user=member, project=project)
    with django_capture_on_commit_callbacks(execute=True):
        timer_services.entry_update(entry=entry, data={"tags": ["a", "b"]}, actor_id=member.pk)
        timer_services.entry_update(entry=entry, data={"tags": ["B", "a"]}, actor_id=member.pk)
        timer_services.entry_update(entry=entry, data={"tags": []}, actor_id=member.pk)
    assert not entry.tags.exists()
    updated = analytics_events.named("time_entry.updated")
    assert [e.properties["fields_changed"] for e in updated] == [1, 1], "same set: no event"
    assert len(analytics_events.named("tag.created")) == 2


def test_a_refused_entry_creates_none_of_its_new_tags(member: Any, project: Any) -> None:
    entry = TimeEntryFactory(user=member, project=project)
    with pytest.raises(ValidationError):
        timer_services.entry_update(
            entry=entry,
            data={"tags": ["fresh"], "started_at": entry.ended_at + timedelta(hours=1)},
            actor_id=member.pk,
        )
    assert not Tag.objects.exists()
