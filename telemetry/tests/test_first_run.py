"""A fresh installation under gunicorn: the token on the console, then setup, then the app.

The same path a new user takes after ``make run`` (which calls ``manage.py setup_token``
before ``runserver``) or ``docker compose up`` (gunicorn's ``when_ready`` hook).
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from telemetry import conf
from tests.servers import gunicorn

pytestmark = pytest.mark.slow

TOKEN = re.compile(r"^\s+([0-9a-f]{32})$", re.MULTILINE)
PASSWORD = "a long and unusual passphrase 42"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode()

    def cookie(self, name: str) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == name) or ""


def test_a_fresh_install_prints_a_token_and_leads_through_setup(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=1) as server:
        console = server.log.read_text(encoding="utf-8")
        tokens = TOKEN.findall(console)
        assert len(tokens) == 1, console[-3000:]
        browser = Browser(server.url)

        status, location, _ = browser.open("/")
        assert (status, location) == (302, "/setup/")
        assert browser.open("/healthz")[0] == 200

        status, _, html = browser.open("/setup/")
        assert status == 200
        assert "installation_report" in html
        form = {
            "csrfmiddlewaretoken": browser.cookie("csrftoken"),
            "username": "first",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "telemetry": "off",
        }
        status, _, html = browser.open("/setup/", {**form, "token": "0" * 32})
        assert status == 400  # refused: the form again, with its message
        assert "This is not the current setup token" in html

        status, location, _ = browser.open("/setup/", {**form, "token": tokens[0]})
        # TELEMETRY_SETUP_DONE_URL: the project offers the new admin two-factor login.
        assert (status, location) == (302, conf.setup_done_url())
        assert browser.open("/")[0] == 200  # the dashboard, signed in
        assert browser.open("/setup/")[0] == 404
