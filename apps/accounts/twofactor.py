"""Two-factor login with django-otp: one TOTP device per user, plus one-time recovery codes.

A user has two-factor login on when they have a *confirmed* TOTP device; their recovery
codes live in a django-otp static device beside it (each code is deleted when used).
Enrolment creates an unconfirmed device, shows its key as a QR code rendered here (segno,
inline SVG: no external service sees the secret) and confirms it with a first code.

Wrong codes are throttled per device by django-otp (1, 2, 4, 8 ... seconds between
attempts after consecutive failures) and each one sends ``two_factor_failed``; the code
itself is never logged or sent anywhere.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import SESSION_KEY as SESSION_AUTH_KEY
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import signals
from apps.accounts.selectors import user_is_admin
from apps.core.services import send_on_commit

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
TOTP = "totp"
RECOVERY = "recovery"
# In the session: whether its user had two-factor login on when they signed in.
SESSION_KEY = "twofactor_enabled"

User = AbstractBaseUser | AnonymousUser


# --- Reads ----------------------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    """``TWO_FACTOR_REQUIRED_FOR_ADMINS`` applies to this user: an admin (role admin or
    superuser) or anyone who can open the Django admin (staff)."""
    if not getattr(settings, "TWO_FACTOR_REQUIRED_FOR_ADMINS", False):
        return False
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_staff", False)) or user_is_admin(user)


def totp_device_get(*, user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if two-factor login is on."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def two_factor_enabled(user: User) -> bool:
    if not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def user_is_verified(user: User) -> bool:
    """This session passed the second factor (django-otp's OTPMiddleware sets it)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def session_remember(request: HttpRequest, *, enabled: bool | None = None) -> bool:
    """Note in the session whether its user has two-factor login on (asked now unless
    given), so that pages need no query for it. Set at every login; the pages that turn
    it on or off update it, and the code page re-checks it."""
    user = request.user
    if enabled is None:
        enabled = two_factor_enabled(user)
    request.session[SESSION_KEY] = enabled
    return enabled


def two_factor_owed(request: HttpRequest) -> str | None:
    """What this signed-in session still owes: ``"verify"`` (a code, two-factor login is
    on), ``"setup"`` (required but not set up) or ``None``."""
    user = request.user
    if not user.is_authenticated or user_is_verified(user):
        return None
    enabled = request.session.get(SESSION_KEY)
    if enabled is None:
        # A session from before this feature, or a login that bypassed the signal.
        enabled = session_remember(request)
    if enabled:
        return "verify"
    if two_factor_required(user):
        return "setup"
    return None


def remember_at_login(*, request: HttpRequest | None, user: AbstractBaseUser, **_: Any) -> None:
    """``user_logged_in`` receiver: a session login notes the user's two-factor state.

    Logins that make no session (the API token exchange) are left alone.
    """
    session = getattr(request, "session", None)
    if request is None or session is None or session.get(SESSION_AUTH_KEY) != str(user.pk):
        return
    session[SESSION_KEY] = two_factor_enabled(user)


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` URI as inline SVG markup (attributes only, no style)."""
    code = segno.make(device.config_url, error="m")
    return code.svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        title=gettext("QR code of the key for your authenticator app"),
    )


# --- Writes ---------------------------------------------------------------------------------


def enrolment_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same key across reloads of the page)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a code: the device that accepted it, or why not."""

    device: Device | None
    method: str
    throttled: bool = False

    @property
    def ok(self) -> bool:
        return self.device is not None


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _check(
    *, user: AbstractBaseUser, device: Device | None, method: str, code: str
) -> Verification:
    if device is None:
        send_on_commit(signals.two_factor_failed, sender=TOTPDevice, user_id=user.pk, method=method)
        return Verification(device=None, method=method)
    # Locked, as django_otp.verify_token does: two concurrent guesses cannot both be
    # checked against the same throttle state, nor one recovery code used twice.
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, _ = locked.verify_is_allowed()
        ok = bool(allowed and locked.verify_token(code))
    if ok:
        return Verification(device=locked, method=method)
    send_on_commit(signals.two_factor_failed, sender=TOTPDevice, user_id=user.pk, method=method)
    return Verification(device=None, method=method, throttled=not allowed)


def code_verify(*, user: AbstractBaseUser, code: str) -> Verification:
    """Check a code from the user's app, or one of their recovery codes (used up if right).

    Six digits are an app code; anything else is tried as a recovery code, so a mistyped
    app code never spends a recovery code's throttle, nor the other way round.
    """
    cleaned = _normalise(code)
    totp = totp_device_get(user=user)
    if totp is not None and re.fullmatch(rf"\d{{{totp.digits}}}", cleaned):
        return _check(user=user, device=totp, method=TOTP, code=cleaned)
    recovery = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    if totp is None or not cleaned:
        recovery = None
    return _check(user=user, device=recovery, method=RECOVERY, code=cleaned)


def recovery_codes_issue(*, user: AbstractBaseUser) -> list[str]:
    """Ten new recovery codes, replacing any earlier ones. Shown once; stored as
    django-otp stores them (plain, like the TOTP key itself)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user_id=user.pk).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes: set[str] = set()
        while len(codes) < RECOVERY_CODE_COUNT:
            codes.add(StaticToken.random_token())
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return sorted(codes)


def enrolment_confirm(
    *, user: AbstractBaseUser, device: TOTPDevice, code: str
) -> tuple[Verification, list[str]]:
    """Confirm the device being enrolled with a first code; on success two-factor login
    is on and the returned recovery codes are the only time they are shown."""
    if device.user_id != user.pk or device.confirmed:
        raise ValueError("not this user's device being enrolled")
    cleaned = _normalise(code)
    if not re.fullmatch(rf"\d{{{device.digits}}}", cleaned):
        return _check(user=user, device=None, method=TOTP, code=cleaned), []
    result = _check(user=user, device=device, method=TOTP, code=cleaned)
    if not result.ok:
        return result, []
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        codes = recovery_codes_issue(user=user)
        send_on_commit(signals.two_factor_enabled, sender=TOTPDevice, user_id=user.pk)
    device.confirmed = True
    return Verification(device=device, method=TOTP), codes


def two_factor_disable(*, user: AbstractBaseUser, code: str) -> Verification:
    """Turn two-factor login off, given a current code or a recovery code. The devices'
    deletion is what ``auth.two_factor_disabled`` observes (the admin's door too)."""
    result = code_verify(user=user, code=code)
    if result.ok:
        with transaction.atomic():
            TOTPDevice.objects.filter(user_id=user.pk).delete()
            StaticDevice.objects.filter(user_id=user.pk).delete()
    return result
