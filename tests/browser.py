"""One headless Chromium for a run of consecutive browser tests in a test process.

Starting Chromium (and Playwright's driver) costs about a second of CPU; the browser
tests run one after another (pytest-django keeps the transactional tests together and
each module's tests in order), so a test process starts it once for such a run instead of
once per test. Tests stay isolated the way Playwright means them to: each opens its own
browser contexts (cookies, storage, viewport, locale, colour scheme) and closes them.

Playwright's sync API runs an event loop in this thread while Chromium is open, so
Django's guard against synchronous ORM calls inside an event loop would refuse the tests'
own database work; ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set for exactly as long as the
browser is open. The root ``conftest.py`` closes it after the last browser test of a run
(``pytest_runtest_teardown``), so no other test runs with that loop or that setting.
"""

from __future__ import annotations

import os
from typing import Any

from tests.support import missing, require_binary

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FIXTURE = "browser"


class SharedChromium:
    """Launches Chromium on first use and keeps it until :meth:`close`."""

    def __init__(self) -> None:
        self._manager: Any = None
        self._browser: Any = None
        self._unsafe_before: str | None = None
        self.launches = 0

    @property
    def is_open(self) -> bool:
        return self._browser is not None

    def get(self) -> Any:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self.close()
        executable = require_binary("chromium", hint="apt-get install chromium")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:  # pragma: no cover (installed by requirements/dev.txt)
            missing(
                "the playwright Python package is not installed "
                "(pip install -r requirements/dev.txt)"
            )
        self._unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self._manager = sync_playwright()
        playwright = self._manager.__enter__()
        try:
            self._browser = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS
            )
        except BaseException:
            self.close()
            raise
        self.launches += 1
        return self._browser

    def close(self) -> None:
        browser, manager = self._browser, self._manager
        self._browser = self._manager = None
        try:
            if browser is not None:
                browser.close()
        finally:
            if manager is not None:
                manager.__exit__(None, None, None)
                if self._unsafe_before is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._unsafe_before


CHROMIUM = SharedChromium()


def uses_browser(item: Any) -> bool:
    return FIXTURE in getattr(item, "fixturenames", ())
