"""Template context of every page of the web UI: the header's timer and the theme.

Both are read only when a template asks for them (the admin and the API never do), and the
timer costs one query: the running entry with its project and task. The theme comes from
the profile, which the time zone middleware has already loaded for the request.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.contrib.auth.models import User
from django.http import HttpRequest

from apps.accounts.models import Theme
from apps.accounts.selectors import profile_get
from apps.timers.models import TimeEntry
from apps.timers.selectors import running_entry


class Interface:
    """What ``templates/base.html`` shows around every page, computed on first use."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def _user(self) -> User | None:
        user = getattr(self._request, "user", None)
        return cast(User, user) if user is not None and user.is_authenticated else None

    @cached_property
    def running(self) -> TimeEntry | None:
        """The signed-in user's running timer (one query), or None."""
        user = self._user()
        return running_entry(user=user) if user is not None else None

    @cached_property
    def theme(self) -> str:
        """``auto``, ``light`` or ``dark``: a stored value of any other kind means auto."""
        user = self._user()
        if user is None:
            return Theme.AUTO.value
        stored = profile_get(user=user).theme
        return stored if stored in Theme.values else Theme.AUTO.value


def interface(request: HttpRequest) -> dict[str, Any]:
    return {"interface": Interface(request)}
