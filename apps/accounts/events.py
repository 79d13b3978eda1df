"""Analytics adapter of the accounts app: logins, logouts, failed logins, API tokens,
profile and password changes, plus the person properties PostHog may know about a user.

The only module of the app that imports ``analytics``. Properties are ids, flags and
enums; a username never appears, not even for a failed login.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

import analytics
from analytics import Bool, Bucketed, Enum, Int, context
from analytics.catalogue import channel_property
from apps.accounts import login_limits, signals  # noqa: F401 (connects axes' lockouts)
from apps.accounts.models import Profile, Role

CHANNEL = Enum(
    "Where it happened: the login form, the Django admin or the API token endpoint.",
    choices=("web", "admin", "api"),
)

analytics.declare(
    "auth.login",
    "A user logged in with the login form or the admin login page, or exchanged their "
    "password for their API token (POST /api/v1/auth/token/, channel api).",
    properties={"channel": CHANNEL},
)
analytics.declare("auth.logout", "A user logged out.")
analytics.declare(
    "auth.login_failed",
    "Someone tried to log in with a wrong username or password (never sent to PostHog).",
    properties={"channel": CHANNEL},
    outbound=False,
)
WRITE_CHANNEL = channel_property()
analytics.declare(
    "auth.login_locked",
    "A login was refused, right password or not: too many recent failures for the username "
    "or the address (neither is sent; never sent to PostHog).",
    properties={
        "started": Bool("This failure set the lock (false: a further attempt while locked)."),
        "channel": WRITE_CHANNEL,
    },
    outbound=False,
)
analytics.declare(
    "api_token.created",
    "A user created a named API token: on the tokens page (web) or with their password at "
    "POST /api/v1/auth/token/ (api). Neither the key nor the name is sent.",
    properties={"channel": WRITE_CHANNEL},
)
analytics.declare(
    "api_token.revoked",
    "An API token was revoked by its owner or an admin (tokens page or Django admin); "
    "clients using it get 401 at once. The actor is whoever revoked it.",
    properties={"channel": WRITE_CHANNEL},
)
analytics.declare(
    "profile.updated",
    "A user's profile changed: time zone or role (never the values).",
    properties={
        "fields_changed": Int("How many fields changed."),
        "timezone_changed": Bool("The time zone changed."),
        "role_changed": Bool("The role changed."),
        "channel": WRITE_CHANNEL,
    },
)
analytics.declare(
    "auth.password_changed",
    "A user's password was set: the password form, the admin, a reset or manage.py "
    "changepassword (not when the login is created).",
    properties={"channel": WRITE_CHANNEL},
)

analytics.declare(
    "auth.two_factor_enabled",
    "A user turned two-factor login on: their authenticator app's first code confirmed it "
    "and recovery codes were issued.",
    properties={"channel": WRITE_CHANNEL},
)
analytics.declare(
    "auth.two_factor_disabled",
    "A user's two-factor login was turned off: by themselves with a code, or by an admin "
    "deleting their TOTP device in the admin (a lost phone).",
    properties={"channel": WRITE_CHANNEL},
)
analytics.declare(
    "auth.two_factor_failed",
    "A wrong or throttled two-factor code was entered, at login, while enrolling or while "
    "turning it off (never the code; never sent to PostHog).",
    properties={
        "method": Enum(
            "What kind of code it was taken for: an authenticator app code or a recovery code.",
            choices=("totp", "recovery"),
        ),
        "channel": WRITE_CHANNEL,
    },
    outbound=False,
)

analytics.declare_person_property("role", Enum("The user's role.", choices=tuple(Role.values)))
analytics.declare_person_property(
    "utc_offset_hours",
    Int(
        "The current UTC offset of the user's time zone in whole hours (not the zone).",
        minimum=-12,
        maximum=14,
    ),
)
analytics.declare_person_property(
    "account_age",
    Bucketed("How long ago the account was created.", bounds=(1, 7, 30, 90, 365), unit="days"),
)


def _channel(request: Any) -> str:
    # The route name, never the URL: DRF's Request passes resolver_match through.
    match = getattr(request, "resolver_match", None)
    route = (match.view_name if match else "") or ""
    if route.startswith("admin:"):
        return "admin"
    if route.startswith("api"):
        return "api"
    return "web"


@analytics.receiver(user_logged_in)
def _logged_in(*, request: Any, user: Any, **_: Any) -> None:
    analytics.emit("auth.login", actor_id=user.pk, channel=_channel(request))


@analytics.receiver(user_logged_out)
def _logged_out(*, user: Any, **_: Any) -> None:
    analytics.emit("auth.logout", actor_id=getattr(user, "pk", None))


@analytics.receiver(user_login_failed)
def _login_failed(*, request: Any = None, **_: Any) -> None:
    # The credentials argument carries the username: it is deliberately not read.
    analytics.emit("auth.login_failed", channel=_channel(request))


@analytics.receiver(signals.login_locked)
def _login_locked(*, started: bool, **_: Any) -> None:
    # Sent by login_limits (imported above, so axes' lockout signal is connected at start-up).
    analytics.emit("auth.login_locked", started=started, channel=context.channel())


@analytics.receiver(signals.api_token_created)
def _api_token_created(*, user_id: int, created: bool, **_: Any) -> None:
    if created:
        analytics.emit("api_token.created", actor_id=user_id, channel=context.channel())


@analytics.receiver(signals.api_token_revoked)
def _api_token_revoked(*, user_id: int, actor_id: int | None = None, **_: Any) -> None:
    who = actor_id if actor_id is not None else user_id
    analytics.emit("api_token.revoked", actor_id=who, channel=context.channel())


@analytics.receiver(signals.profile_updated)
def _profile_updated(*, user_id: int, changed: list[str], **_: Any) -> None:
    analytics.emit(
        "profile.updated",
        actor_id=user_id,
        fields_changed=len(changed),
        timezone_changed="timezone" in changed,
        role_changed="role" in changed,
        channel=context.channel(),
    )


@analytics.receiver(post_save, sender=get_user_model())
def _user_saved(*, instance: Any, created: bool, **_: Any) -> None:
    # set_password() keeps the raw password in ``_password`` until save() has run the
    # validators' password_changed hooks: post_save still sees it, whichever door set it.
    if not created and getattr(instance, "_password", None) is not None:
        analytics.emit("auth.password_changed", actor_id=instance.pk, channel=context.channel())


@analytics.receiver(signals.two_factor_enabled)
def _two_factor_enabled(*, user_id: int, **_: Any) -> None:
    analytics.emit("auth.two_factor_enabled", actor_id=user_id, channel=context.channel())


@analytics.receiver(post_delete, sender=TOTPDevice)
def _totp_device_deleted(*, instance: TOTPDevice, **_: Any) -> None:
    # An unconfirmed device is an enrolment that never finished: nothing was turned off.
    if instance.confirmed:
        analytics.emit(
            "auth.two_factor_disabled", actor_id=instance.user_id, channel=context.channel()
        )


@analytics.receiver(signals.two_factor_failed)
def _two_factor_failed(*, user_id: int, method: str, **_: Any) -> None:
    analytics.emit(
        "auth.two_factor_failed", actor_id=user_id, method=method, channel=context.channel()
    )


@analytics.person_properties
def _person_properties(user_id: int) -> dict[str, object]:
    """Role, UTC offset and account age: read only, never creating a missing profile."""
    user = get_user_model().objects.filter(pk=user_id).only("date_joined", "is_superuser").first()
    if user is None:
        return {}
    now = timezone.now()
    found: dict[str, object] = {"account_age": max((now - user.date_joined).days, 0)}
    profile = Profile.objects.filter(user_id=user_id).first()
    if user.is_superuser:
        found["role"] = Role.ADMIN.value
    elif profile is not None:
        found["role"] = profile.role
    if profile is not None:
        offset = now.astimezone(profile.tzinfo).utcoffset()
        if offset is not None:
            found["utc_offset_hours"] = round(offset.total_seconds() / 3600)
    return found
