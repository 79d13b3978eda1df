"""Types shared across the apps."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """The request a ``@login_required`` view receives: its user is signed in.

    For annotations only; Django never makes one.
    """

    user: User


# What ``ModelAdmin.get_fields`` returns, in its list form (django-stubs' ``_FieldGroups``).
AdminFields = list[str | list[str] | tuple[str, ...] | tuple[()]]
