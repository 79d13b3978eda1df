"""Domain signals of the accounts app. Logins and logouts use django.contrib.auth's own
``user_logged_in``, ``user_logged_out`` and ``user_login_failed`` signals.

Receivers must only observe (analytics, logging); behaviour lives in the services.
"""

from __future__ import annotations

from django.dispatch import Signal

# api_token_created: user_id (int), created (bool: False when an existing token was returned)
api_token_created = Signal()
# profile_updated: user_id (int), changed (list[str] of field names)
profile_updated = Signal()
# api_token_revoked: user_id (int)
api_token_revoked = Signal()
# Password changes have no domain signal: every door (the password form, the admin's
# password page, manage.py changepassword, a password reset) ends in the user's save after
# set_password, which apps.accounts.events observes.
# two_factor_enabled: user_id (int); a TOTP device was confirmed (recovery codes issued)
two_factor_enabled = Signal()
# Turning two-factor login off has no domain signal: the TOTP device's deletion (the
# disable page or an admin deleting it in the admin) is what apps.accounts.events observes.
# two_factor_failed: user_id (int), method (str: "totp" or "recovery"); never the code
two_factor_failed = Signal()
# login_locked: channel (str: "web", "admin" or "api"), started (bool: this failure set the
# lock; False for a further attempt while locked). Sent by apps.accounts.login_limits when
# django-axes refuses a login; never the username or the address.
login_locked = Signal()
