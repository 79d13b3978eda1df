"""Tags in the API: the tag list, tags on entries and on the timer, the ?tag= filter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.tags.models import Tag
from apps.timers.models import TimeEntry
from tests.factories import TagFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def _entry_body(project: Any, **extra: Any) -> dict[str, Any]:
    end = timezone.now() - timedelta(hours=1)
    return {
        "project": project.pk,
        "started_at": (end - timedelta(hours=1)).isoformat(),
        "ended_at": end.isoformat(),
        **extra,
    }


def test_it_creates_an_entry_with_tags_by_id_and_by_new_name(member_api: Any, project: Any) -> None:
    urgent = TagFactory(name="Urgent")
    response = member_api.post(
        "/api/v1/time-entries/",
        _entry_body(project, tags=[urgent.pk, "client call", "URGENT"]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    new = Tag.objects.get(name="client call")
    assert sorted((t["id"], t["name"]) for t in response.json()["tags"]) == sorted(
        [(urgent.pk, "Urgent"), (new.pk, "client call")]
    )


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("urgent", "Expected a list"),
        ([True], "Each tag is an id"),
        ([1.5], "Each tag is an id"),
        (["a,b"], "commas"),
        (["bell\u0007"], "control character"),
        (["x" * 51], "at most 50"),
        ([f"t{n}" for n in range(21)], "at most 20"),
        ([0], "no tag with id 0"),
        ([2**63], "no tag with id"),
        ([123456], "no tag with id 123456"),
    ],
)
def test_it_refuses_hostile_tags_with_a_field_error(
    member_api: Any, project: Any, tags: Any, message: str
) -> None:
    response = member_api.post(
        "/api/v1/time-entries/", _entry_body(project, tags=tags), format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json()["tags"])
    assert not TimeEntry.objects.exists()
    assert not Tag.objects.exists()


def test_it_replaces_the_tags_of_an_entry_and_the_running_timer(
    member_api: Any, member: Any, project: Any
) -> None:
    response = member_api.post(
        "/api/v1/timer/start/", {"project": project.pk, "tags": ["deep work"]}, format="json"
    )
    assert response.status_code == 201
    assert [t["name"] for t in response.json()["tags"]] == ["deep work"]
    running = member_api.get("/api/v1/timer/").json()
    assert [t["name"] for t in running["tags"]] == ["deep work"]
    response = member_api.patch(
        f"/api/v1/time-entries/{running['id']}/", {"tags": ["meeting"]}, format="json"
    )
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["tags"]] == ["meeting"]
    response = member_api.patch(
        f"/api/v1/time-entries/{running['id']}/", {"tags": []}, format="json"
    )
    assert response.json()["tags"] == []


def test_it_filters_entries_by_any_of_the_given_tags(member_api: Any, member: Any) -> None:
    a, b, c = TagFactory(), TagFactory(), TagFactory()
    with_a, with_ab, with_c = (TimeEntryFactory(user=member) for _ in range(3))
    with_a.tags.add(a)
    with_ab.tags.add(a, b)
    with_c.tags.add(c)
    TimeEntryFactory(user=member)
    ids = {e["id"] for e in member_api.get(f"/api/v1/time-entries/?tag={a.pk}").json()["results"]}
    assert ids == {with_a.pk, with_ab.pk}
    response = member_api.get(f"/api/v1/time-entries/?tag={b.pk}&tag={c.pk}")
    assert {e["id"] for e in response.json()["results"]} == {with_ab.pk, with_c.pk}
    assert member_api.get("/api/v1/time-entries/?tag=abc").status_code == 400


def test_the_entry_list_reads_tags_in_a_fixed_number_of_queries(
    member_api: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    tags = [TagFactory() for _ in range(3)]
    for _ in range(10):
        TimeEntryFactory(user=member).tags.add(*tags)
    with django_assert_max_num_queries(8):
        response = member_api.get("/api/v1/time-entries/")
    assert all(len(e["tags"]) == 3 for e in response.json()["results"])


def test_members_list_and_create_tags_but_only_admins_rename_merge_and_delete(
    member_api: Any, admin_api: Any
) -> None:
    response = member_api.post("/api/v1/tags/", {"name": "Research"}, format="json")
    assert response.status_code == 201
    tag_id = response.json()["id"]
    assert member_api.post("/api/v1/tags/", {"name": "research"}, format="json").status_code == 400
    assert [t["name"] for t in member_api.get("/api/v1/tags/").json()["results"]] == ["Research"]
    url = f"/api/v1/tags/{tag_id}/"
    assert member_api.patch(url, {"name": "R"}, format="json").status_code == 403
    assert member_api.delete(url).status_code == 403
    assert admin_api.patch(url, {"name": "R&D"}, format="json").json()["name"] == "R&D"
    other = TagFactory(name="rnd")
    entry = TimeEntryFactory()
    entry.tags.add(other)
    assert member_api.post(f"{url}merge/", {"tags": [other.pk]}, format="json").status_code == 403
    response = admin_api.post(f"{url}merge/", {"tags": [other.pk]}, format="json")
    assert response.status_code == 200
    assert [t.pk for t in entry.tags.all()] == [tag_id]
    assert admin_api.post(f"{url}merge/", {"tags": [999999]}, format="json").status_code == 400
    assert admin_api.delete(url).status_code == 204
    assert not Tag.objects.exists()
