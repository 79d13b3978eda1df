from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.clients.currency import CODE_LENGTH, validate_currency
from apps.core.limits import validate_text
from apps.core.models import NAME_TAKEN, UniqueNameErrorMixin


class Client(UniqueNameErrorMixin, models.Model):
    name = models.CharField(_("name"), max_length=200, validators=[validate_text])
    # Blank: the installation's currency (TIMETRACKER_CURRENCY); else an ISO 4217 code.
    currency = models.CharField(
        _("currency"),
        max_length=CODE_LENGTH,
        blank=True,
        default="",
        # In the table too: rows written by SQL that knows no currency (an older replica
        # during a rolling upgrade, bulk loads) get the installation's currency.
        db_default="",
        validators=[validate_currency],
        help_text=_(
            "Amounts of this client's projects are in this currency: an ISO 4217 code such "
            "as EUR or USD. Empty means the installation's currency."
        ),
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="client_name_unique_ci",
                violation_error_code=NAME_TAKEN,
                violation_error_message=_(
                    "There is already a client with this name (names are compared ignoring case)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name
