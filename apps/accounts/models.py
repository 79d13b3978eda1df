from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

API_TOKEN_NAME_MAX_LENGTH = 100


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(
            _("%(value)s is not a known time zone (for example Europe/Berlin)."),
            code="invalid_timezone",
            params={"value": repr(value)},
        )


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")


class Theme(models.TextChoices):
    AUTO = "auto", _("Follow the device")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class ReportPreset(models.TextChoices):
    TODAY = "today", _("Today")
    THIS_WEEK = "this_week", _("This week")
    LAST_WEEK = "last_week", _("Last week")
    THIS_MONTH = "this_month", _("This month")
    LAST_MONTH = "last_month", _("Last month")
    THIS_YEAR = "this_year", _("This year")
    CUSTOM = "custom", pgettext_lazy("report period", "Custom")


class AccountDefaults(models.Model):
    """What a new account starts with: the installation's default time zone (asked on the
    first-run setup page, changed in the admin). One row; a missing row means UTC."""

    SINGLETON_ID = 1

    timezone = models.CharField(
        _("default time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("New accounts start in this zone; each person can change theirs."),
    )

    class Meta:
        verbose_name = _("account defaults")
        verbose_name_plural = _("account defaults")

    def __str__(self) -> str:
        return str(_("Account defaults"))


class Profile(models.Model):
    """What TimeTracker knows about a user beyond django.contrib.auth."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    # Display preferences. An empty language means "from the browser" (Accept-Language).
    theme = models.CharField(_("theme"), max_length=8, choices=Theme.choices, default=Theme.AUTO)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    # The report period the report page opens with (the last one the user chose).
    report_preset = models.CharField(
        _("report period"),
        max_length=16,
        choices=ReportPreset.choices,
        default=ReportPreset.THIS_MONTH,
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        # Shown in the admin (its lists, messages and breadcrumbs).
        return gettext("profile of user %(user)s") % {"user": self.user_id}

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class ApiToken(AbstractAuthToken):
    """A named API token: django-rest-knox's token (only a digest of the key is stored)
    with a name its owner chose and when it last authenticated a request.

    An integer id addresses it in URLs and the admin, so the digest never appears there.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(
        _("digest"), max_length=CONSTANTS.DIGEST_LENGTH, unique=True, editable=False
    )
    # knox's own fields, as knox declares them, with labels in the reader's language.
    token_key = models.CharField(
        _("key prefix"),
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH,
        db_index=True,
        help_text=_("The first characters of the key, to recognise it by."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="auth_token_set",
        verbose_name=_("user"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=API_TOKEN_NAME_MAX_LENGTH)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        # In the admin's sentences ("Delete selected API tokens"): lower case in French.
        verbose_name = pgettext_lazy("model name", "API token")
        verbose_name_plural = pgettext_lazy("model name", "API tokens")
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return gettext("API token %(id)s of user %(user)s") % {"id": self.pk, "user": self.user_id}

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()
