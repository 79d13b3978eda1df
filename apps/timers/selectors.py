"""Reads of time entries, with the visibility rule in one place."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404

from apps.accounts.selectors import user_is_admin
from apps.timers.models import TimeEntry


def entries_visible_to(*, user: AbstractBaseUser) -> QuerySet[TimeEntry]:
    """Members see their own entries; admins see everyone's."""
    qs = TimeEntry.objects.select_related("project", "project__client", "task", "user")
    if user_is_admin(user):
        return qs
    return qs.filter(user=user)


def entry_get_for_user(*, user: AbstractBaseUser, pk: int) -> TimeEntry:
    """The entry if ``user`` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return entries_visible_to(user=user).get(pk=pk)
    except (TimeEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("No such time entry.") from None


def running_entry(*, user: AbstractBaseUser) -> TimeEntry | None:
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
