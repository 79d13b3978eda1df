"""Reads about users: their profile, their role, their time zone."""

from __future__ import annotations

import zoneinfo
from typing import cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Q

from apps.accounts.models import AccountDefaults, Profile, Role, validate_timezone


def default_timezone() -> str:
    """The zone a new account starts in (``AccountDefaults``; UTC without a row, or when
    the stored value is no zone)."""
    stored = (
        AccountDefaults.objects.filter(pk=AccountDefaults.SINGLETON_ID)
        .values_list("timezone", flat=True)
        .first()
    )
    try:
        validate_timezone(stored or "")
    except ValidationError:
        return "UTC"
    return str(stored)


def profile_get(*, user: User) -> Profile:
    """The user's profile, created with defaults the first time it is needed."""
    cached = getattr(user, "_profile_cache", None)
    if cached is not None:
        return cached
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        # Only a new profile reads the installation's default zone (one query more, once).
        profile, _ = Profile.objects.get_or_create(
            user=user,
            defaults={
                "role": Role.ADMIN if getattr(user, "is_superuser", False) else Role.MEMBER,
                "timezone": default_timezone(),
            },
        )
    user._profile_cache = profile  # type: ignore[attr-defined]
    return profile


def user_is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins see everyone's entries and manage clients, projects and tasks."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return profile_get(user=cast(User, user)).role == Role.ADMIN  # authenticated: a User


def user_timezone(user: User) -> zoneinfo.ZoneInfo:
    return profile_get(user=user).tzinfo


def admin_exists() -> bool:
    """An active superuser or an active user whose profile has the admin role."""
    users = get_user_model()._default_manager.filter(is_active=True)
    return users.filter(Q(is_superuser=True) | Q(profile__role=Role.ADMIN)).exists()


def setup_needed() -> bool:
    """The installation still needs its first admin (``TELEMETRY_SETUP_NEEDED``)."""
    return not admin_exists()
