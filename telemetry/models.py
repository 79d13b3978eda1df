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
from django.utils.translation import gettext
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
    state = models.CharField(
        _("decision"), max_length=9, choices=State.choices, default=State.UNDECIDED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_via = models.CharField(
        _("decided via"), max_length=8, choices=Channel.choices, blank=True
    )
    # The payload schema version the decision was made for: a report whose schema changed
    # since is not sent until someone agrees again.
    schema_version = models.PositiveIntegerField(
        _("report version"),
        null=True,
        blank=True,
        help_text=_("The version of the report the decision was made for."),
    )
    # Random, never derived from the machine; replaced whenever telemetry is turned off so
    # that an old id cannot be linked to a later opt-in.
    install_id = models.UUIDField(
        _("install id"),
        default=uuid.uuid4,
        help_text=_("Random; replaced by a new one whenever telemetry is turned off."),
    )
    # When the worker may send next; claimed with a conditional UPDATE.
    next_send_at = models.DateTimeField(_("next report due"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    # SHA-256 of the one-time setup token; empty when none is pending.
    setup_token_hash = models.CharField(_("setup token (SHA-256)"), max_length=64, blank=True)
    setup_token_created_at = models.DateTimeField(
        _("setup token created at"), null=True, blank=True
    )
    setup_completed_at = models.DateTimeField(_("setup completed at"), null=True, blank=True)

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
        return gettext("Installation telemetry: %(state)s") % {"state": self.get_state_display()}


class ConsentChange(models.Model):
    """Who changed the decision, when, where, and to what."""

    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    previous = models.CharField(_("previous decision"), max_length=9, choices=State.choices)
    state = models.CharField(_("new decision"), max_length=9, choices=State.choices)
    channel = models.CharField(_("changed via"), max_length=8, choices=Channel.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("change of the telemetry decision")
        verbose_name_plural = _("changes of the telemetry decision")

    def __str__(self) -> str:
        # Only labels, each translated: nothing left to word.
        return (
            f"{self.get_previous_display()} -> {self.get_state_display()} "
            f"({self.get_channel_display()})"
        )


class Outcome(models.TextChoices):
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    PRINTED = "printed", _("printed (TELEMETRY_DEBUG)")


class SendRecord(models.Model):
    """One report attempt; only the newest ``TELEMETRY_HISTORY_SIZE`` are kept."""

    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=7, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    payload_sha256 = models.CharField(_("SHA-256 of the report"), max_length=64)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    channel = models.CharField(_("sent by"), max_length=8)  # worker or command

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("send attempt")
        verbose_name_plural = _("send attempts")

    def __str__(self) -> str:
        return gettext("%(outcome)s at %(at)s UTC") % {
            "outcome": self.get_outcome_display(),
            "at": f"{self.attempted_at:%Y-%m-%d %H:%M}",
        }
