"""``Authorization: Token <key>`` for the API: django-rest-knox's lookup (the first
characters of the key find the rows, a constant-time comparison of the SHA-512 digest
picks the one), with our token model's rules on top.

Nothing is cached in the process: every request reads the token row, so a revoked token
is refused by every worker at the next request.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from rest_framework import exceptions

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_touch

# Longer than any key we hand out (prefix + 64 hex characters, or a migrated 40-character
# DRF key); anything longer is refused before it reaches the database.
_MAX_KEY_LENGTH = 128


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, ApiToken]:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(gettext("Invalid token.")) from None
        # A NUL cannot be sent to PostgreSQL in a query; no key contains one anyway.
        if not text or len(text) > _MAX_KEY_LENGTH or "\x00" in text:
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: ApiToken) -> bool:
        # knox deletes expired tokens here (the user's others too) on every request. We only
        # refuse an expired one: no write on the authentication path, the row stays listed
        # as expired until its owner or an admin revokes it.
        return auth_token.expired

    def validate_user(self, auth_token: ApiToken) -> tuple[Any, ApiToken]:
        user, token = super().validate_user(auth_token)
        api_token_touch(token=token)
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The API schema's name for this scheme, as it was with DRF's tokens."""

    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        prefix = knox_settings.AUTH_HEADER_PREFIX
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=prefix)
