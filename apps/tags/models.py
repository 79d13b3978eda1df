"""Tags: shared labels of the installation, many per time entry (``TimeEntry.tags``)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.limits import validate_text
from apps.core.models import NAME_TAKEN, UniqueNameErrorMixin

TAG_NAME_MAX_LENGTH = 50
# Forms take tags as one comma-separated line, so a name holds no comma and no line break
# or tab (which validate_text allows in longer text).
_TAG_SEPARATORS = re.compile(r"[,\t\r\n]")


def validate_tag_name(value: str) -> None:
    """What a tag name may hold beyond :func:`apps.core.limits.validate_text`."""
    validate_text(value)
    match = _TAG_SEPARATORS.search(value)
    if match is not None:
        raise ValidationError(
            _("A tag name cannot contain commas, tabs or line breaks."), code="separator"
        )


class Tag(UniqueNameErrorMixin, models.Model):
    name = models.CharField(
        _("name"), max_length=TAG_NAME_MAX_LENGTH, validators=[validate_tag_name]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_ci",
                violation_error_code=NAME_TAKEN,
                violation_error_message=_(
                    "There is already a tag with this name (names are compared ignoring case)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name
