"""Writes for time entries and the running timer.

Every function is keyword-only, runs in one transaction and sends its domain signal on
commit. Manual input is validated here (not in forms or serializers) so the web UI and the
API give the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.limits import validate_stored_time
from apps.core.services import apply_changes, send_on_commit
from apps.projects.budget import budget_refresh
from apps.projects.models import Project
from apps.tags.models import Tag
from apps.tags.services import tags_resolve
from apps.tasks.models import Task
from apps.timers import signals
from apps.timers.models import MAX_ENTRY_DURATION, Source, TimeEntry
from apps.timers.selectors import entry_overlaps

# Clocks of browsers and servers drift; a start a few seconds "in the future" is not an error.
FUTURE_TOLERANCE = timedelta(minutes=1)
EDITABLE = ("project", "task", "started_at", "ended_at", "notes", "billable")
# Changes that move time between budgets (apps.projects.budget).
BUDGET_FIELDS = {"project", "started_at", "ended_at", "billable"}
# What a door may pass as ``tags``: Tag objects, tag ids, or names (missing names are
# created: a member creates a tag by using it). See apps.tags.services.tags_resolve.
TagValues = Iterable[Tag | int | str]


@dataclass
class EntryWrite:
    """A created or updated entry and the ids of the user's entries it overlaps."""

    entry: TimeEntry
    overlaps: list[int] = field(default_factory=list)


def _check_project_and_task(
    project: Project, task: Task | None, *, allow_archived: bool = False
) -> None:
    errors: dict[str, str] = {}
    if project.archived and not allow_archived:
        errors["project"] = _("This project is archived; pick another one or restore it.")
    if task is not None and task.project_id != project.pk:
        errors["task"] = _("This task belongs to another project.")
    if errors:
        raise ValidationError(errors)


def _check_range(**times: datetime | None) -> None:
    """Each given time within the supported range (before any arithmetic on it)."""
    errors: dict[str, ValidationError] = {}
    for name, value in times.items():
        if value is None:
            continue
        try:
            validate_stored_time(value)
        except ValidationError as exc:
            errors[name] = exc
    if errors:
        raise ValidationError(errors)


def _check_notes(notes: str) -> None:
    """The notes field's own validators (length, characters) for writes without full_clean."""
    try:
        for validator in TimeEntry._meta.get_field("notes").validators:
            validator(notes)
    except ValidationError as exc:
        raise ValidationError({"notes": exc}) from None


def _check_times(started_at: datetime, ended_at: datetime | None) -> None:
    _check_range(started_at=started_at, ended_at=ended_at)
    errors: dict[str, str] = {}
    if started_at > timezone.now() + FUTURE_TOLERANCE:
        errors["started_at"] = _("The start cannot be in the future.")
    if ended_at is not None:
        if ended_at <= started_at:
            errors["ended_at"] = _("The end must be after the start.")
        elif ended_at - started_at > MAX_ENTRY_DURATION:
            errors["ended_at"] = _("An entry cannot be longer than 24 hours; split it into days.")
    if errors:
        raise ValidationError(errors)


