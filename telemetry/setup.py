"""The first-run setup: is it needed, its one-time token, and completing it.

While no administrator exists, every HTML page leads to ``/setup/``. The page is
protected by a one-time token printed on the server's console at start-up (``make run``,
gunicorn's ``when_ready`` hook, or ``manage.py setup_token``), so a freshly started
installation that is reachable from the internet cannot be claimed by whoever finds it
first. Only a SHA-256 of the token is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

import analytics
from telemetry import conf, services
from telemetry.models import Channel, Installation

_lock = threading.Lock()
# Monotonic time until which this process trusts that setup is done. Setup is done once
# and stays done, so after a positive answer the database is asked at most once a minute.
_done_until = 0.0


class SetupError(Exception):
    """Setup cannot be completed (already done, or a wrong token)."""


def no_superuser_exists() -> bool:
    """The default ``TELEMETRY_SETUP_NEEDED``: no active superuser yet."""
    return not get_user_model()._default_manager.filter(is_superuser=True, is_active=True).exists()


def create_superuser(
    *, username: str, email: str, password: str, time_zone: str = "", default_time_zone: str = ""
) -> Any:
    """The default ``TELEMETRY_CREATE_ADMIN``: what ``createsuperuser`` would make (a
    project with time zones stores ``time_zone``, the admin's, and ``default_time_zone``,
    the installation's, in its own hook)."""
    return get_user_model()._default_manager.create_superuser(
        username=username, email=email, password=password
    )


def needed_now() -> bool:
    """Ask the project's hook, bypassing this process's memory."""
    return bool(conf.hook("SETUP_NEEDED")())


def needed() -> bool:
    """Whether setup is still pending; cheap once it is done."""
    global _done_until
    if time.monotonic() < _done_until:
        return False
    if needed_now():
        return True
    with _lock:
        _done_until = time.monotonic() + conf.setup_recheck_seconds()
    return False


def forget() -> None:
    """Ask the database again on the next request (tests, and settings changes)."""
    global _done_until
    with _lock:
        _done_until = 0.0


def _digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def issue_token() -> str:
    """A new one-time token; the previous one stops working. Returns it (store nothing
    but its hash)."""
    token = secrets.token_hex(16)
    Installation.objects.get_solo()
    Installation.objects.filter(pk=Installation.SINGLETON_ID).update(
        setup_token_hash=_digest(token), setup_token_created_at=timezone.now()
    )
    return token


def token_matches(*, installation: Installation, token: str) -> bool:
    if not installation.setup_token_hash or not token.strip():
        return False
    return hmac.compare_digest(_digest(token), installation.setup_token_hash)


@dataclass(frozen=True)
class Completed:
    user: Any
    telemetry_choice: str


def complete(
    *,
    token: str,
    username: str,
    email: str,
    password: str,
    choice: str,
    time_zone: str = "",
    default_time_zone: str = "",
) -> Completed:
    """Create the first administrator and store the telemetry answer, in one transaction.

    The token is checked and cleared inside the transaction, with the singleton row
    locked, so two people submitting at once cannot both become the first admin.
    """
    with transaction.atomic():
        Installation.objects.get_solo()
        installation = Installation.objects.select_for_update().get(pk=Installation.SINGLETON_ID)
        if not needed_now():
            raise SetupError("setup is already done")
        if not token_matches(installation=installation, token=token):
            raise SetupError("wrong setup token")
        user = conf.hook("CREATE_ADMIN")(
            username=username,
            email=email,
            password=password,
            time_zone=time_zone,
            default_time_zone=default_time_zone,
        )
        services.decision_set(state=choice, channel=Channel.SETUP, user=user)
        Installation.objects.filter(pk=Installation.SINGLETON_ID).update(
            setup_token_hash="", setup_completed_at=timezone.now()
        )
        analytics.emit("setup.completed", actor_id=user.pk, telemetry_choice=choice)
    forget()
    return Completed(user=user, telemetry_choice=choice)


def banner(*, token: str, url: str) -> str:
    """What the console shows at start-up while setup is pending."""
    line = "=" * 72
    return (
        f"{line}\n"
        f"{conf.product_name()} is not set up yet. To create the first admin account, open\n\n"
        f"    {url}\n\n"
        "and enter this one-time setup token:\n\n"
        f"    {token}\n\n"
        "A new token is printed at every start until setup is done;\n"
        "`python manage.py setup_token` prints a fresh one at any time.\n"
        f"{line}\n"
    )
