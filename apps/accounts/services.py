"""Writes for users, profiles and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.accounts import signals
from apps.accounts.models import Profile, Role
from apps.accounts.selectors import profile_get
from apps.core.services import apply_changes, save_changes, send_on_commit


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    role: str = Role.MEMBER,
    timezone: str = "UTC",
) -> AbstractBaseUser:
    """Create a login with its profile. Admins get Django admin access too."""
    is_admin = role == Role.ADMIN
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_staff=is_admin
    )
    profile = Profile(user=user, role=role, timezone=timezone)
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def profile_update(*, user: AbstractBaseUser, data: dict[str, Any]) -> Profile:
    profile = profile_get(user=user)
    changed = apply_changes(profile, data, allowed=("timezone", "role"))
    if changed:
        save_changes(profile, changed)
        send_on_commit(signals.profile_updated, Profile, user_id=user.pk, changed=changed)
    return profile


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser) -> Token:
    """The user's API token, created on first request."""
    token, created = Token.objects.get_or_create(user=user)
    send_on_commit(signals.api_token_created, Token, user_id=user.pk, created=created)
    return token
