"""A database outage answers 503 with Retry-After on pages and the API, never a bare 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from timetracker import errors


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not connect to server: Connection refused")

    # Set after the personas are signed in: from here every query fails as in an outage.
    monkeypatch.setattr(CursorWrapper, "execute", refuse)


@pytest.mark.django_db
def test_pages_and_the_api_answer_503_with_retry_after(
    admin: Any, request: pytest.FixtureRequest
) -> None:
    web = Client(raise_request_exception=False)
    web.force_login(admin)
    request.getfixturevalue("database_down")
    page = web.get("/entries/")
    assert page.status_code == 503
    assert page["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert b"database is unavailable" in page.content
    api = web.get("/api/v1/time-entries/")
    assert api.status_code == 503
    assert api.json() == {"detail": errors.UNAVAILABLE}
    assert api["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)


@pytest.mark.django_db
def test_other_errors_stay_500(admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.web.views import entries

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(entries, "entries_matching", boom)
    web = Client(raise_request_exception=False)
    web.force_login(admin)
    response = web.get("/entries/")
    assert response.status_code == 500
    assert "Retry-After" not in response
