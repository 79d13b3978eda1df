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


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    role: str = Role.MEMBER,
    timezone: str = "UTC",
) -> AbstractBaseUser:
    """Create a login with its profile. Admins get Django admin access too.

    ``password=None`` makes a login without a usable password (it cannot sign in until
    one is set).
    """
    is_admin = role == Role.ADMIN
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_staff=is_admin
    )
    profile = Profile(user=user, role=role, timezone=timezone)
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def user_update(*, user: AbstractBaseUser, data: dict[str, Any]) -> AbstractBaseUser:
    """Change a login's details (not its password); validated like every other row."""
    changed = apply_changes(user, data, allowed=USER_EDITABLE)
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    return user


@transaction.atomic
def user_delete(*, user: AbstractBaseUser) -> None:
    """Delete a login with its profile, its token and its time entries."""
    user.delete()


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


@transaction.atomic
def api_token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's API token; clients using it get 401. False when there was none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        send_on_commit(signals.api_token_revoked, Token, user_id=user.pk)
    return bool(deleted)
