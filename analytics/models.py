"""The outbound ledger: one row per HTTP request that left the installation.

A row says when, which stream, to which host, how many bytes, which HTTP status and how
many events; never what was sent (no body, no path, no query string, no headers).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Stream(models.TextChoices):
    POSTHOG = "posthog", _("Product analytics (PostHog)")
    TELEMETRY = "telemetry", _("Installation telemetry")
    SENTRY = "sentry", _("Error reports (Sentry)")


class Outcome(models.TextChoices):
    OK = "ok", _("Delivered (2xx)")
    HTTP_ERROR = "http_error", _("Refused (HTTP error status)")
    NETWORK_ERROR = "network_error", _("No answer (network error or time-out)")


class OutboundRequest(models.Model):
    # Explicit, so the migration holds whatever DEFAULT_AUTO_FIELD a project uses.
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"), db_index=True)
    stream = models.CharField(_("stream"), max_length=16, choices=Stream.choices)
    # host[:port] only: no scheme, credentials, path or query string.
    host = models.CharField(
        _("host"),
        max_length=255,
        help_text=_("Host name and port only: no scheme, credentials, path or query string."),
    )
    # The request body as it went on the wire (compressed when it was sent compressed).
    body_bytes = models.PositiveBigIntegerField(
        _("bytes sent"),
        help_text=_(
            "Size of the request body as it went on the wire (compressed when it was sent "
            "compressed)."
        ),
    )
    http_status = models.PositiveSmallIntegerField(
        _("HTTP status"),
        null=True,
        blank=True,
        help_text=_("Empty when no answer came back."),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    events = models.PositiveIntegerField(
        _("events"), default=0, help_text=_("Number of events the request carried.")
    )
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("outbound request")
        verbose_name_plural = _("outbound ledger")
        indexes = [models.Index(fields=["stream", "at"], name="analytics_outbound_stream_at")]

    def __str__(self) -> str:
        return gettext("%(stream)s to %(host)s at %(at)s") % {
            "stream": self.get_stream_display(),
            "host": self.host,
            "at": f"{self.at:%Y-%m-%d %H:%M:%S}",
        }