def _lock_user_timer(user: User) -> TimeEntry | None:
    """Serialise timer changes of one user and return the running entry, if any.

    Locking the user's row makes two concurrent starts queue up on PostgreSQL instead of
    racing; the partial unique index is the final guard.
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    return TimeEntry.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()


def _set_tags(entry: TimeEntry, tags: list[Tag]) -> bool:
    """Give ``entry`` exactly ``tags``; whether its set of tags changed."""
    before = set(entry.tags.values_list("pk", flat=True)) if entry.pk else set()
    if before == {tag.pk for tag in tags}:
        return False
    entry.tags.set(tags)
    return True


def _resolve(tags: TagValues | None, *, actor_id: int | None) -> list[Tag]:
    return [] if tags is None else tags_resolve(values=tags, actor_id=actor_id)


def _stop(entry: TimeEntry, at: datetime) -> TimeEntry:
    entry.ended_at = max(at, entry.started_at)
    entry.save(update_fields=["ended_at", "updated_at"])
    budget_refresh(project_ids=[entry.project_id])
    send_on_commit(
        signals.timer_stopped, TimeEntry, entry=entry, duration_seconds=entry.duration_seconds
    )
    return entry


def timer_start(
    *,
    user: User,
    project: Project,
    task: Task | None = None,
    notes: str = "",
    billable: bool | None = None,
    tags: TagValues | None = None,
) -> TimeEntry:
    """Start the user's timer; a timer already running is stopped first, atomically."""
    _check_project_and_task(project, task)
    _check_notes(notes)
    try:
        with transaction.atomic():
            resolved = _resolve(tags, actor_id=user.pk)
            now = timezone.now()
            running = _lock_user_timer(user)
            if running is not None:
                _stop(running, now)
            entry = TimeEntry.objects.create(
                user=user,
                project=project,
                task=task,
                started_at=now,
                notes=notes,
                billable=project.billable if billable is None else billable,
                source=Source.TIMER,
            )
            _set_tags(entry, resolved)
            send_on_commit(
                signals.timer_started,
                TimeEntry,
                entry=entry,
                stopped_previous=running is not None,
                tag_count=len(resolved),
            )
    except IntegrityError as exc:
        raise ValidationError(
            {
                "timer": ValidationError(
                    _("Another timer was started at the same moment; try again."), code="conflict"
                )
            }
        ) from exc
    return entry


def _check_expected(running: TimeEntry, entry_id: int | None) -> None:
    """A page or client acts on the timer it shows: another one running is a conflict."""
    if entry_id is not None and running.pk != entry_id:
        raise ValidationError(
            {
                "timer": ValidationError(
                    _("Another timer is running now (entry %(running)s, not %(expected)s)."),
                    code="conflict",
                    params={"running": running.pk, "expected": entry_id},
                )
            }
        )


@transaction.atomic
def timer_stop(*, user: User, entry_id: int | None = None) -> TimeEntry:
    """Stop the user's running timer at the current time.

    With ``entry_id``, only if that entry is the one running (else a ``conflict`` error
    and nothing is stopped), so a stale page cannot stop a timer started elsewhere.
    """
    running = _lock_user_timer(user)
    if running is None:
        raise ValidationError(
            {"timer": ValidationError(_("No timer is running."), code="no_timer")}
        )
    _check_expected(running, entry_id)
    return _stop(running, timezone.now())


def idle_limit() -> timedelta:
    """How long a timer may run before the dashboard asks whether it was forgotten."""
    return timedelta(hours=settings.IDLE_TIMER_HOURS)


def timer_is_idle(entry: TimeEntry, *, now: datetime | None = None) -> bool:
    return entry.is_running and (now or timezone.now()) - entry.started_at > idle_limit()


@transaction.atomic
def timer_trim(*, user: User, ended_at: datetime, entry_id: int | None = None) -> TimeEntry:
    """Stop the user's forgotten timer at ``ended_at``, an earlier moment they choose.

    Only a timer running longer than ``IDLE_TIMER_HOURS`` can be trimmed (a recent one is
    simply stopped). The end must be after the start and not in the future, and the entry
    that remains obeys the rule of every entry: at most 24 hours. With ``entry_id``, as
    :func:`timer_stop`: only that entry, else a ``conflict`` error.
    """
    running = _lock_user_timer(user)
    if running is None:
        raise ValidationError(
            {"timer": ValidationError(_("No timer is running."), code="no_timer")}
        )
    _check_expected(running, entry_id)
    now = timezone.now()
    if not timer_is_idle(running, now=now):
        raise ValidationError(
            {
                "timer": ValidationError(
                    _("This timer has run for less than the idle limit; stop it instead."),
                    code="not_idle",
                )
            }
        )
    if ended_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"ended_at": _("The end cannot be in the future.")})
    _check_times(running.started_at, ended_at)
    # Within the tolerance "now" is meant; never record an end after the moment of trimming.
    stopped_at = min(ended_at, now)
    entry = _stop(running, stopped_at)
    send_on_commit(
        signals.timer_idle_trimmed,
        TimeEntry,
        entry=entry,
        duration_seconds=entry.duration_seconds,
        trimmed_seconds=int((now - max(stopped_at, entry.started_at)).total_seconds()),
    )
    return entry


