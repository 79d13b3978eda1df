from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.limits import validate_text
from apps.core.models import NAME_TAKEN, UniqueNameErrorMixin

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #3366cc.")
)


class Project(UniqueNameErrorMixin, models.Model):
    name = models.CharField(_("name"), max_length=200, validators=[validate_text])
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        verbose_name=_("client"),
    )
    colour = models.CharField(
        _("colour"), max_length=7, default="#3366cc", validators=[colour_validator]
    )
    billable = models.BooleanField(_("billable"), default=True)
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Amount per hour for billable time; empty means not priced."),
    )
    budget_hours = models.DecimalField(
        _("budget (hours)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_amount = models.DecimalField(
        _("budget (amount)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Budget in money: the billable amount (billable hours x the hourly rate)."),
    )
    # What the finished entries have used, kept by apps.projects.budget after each write to
    # an entry of a project with a budget, so pages read budgets without summing entries.
    budget_seconds_used = models.BigIntegerField(
        _("budget used (seconds)"), default=0, editable=False
    )
    budget_billable_seconds_used = models.BigIntegerField(
        _("billable budget used (seconds)"), default=0, editable=False
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="project_name_unique_ci",
                violation_error_code=NAME_TAKEN,
                violation_error_message=_(
                    "There is already a project with this name (names are compared ignoring case)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(hourly_rate__isnull=True) | models.Q(hourly_rate__gte=0),
                name="project_hourly_rate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name
