"""Writes that only the web UI needs and no domain app offers yet.

``apps.accounts.services.profile_update`` owns the profile (time zone, role, theme,
language); the display name lives on Django's user model, which no domain service edits,
so the profile page writes it here, in the same transaction as the time zone.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from apps.accounts.selectors import profile_get
from apps.accounts.services import profile_update
from apps.core.services import apply_changes


@transaction.atomic
def account_update(
    *,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    timezone: str | None = None,
    theme: str | None = None,
    language: str | None = None,
) -> list[str]:
    """Update the given parts of the user's name, time zone, theme and language (``None``
    leaves one as it is; a language of "" follows the browser); return the names of the
    fields that changed."""
    names = {"first_name": first_name, "last_name": last_name}
    changed = apply_changes(
        user,
        {name: value.strip() for name, value in names.items() if value is not None},
        allowed=("first_name", "last_name"),
    )
    if changed:
        user.save(update_fields=changed)
    if timezone is not None:
        before = profile_get(user=user).timezone
        profile = profile_update(user=user, data={"timezone": timezone})
        if profile.timezone != before:
            changed.append("timezone")
    if theme is not None:
        before = profile_get(user=user).theme
        profile = profile_update(user=user, data={"theme": theme})
        if profile.theme != before:
            changed.append("theme")
    if language is not None:
        before = profile_get(user=user).language
        profile = profile_update(user=user, data={"language": language})
        if profile.language != before:
            changed.append("language")
    return changed
