from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.core.limits import EARLIEST, LATEST, validate_stored_time, validate_text

# The longest span one entry may cover; a longer piece of work is split into days.
MAX_ENTRY_DURATION = timedelta(hours=24)


class Source(models.TextChoices):
    TIMER = "timer", _("Timer")
    MANUAL = "manual", pgettext_lazy("entry source", "Manual")


class TimeEntry(models.Model):
    """A span of work. ``ended_at`` is empty while the entry is the user's running timer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="time_entries",
        verbose_name=_("user"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="time_entries",
        verbose_name=_("project"),
    )
    task = models.ForeignKey(
        "tasks.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="time_entries",
        verbose_name=_("task"),
    )
    started_at = models.DateTimeField(_("started at"), validators=[validate_stored_time])
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, validators=[validate_stored_time]
    )
    # A TextField's max_length binds only forms; the validator makes full_clean check it.
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=5000,
        validators=[validate_text, MaxLengthValidator(5000)],
    )
    billable = models.BooleanField(_("billable"), default=True)
    tags = models.ManyToManyField(
        "tags.Tag", blank=True, related_name="entries", verbose_name=_("tags")
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            # The invariant "one running timer per user" lives in the database, so two
            # concurrent requests cannot both leave a timer running.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ended_at__isnull=True),
                name="one_running_timer_per_user",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="time_entry_ends_after_start",
            ),
            # Every stored time converts to a local time in any zone without overflowing
            # (apps.core.limits); rows from before this rule were moved by migration 0002.
            models.CheckConstraint(
                condition=Q(started_at__gte=EARLIEST, started_at__lt=LATEST)
                & (Q(ended_at__isnull=True) | Q(ended_at__lt=LATEST)),
                name="time_entry_in_supported_range",
                violation_error_message=_("Times must be between 1970-01-01 and 2199-12-31 (UTC)."),
            ),
        ]
        indexes = [
            models.Index(fields=["user", "started_at"], name="entry_user_started"),
            models.Index(fields=["project", "started_at"], name="entry_project_started"),
            models.Index(fields=["started_at"], name="entry_started"),
            models.Index(fields=["updated_at"], name="entry_updated"),
            # Hours spent per project and per task (the project page and list) read from
            # the index alone, without visiting each entry's row (docs/performance.md).
            models.Index(
                fields=["project", "task", "started_at", "ended_at"],
                name="entry_project_task_spent",
            ),
        ]

    def __str__(self) -> str:
        # Shown in the admin (its lists, messages and delete confirmations).
        return gettext("entry %(id)s of user %(user)s") % {"id": self.pk, "user": self.user_id}

    def clean(self) -> None:
        """The rules every row obeys, whichever door wrote it (services, admin, API).

        The 24-hour limit applies to entries typed by hand; a timer that ran longer (a
        forgotten one) is stored as it ran and can be trimmed.
        """
        errors: dict[str, StrOrPromise] = {}
        task = self.task if self.task_id is not None else None
        if task is not None and self.project_id is not None and task.project_id != self.project_id:
            errors["task"] = _("This task belongs to another project.")
        if self.started_at is not None and self.ended_at is not None:
            if self.ended_at < self.started_at:
                errors["ended_at"] = _("The end must be after the start.")
            elif (
                self.source == Source.MANUAL
                and self.ended_at - self.started_at > MAX_ENTRY_DURATION
            ):
                errors["ended_at"] = _(
                    "An entry cannot be longer than 24 hours; split it into days."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self) -> timedelta:
        """Derived from the timestamps; a running entry counts up to now."""
        end = self.ended_at or timezone.now()
        return max(end - self.started_at, timedelta(0))

    @property
    def duration_seconds(self) -> int:
        return int(self.duration.total_seconds())
