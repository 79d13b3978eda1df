"""The installation's telemetry decision, its identity and schedule, and what was sent.

One row of :class:`Installation` (a singleton, enforced by a check constraint) holds the
decision; :class:`ConsentChange` records every change of it and :class:`SendRecord` every
report that left (or tried to leave) the machine.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    UNDECIDED = "undecided", _("Undecided")
    ON = "on", _("On")
    OFF = "off", _("Off")


class Channel(models.TextChoices):
    ADMIN = "admin", _("admin page")
    SETUP = "setup", _("setup flow")
    # A command's name: the same in every language.
    COMMAND = "command", "manage.py telemetry"


class InstallationManager(models.Manager["Installation"]):
    def get_solo(self) -> Installation:
        """The one row, created with its defaults (undecided, a new install id) if missing."""
        installation, _ = self.get_or_create(pk=Installation.SINGLETON_ID)
        return installation

    def peek(self) -> Installation:
        """The row if it exists, else an unsaved one with the defaults (no write)."""
        return self.filter(pk=Installation.SINGLETON_ID).first() or Installation()


class Installation(models.Model):
    """This installation: telemetry decision, install id, schedule and setup token."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    state = models.CharField(max_length=9, choices=State.choices, default=State.UNDECIDED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_via = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    # The payload schema version the decision was made for: a report whose schema changed
    # since is not sent until someone agrees again.
    schema_version = models.PositiveIntegerField(null=True, blank=True)
    # Random, never derived from the machine; replaced whenever telemetry is turned off so
    # that an old id cannot be linked to a later opt-in.
    install_id = models.UUIDField(default=uuid.uuid4)
    # When the worker may send next; claimed with a conditional UPDATE.
    next_send_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # SHA-256 of the one-time setup token; empty when none is pending.
    setup_token_hash = models.CharField(max_length=64, blank=True)
    setup_token_created_at = models.DateTimeField(null=True, blank=True)
    setup_completed_at = models.DateTimeField(null=True, blank=True)

    objects = InstallationManager()

    class Meta:
        verbose_name = _("telemetry")
        verbose_name_plural = _("telemetry")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="telemetry_installation_singleton"
            )
        ]

    def __str__(self) -> str:
        return f"telemetry {self.state}"


class ConsentChange(models.Model):
    """Who changed the decision, when, where, and to what."""

    changed_at = models.DateTimeField(default=timezone.now)
    previous = models.CharField(max_length=9, choices=State.choices)
    state = models.CharField(max_length=9, choices=State.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.previous} -> {self.state} via {self.channel}"


class Outcome(models.TextChoices):
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    PRINTED = "printed", _("printed (TELEMETRY_DEBUG)")


class SendRecord(models.Model):
    """One report attempt; only the newest ``TELEMETRY_HISTORY_SIZE`` are kept."""

    attempted_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=7, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    duration_ms = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=8)  # worker or command

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.attempted_at:%Y-%m-%d %H:%M}"
