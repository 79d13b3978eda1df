"""Reads of time entries, with the visibility rule and the entry filter in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404

from apps.accounts.selectors import user_is_admin, user_timezone
from apps.timers.models import TimeEntry


def entries_visible_to(*, user: User) -> QuerySet[TimeEntry]:
    """Members see their own entries; admins see everyone's."""
    qs = TimeEntry.objects.select_related("project", "project__client", "task", "user")
    if user_is_admin(user):
        return qs
    return qs.filter(user=user)


@dataclass(frozen=True)
class EntryQuery:
    """Filters shared by every door: the API entry list, the web pages and the exports.

    ``start``/``end`` are whole days in the viewer's time zone (inclusive); ``user_id``
    only narrows an admin's view, since members see nothing but their own entries anyway.
    ``modified_after`` (entries changed since, for synchronisation) is used by the API.
    ``tag_ids`` keeps entries carrying any of those tags (``?tag=1&tag=2``).
    """

    start: date | None = None
    end: date | None = None
    project_id: int | None = None
    task_id: int | None = None
    user_id: int | None = None
    modified_after: datetime | None = None
    tag_ids: tuple[int, ...] = ()

    def as_params(self) -> dict[str, str]:
        """The filters as query-string parameters (for links that keep them)."""
        raw = {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "project": self.project_id,
            "task": self.task_id,
            "user": self.user_id,
            "modified_after": self.modified_after.isoformat() if self.modified_after else None,
        }
        return {key: str(value) for key, value in raw.items() if value is not None}

    def as_query_items(self) -> list[tuple[str, str]]:
        """:meth:`as_params` plus one ``tag`` item per tag (a repeatable parameter)."""
        return [*self.as_params().items(), *(("tag", str(pk)) for pk in self.tag_ids)]


def entries_matching(
    *, user: User, query: EntryQuery, finished_only: bool = False
) -> QuerySet[TimeEntry]:
    """Entries ``user`` may see that match ``query`` (days in the user's time zone)."""
    qs = entries_visible_to(user=user)
    if finished_only:
        qs = qs.filter(ended_at__isnull=False)
    if query.start is not None or query.end is not None:
        tz = user_timezone(user)
        if query.start is not None:
            qs = qs.filter(started_at__gte=datetime.combine(query.start, time.min, tzinfo=tz))
        if query.end is not None:
            end_before = datetime.combine(query.end + timedelta(days=1), time.min, tzinfo=tz)
            qs = qs.filter(started_at__lt=end_before)
    if query.project_id is not None:
        qs = qs.filter(project_id=query.project_id)
    if query.task_id is not None:
        qs = qs.filter(task_id=query.task_id)
    if query.user_id is not None and user_is_admin(user):
        qs = qs.filter(user_id=query.user_id)
    if query.modified_after is not None:
        qs = qs.filter(updated_at__gt=query.modified_after)
    if query.tag_ids:
        # A subquery rather than a join: an entry with two of the tags is listed once.
        qs = qs.filter(
            pk__in=TimeEntry.tags.through.objects.filter(tag_id__in=query.tag_ids).values(
                "timeentry_id"
            )
        )
    return qs


def entry_get_for_user(*, user: User, pk: int) -> TimeEntry:
    """The entry if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return entries_visible_to(user=user).get(pk=pk)
    except (TimeEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("No such time entry.") from None


def running_entry(*, user: User) -> TimeEntry | None:
    return (
        TimeEntry.objects.select_related("project", "task")
        .filter(user=user, ended_at__isnull=True)
        .first()
    )


def entry_overlaps(*, entry: TimeEntry) -> list[int]:
    """Ids of the same user's other entries whose span intersects ``entry``'s."""
    end: datetime | None = entry.ended_at
    qs = TimeEntry.objects.filter(user_id=entry.user_id).exclude(pk=entry.pk)
    if end is not None:
        qs = qs.filter(started_at__lt=end)
    qs = qs.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=entry.started_at))
    return list(qs.order_by("started_at").values_list("pk", flat=True)[:50])
