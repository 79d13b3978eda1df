"""What the browser tests share besides Chromium: axe-core, the page checks, signing in.

axe-core is the copy ``axe_playwright_python`` ships, run with that package's options
(``resultTypes: ["violations"]``: every rule axe-core enables by default, colour contrast
included). Its ``Axe().run`` sends the whole ~570 kB source through ``page.evaluate``
before every run, and reads the full results back; here a context that runs axe on most
of its pages gets the source once, as an init script (``axe_on_every_page``), and a page
without it gets it on first use. Only the violations come back, which is all the tests
read.

``sign_in`` gives a browser context the session of a user signed in by Django's test
client, for the tests about what comes after logging in. Logging in through the form is
what the journeys of ``test_browser.py`` test; elsewhere it only cost each test the login
page, Playwright's selector engine on it and a POST with its redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.test import Client

AXE_OPTIONS = {"resultTypes": ["violations"]}

# For ``wait_for_function`` on what takes a second or more (a clock tick, the job page's
# poll): checking every 100 ms instead of every animation frame (Playwright's default)
# spares Chromium drawing frames the whole time it waits.
POLL_MS = 100

# Controls a thumb must hit: at least 44 px tall on a phone (links inside running text are
# exempt, as WCAG 2.5.8 allows).
CONTROLS = (
    "button:not(.link), .button, select, summary, .main-nav a, .row-actions a, .pagination a, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)

PAGE_CHECKS = """
(controls) => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  for (const el of document.querySelectorAll("main *, header *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest("dialog:not([open]), [hidden], .visually-hidden, .skip-link")) continue;
    if (box.right > width + 1 || box.left < -1) {
      problems.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} sticks out: `
        + `${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
    }
  }
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || el.closest("dialog:not([open]), [hidden]")) continue;
    if (box.height < 43.5) {
      problems.push(`${el.tagName.toLowerCase()}#${el.id} "${el.textContent.trim().slice(0, 30)}"`
        + ` is ${box.height} px tall`);
    }
  }
  return problems;
}
"""

# One round trip per page: the language, axe's violations, then PAGE_CHECKS (both only
# read the page). Null when the page has no axe yet.
_CHECK_PAGE = f"""
async ([controls, options, layout]) => {{
  if (typeof axe === "undefined") return null;
  const lang = document.documentElement.lang;
  const violations = (await axe.run(options)).violations;
  const problems = layout ? ({PAGE_CHECKS.strip()})(controls) : [];
  return {{ lang, violations, problems }};
}}
"""


@cache
def axe_source() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def axe_on_every_page(context: Any) -> Any:
    """Load axe-core into every page ``context`` opens, before the page's own scripts."""
    context.add_init_script(script=axe_source())
    return context


@dataclass(frozen=True)
class PageReport:
    lang: str
    problems: list[str]  # axe's violations, then what PAGE_CHECKS found


def _describe(violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
    ]


def _run(page: Any, *, layout: bool) -> dict[str, Any]:
    arguments = [CONTROLS, AXE_OPTIONS, layout]
    report = page.evaluate(_CHECK_PAGE, arguments)
    if report is None:
        page.evaluate(axe_source())
        report = page.evaluate(_CHECK_PAGE, arguments)
    return report


def check_page(page: Any) -> PageReport:
    """The page's language, and its axe violations and PAGE_CHECKS problems."""
    report = _run(page, layout=True)
    return PageReport(
        lang=report["lang"], problems=_describe(report["violations"]) + report["problems"]
    )


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page, one line each."""
    return _describe(_run(page, layout=False)["violations"])


def sign_in(context: Any, url: str, user: Any) -> None:
    """Give ``context`` the session cookie of ``user``, signed in by Django's test client.

    ``force_login`` goes through ``django.contrib.auth.login``, so the ``user_logged_in``
    receivers (two-factor state, the login event) run as for the form.
    """
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies(
        [
            {
                "name": name,
                "value": client.cookies[name].value,
                "url": url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def goto_signed_in(page: Any, url: str, path: str = "/") -> Any:
    """Open ``path`` on a signed-in page; a redirect (to the login page) fails the test."""
    response = page.goto(f"{url}{path}")
    assert response is not None, path
    assert response.ok, (path, response.status)
    assert page.url == f"{url}{path}", f"{path} led to {page.url}"
    return response


def signed_in_page(context: Any, url: str, user: Any, path: str = "/") -> Any:
    """A new page of ``context``, signed in as ``user``, at ``path``."""
    sign_in(context, url, user)
    page = context.new_page()
    goto_signed_in(page, url, path)
    return page
