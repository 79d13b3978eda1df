"""Pseudonymous ids: what PostHog knows a user by."""

from __future__ import annotations

from django.utils.crypto import salted_hmac

from analytics import conf
from analytics.context import ActorId

SALT = "analytics.distinct_id"
GROUP_SALT = "analytics.group_key"


def distinct_id(user_id: ActorId) -> str:
    """HMAC-SHA256 of the user's primary key, keyed with a server-side secret.

    Stable for one installation (so PostHog can count returning users), meaningless
    elsewhere, and not reversible without ``ANALYTICS_ID_SECRET`` (or ``SECRET_KEY`` when
    that is unset). Never derived from a username or an e-mail address.
    """
    return salted_hmac(SALT, str(user_id), secret=conf.id_secret(), algorithm="sha256").hexdigest()


def group_key(value: str) -> str:
    """HMAC-SHA256 of a group's own id (an install id), keyed like :func:`distinct_id`.

    PostHog sees a stable key for the group, which cannot be joined with a stream that
    carries the raw id (the installation-telemetry report) by anyone without the secret.
    """
    return salted_hmac(GROUP_SALT, value, secret=conf.id_secret(), algorithm="sha256").hexdigest()
