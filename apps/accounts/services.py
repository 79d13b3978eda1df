"""Writes for users, profiles and API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import signals
from apps.accounts.models import (
    API_TOKEN_NAME_MAX_LENGTH,
    AccountDefaults,
    ApiToken,
    Profile,
    Role,
)
from apps.accounts.selectors import default_timezone, profile_get
from apps.core.services import apply_changes, save_changes, send_on_commit

# What an administrator may change on a login (the Django admin's user page); the password
# has its own forms (set_password), groups and permissions are saved by the admin's m2m.
USER_EDITABLE = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "last_login",
    "date_joined",
)
# The longest expiry a token may be given (the web form and the API offer days).
API_TOKEN_MAX_LIFETIME = timedelta(days=3650)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    role: str = Role.MEMBER,
    timezone: str | None = None,
) -> User:
    """Create a login with its profile. Admins get Django admin access too.

    ``password=None`` makes a login without a usable password (it cannot sign in until
    one is set).
    """
    is_admin = role == Role.ADMIN
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_staff=is_admin
    )
    profile = Profile(user=user, role=role, timezone=timezone or default_timezone())
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def account_defaults_update(*, timezone: str) -> AccountDefaults:
    """Set the zone new accounts start in (the setup page and the admin both come here)."""
    defaults, _created = AccountDefaults.objects.get_or_create(pk=AccountDefaults.SINGLETON_ID)
    defaults.timezone = timezone
    defaults.full_clean()
    defaults.save()
    return defaults


@transaction.atomic
def setup_admin_create(
    *, username: str, email: str, password: str, time_zone: str = "", default_time_zone: str = ""
) -> User:
    """The first administrator, made by the setup page (``TELEMETRY_CREATE_ADMIN``): a
    superuser whose profile has the admin role and the time zone the page asked for; the
    installation's default zone for new accounts is stored first."""
    if default_time_zone:
        account_defaults_update(timezone=default_time_zone)
    user = get_user_model().objects.create_superuser(
        username=username, email=email, password=password
    )
    changes: dict[str, Any] = {"role": Role.ADMIN}
    if time_zone:
        changes["timezone"] = time_zone
    profile_update(user=user, data=changes)
    return user


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Change a login's details (not its password); validated like every other row."""
    changed = apply_changes(user, data, allowed=USER_EDITABLE)
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete a login with its profile, its API tokens and its time entries."""
    user.delete()


def language_codes() -> tuple[str, ...]:
    """The languages a profile may name: ``settings.LANGUAGES``; "" means the browser's."""
    return tuple(code for code, _name in settings.LANGUAGES)


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> Profile:
    """Change a profile's time zone, role, theme (``auto``, ``light``, ``dark``) or
    language (a code of ``settings.LANGUAGES``, or "" for the browser's); validated by the
    model and here (an unknown theme or language is a field error)."""
    if "language" in data and (
        not isinstance(data["language"], str)
        or (data["language"] and data["language"] not in language_codes())
    ):
        refused = ValidationError(_("Choose one of the languages offered."), code="invalid_choice")
        raise ValidationError({"language": refused})
    profile = profile_get(user=user)
    changed = apply_changes(profile, data, allowed=("timezone", "role", "theme", "language"))
    if changed:
        save_changes(profile, changed)
        send_on_commit(signals.profile_updated, Profile, user_id=user.pk, changed=changed)
    return profile


def profile_remember_report_preset(*, user: User, preset: str) -> None:
    """Remember the report period ``user`` chose last; the report page opens with it.

    A display preference, like a sort order: written only when it changes, no event.
    """
    profile = profile_get(user=user)
    if profile.report_preset != preset:
        profile.report_preset = preset
        profile.full_clean(validate_unique=False, validate_constraints=False)
        profile.save(update_fields=["report_preset"])


def api_token_default_name() -> str:
    return f"API token {timezone.now().date().isoformat()}"


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str = "",
    expires_in: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """A new named token for ``user`` and its key, which exists only in this return value:
    the database keeps a digest (django-rest-knox), so show the key once and forget it.

    A blank name becomes "API token <date>"; ``expires_in`` of None means no expiry.
    """
    name = " ".join(name.split()) or api_token_default_name()
    errors: dict[str, str] = {}
    if len(name) > API_TOKEN_NAME_MAX_LENGTH:
        errors["name"] = _("At most %(limit)d characters.") % {"limit": API_TOKEN_NAME_MAX_LENGTH}
    if expires_in is not None and not (timedelta(0) < expires_in <= API_TOKEN_MAX_LIFETIME):
        errors["expiry"] = _("Between 1 and %(days)d days.") % {"days": API_TOKEN_MAX_LIFETIME.days}
    if errors:
        raise ValidationError(errors)
    token, key = ApiToken.objects.create(user=user, name=name, expiry=expires_in)
    send_on_commit(signals.api_token_created, ApiToken, user_id=user.pk, created=True)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor_id: int | None = None) -> bool:
    """Delete a token: the next request with its key gets 401, on every worker (nothing
    caches tokens). False when it was already gone (a second click, a concurrent revoke).
    """
    deleted, _ = ApiToken.objects.filter(pk=token.pk).delete()
    if deleted:
        send_on_commit(
            signals.api_token_revoked,
            ApiToken,
            user_id=token.user_id,
            actor_id=actor_id if actor_id is not None else token.user_id,
        )
    return bool(deleted)


def api_token_touch(*, token: ApiToken) -> None:
    """Record that ``token`` authenticated a request, at most once per
    ``API_TOKEN_LAST_USED_INTERVAL`` seconds, so API calls do not each write a row.

    The conditional UPDATE keeps concurrent workers from writing the same minute twice.
    """
    now = timezone.now()
    interval = timedelta(seconds=settings.API_TOKEN_LAST_USED_INTERVAL)
    if token.last_used_at is not None and now - token.last_used_at < interval:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - interval)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