@transaction.atomic
def entry_create(
    *,
    user: User,
    project: Project,
    started_at: datetime,
    ended_at: datetime,
    task: Task | None = None,
    notes: str = "",
    billable: bool | None = None,
    tags: TagValues | None = None,
) -> EntryWrite:
    """Record a finished span of work by hand. Overlaps are allowed and reported."""
    _check_project_and_task(project, task)
    _check_times(started_at, ended_at)
    resolved = _resolve(tags, actor_id=user.pk)
    entry = TimeEntry(
        user=user,
        project=project,
        task=task,
        started_at=started_at,
        ended_at=ended_at,
        notes=notes,
        billable=project.billable if billable is None else billable,
        source=Source.MANUAL,
    )
    entry.full_clean(validate_constraints=False)
    entry.save()
    _set_tags(entry, resolved)
    budget_refresh(project_ids=[entry.project_id])
    overlaps = entry_overlaps(entry=entry)
    send_on_commit(
        signals.time_entry_created,
        TimeEntry,
        entry=entry,
        overlaps=len(overlaps),
        tag_count=len(resolved),
    )
    return EntryWrite(entry=entry, overlaps=overlaps)


@transaction.atomic
def entry_update(
    *, entry: TimeEntry, data: dict[str, Any], actor_id: int | None = None
) -> EntryWrite:
    """Edit an entry. Setting ``ended_at`` on a running entry stops it.

    A finished entry stays finished: clearing its end would turn old work into a running
    timer (and collide with the one running now); restarting work is the timer's job.
    ``data["tags"]`` (Tag objects, ids or names, as :data:`TagValues`) replaces the
    entry's tags; it counts as one changed field ``tags`` when the set differs.
    """
    if entry.ended_at is not None and "ended_at" in data and data["ended_at"] is None:
        raise ValidationError(
            {
                "ended_at": ValidationError(
                    _(
                        "A finished entry cannot be turned back into a running timer; start "
                        "the timer for this project instead (POST /api/v1/timer/start/)."
                    ),
                    code="finished",
                )
            }
        )
    data = dict(data)
    tags = data.pop("tags", None)
    resolved = None if tags is None else _resolve(tags, actor_id=actor_id or entry.user_id)
    was_on = entry.project_id
    changed = apply_changes(entry, data, allowed=EDITABLE)
    if changed:
        # Fixing the notes of an entry on a since-archived project is fine; moving an
        # entry onto an archived project is not.
        _check_project_and_task(entry.project, entry.task, allow_archived="project" not in changed)
        if {"started_at", "ended_at"} & set(changed):
            _check_times(entry.started_at, entry.ended_at)
        entry.full_clean(validate_constraints=False)
        entry.save(update_fields=[*changed, "updated_at"])
        if BUDGET_FIELDS.intersection(changed):
            budget_refresh(project_ids=[was_on, entry.project_id])
    if resolved is not None and _set_tags(entry, resolved):
        if not changed:
            entry.save(update_fields=["updated_at"])
        changed.append("tags")
    if changed:
        send_on_commit(
            signals.time_entry_updated, TimeEntry, entry=entry, actor_id=actor_id, changed=changed
        )
    return EntryWrite(entry=entry, overlaps=entry_overlaps(entry=entry))


@transaction.atomic
def entry_delete(*, entry: TimeEntry, actor_id: int | None = None) -> None:
    entry_id, user_id, was_running = entry.pk, entry.user_id, entry.is_running
    entry.delete()
    if not was_running:
        budget_refresh(project_ids=[entry.project_id])
    send_on_commit(
        signals.time_entry_deleted,
        TimeEntry,
        entry_id=entry_id,
        user_id=user_id,
        actor_id=actor_id,
        was_running=was_running,
    )
