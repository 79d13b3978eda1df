"""Writes of the week grid, the calendar and the calendar feed.

The grid and the calendar change entries only through the timers services
(``entry_create``, ``entry_update``, ``entry_delete``), so their validation and events are
the same as the entry form's and the API's.
"""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.selectors import user_timezone
from apps.core.services import send_on_commit
from apps.projects.models import Project
from apps.tasks.models import Task
from apps.timers import services as timers
from apps.timers.models import TimeEntry
from apps.timesheet import signals
from apps.timesheet.conf import day_start
from apps.timesheet.models import CalendarFeed
from apps.timesheet.selectors import cell_entries, cell_is_editable
from apps.timesheet.weeks import day_bounds, day_open


@dataclass(frozen=True)
class CellChange:
    """The time a user wants in one cell; ``seconds`` None or 0 clears the cell."""

    project: Project
    task: Task | None
    day: date
    seconds: int | None
    # Tag names (or ids) for the entry an empty cell gets; an existing entry keeps its own.
    tags: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0


class TimesheetInvalid(ValidationError):
    """Cells the save refused, by their index in the changes; nothing was written."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(gettext("Some cells could not be saved."), code="invalid")
        self.cell_errors = errors


class _Rollback(Exception):
    pass


def _messages(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def cell_start(*, day: date, seconds: int, now: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """Where a new cell's entry starts: at ``TIMESHEET_DAY_START`` of its day, or, today,
    early enough to have ended by now (not before midnight)."""
    midnight, _ = day_bounds(day, tz)
    start = datetime.combine(day, day_start(), tzinfo=tz)
    return max(midnight, min(start, now - timedelta(seconds=seconds)))


def _save_cell(*, user: User, change: CellChange, now: datetime, result: dict[str, int]) -> None:
    tz = user_timezone(user)
    task_id = change.task.pk if change.task is not None else None
    entries = cell_entries(
        user=user, project_id=change.project.pk, task_id=task_id, day=change.day, tz=tz
    )
    if not day_open(change.day):
        raise ValidationError(
            gettext("This day is outside the supported range."), code="out_of_range"
        )
    if not cell_is_editable(entries, change.day):
        raise ValidationError(
            gettext(
                "This cell has several entries or a running timer; edit them in the entry list."
            ),
            code="read_only",
        )
    seconds = change.seconds or 0
    if not entries:
        if not seconds:
            return
        midnight, _ = day_bounds(change.day, tz)
        if midnight > now:
            raise ValidationError(gettext("This day has not started yet."), code="future")
        started_at = cell_start(day=change.day, seconds=seconds, now=now, tz=tz)
        timers.entry_create(
            user=user,
            project=change.project,
            task=change.task,
            started_at=started_at,
            ended_at=started_at + timedelta(seconds=seconds),
            tags=list(change.tags) or None,
        )
        result["created"] += 1
        return
    entry = entries[0]
    if not seconds:
        timers.entry_delete(entry=entry, actor_id=user.pk)
        result["deleted"] += 1
        return
    ended_at = entry.started_at + timedelta(seconds=seconds)
    if ended_at != entry.ended_at:
        timers.entry_update(entry=entry, data={"ended_at": ended_at}, actor_id=user.pk)
        result["updated"] += 1


def timesheet_save(*, user: User, changes: Sequence[CellChange]) -> SaveResult:
    """Apply the changed cells of a week grid, all or nothing.

    A cell with no entry gets one (at the day's start, see :func:`cell_start`); a cell
    with one finished entry has that entry's end moved (its start stays); a cleared cell
    deletes its entry. Cells with several entries or a running timer are refused. Every
    cell is tried, so each refused one is reported (``TimesheetInvalid.cell_errors``);
    if any is, nothing is written.
    """
    now = timezone.now()
    counts = {"created": 0, "updated": 0, "deleted": 0}
    errors: dict[int, str] = {}
    try:
        with transaction.atomic():
            for index, change in enumerate(changes):
                try:
                    with transaction.atomic():
                        _save_cell(user=user, change=change, now=now, result=counts)
                except ValidationError as exc:
                    errors[index] = _messages(exc)
            if errors:
                raise _Rollback
            if changes:
                send_on_commit(
                    signals.timesheet_saved,
                    TimeEntry,
                    user_id=user.pk,
                    cells=len(changes),
                    **counts,
                )
    except _Rollback:
        raise TimesheetInvalid(errors) from None
    return SaveResult(**counts)


def calendar_entry_move(
    *, user: User, entry: TimeEntry, started_at: datetime, ended_at: datetime
) -> timers.EntryWrite:
    """Move or resize one of the user's finished entries (the calendar's drag and drop)."""
    if entry.user_id != user.pk:
        refused = ValidationError(gettext("This is not your entry."), code="forbidden")
        raise ValidationError({"entry": refused})
    if entry.ended_at is None:
        refused = ValidationError(
            gettext("A running timer cannot be moved; stop it first."), code="running"
        )
        raise ValidationError({"ended_at": refused})
    return timers.entry_update(
        entry=entry, data={"started_at": started_at, "ended_at": ended_at}, actor_id=user.pk
    )


# --- Calendar feed --------------------------------------------------------------------------
def feed_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """A new feed secret for ``user``; any older one stops working. Returns the secret,
    which is not stored (only its digest) and cannot be shown again."""
    key = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            replaced, _ = CalendarFeed.objects.filter(user=user).delete()
            feed = CalendarFeed.objects.create(user=user, digest=feed_digest(key))
            send_on_commit(
                signals.calendar_feed_created,
                CalendarFeed,
                user_id=user.pk,
                replaced=bool(replaced),
            )
    except IntegrityError as exc:
        refused = ValidationError(
            gettext("Another feed was made at the same moment; try again."), code="conflict"
        )
        raise ValidationError({"feed": refused}) from exc
    return feed, key


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Delete the user's feed; its URL answers 404 from now on. False if there was none."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        send_on_commit(signals.calendar_feed_revoked, CalendarFeed, user_id=user.pk)
    return bool(deleted)


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    """Record that the feed was read, at most once an hour (calendar apps poll often)."""
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    if feed.last_used_at is not None and feed.last_used_at > hour_ago:
        return
    # Conditional, so two workers answering the same poll do not both write.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=hour_ago)
    CalendarFeed.objects.filter(stale, pk=feed.pk).update(last_used_at=now)
    feed.last_used_at = now
