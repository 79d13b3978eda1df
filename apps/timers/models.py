from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Source(models.TextChoices):
    TIMER = "timer", "Timer"
    MANUAL = "manual", "Manual"


class TimeEntry(models.Model):
    """A span of work. ``ended_at`` is empty while the entry is the user's running timer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_entries"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="time_entries"
    )
    task = models.ForeignKey(
        "tasks.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="time_entries",
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    billable = models.BooleanField(default=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "time entries"
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
        ]
        indexes = [
            models.Index(fields=["user", "started_at"], name="entry_user_started"),
            models.Index(fields=["project", "started_at"], name="entry_project_started"),
            models.Index(fields=["started_at"], name="entry_started"),
            models.Index(fields=["updated_at"], name="entry_updated"),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} of user {self.user_id}"

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
