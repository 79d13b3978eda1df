"""The web UI in a real browser at a phone's and a desktop's size, in both themes.

Every app page passes axe (axe-core, contrast included) with zero violations in the light
and the dark theme, at 1200x800 and at 390x844; at those sizes and in between (760 and
900 px) no primary content is wider than the screen and every control is at least 44 px
tall and inside it. A phone journey starts and stops the timer with one thumb, uses the
menu and the header's timer; the keyboard shortcuts work and never fire while typing. With
``TIMETRACKER_UPDATE_SCREENSHOTS=1`` the runs write the screenshots of docs/images
(``scripts/screenshots.py``). The tests start signed in (``browser_support.sign_in``):
logging in through the form is what the journeys of ``test_browser.py`` test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from apps.accounts.models import Profile
from apps.web.tests.browser_support import (
    CONTROLS,
    PAGE_CHECKS,
    POLL_MS,
    axe_on_every_page,
    axe_violations,
    check_page,
    goto_signed_in,
    sign_in,
    signed_in_page,
)
from apps.web.tests.test_browser import (  # noqa: F401 (fixtures)
    IMAGES,
    UPDATE_SCREENSHOTS,
    browser,
    history,
    root_world,
    watch_csp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1200, "height": 800}
PHONE = {"width": 390, "height": 844}


def _contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(text: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", text)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def open_context(browser: Any) -> Iterator[Any]:  # noqa: F811 (the fixture above)
    """New browser contexts that each check for CSP violations when the test ends."""
    opened: list[tuple[Any, list[str]]] = []

    def make(*, viewport: dict[str, int], scheme: str = "light", locale: str = "en-GB") -> Any:
        context = browser.new_context(viewport=viewport, color_scheme=scheme, locale=locale)
        opened.append((context, watch_csp(context)))
        return context

    yield make
    for context, violations in opened:
        context.close()
        assert violations == [], "\n".join(violations)


@pytest.mark.parametrize(
    ("viewport", "scheme", "locale"),
    [
        (DESKTOP, "light", "en-GB"),
        (DESKTOP, "dark", "de-DE"),
        (PHONE, "light", "fr-FR"),
        (PHONE, "dark", "en-GB"),
        (PHONE, "light", "nl-NL"),
    ],
    ids=["desktop-light-en", "desktop-dark-de", "phone-light-fr", "phone-dark-en", "phone-nl"],
)
def test_every_app_page_passes_axe_and_fits_the_screen(
    root_world: dict[str, Any],  # noqa: F811 (the fixture above)
    live_server: Any,
    open_context: Any,
    viewport: dict[str, int],
    scheme: str,
    locale: str,
) -> None:
    """Both themes, phone and desktop, in the four languages (longer German and French
    labels must fit a phone too); the browser's locale picks the language."""
    url = live_server.url
    project, entry = root_world["project"], root_world["entry"]
    context = axe_on_every_page(open_context(viewport=viewport, scheme=scheme, locale=locale))
    sign_in(context, url, root_world["root"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    paths = [
        "/",
        "/entries/",
        "/entries/new/",
        f"/entries/{entry.pk}/edit/",
        "/projects/",
        f"/projects/{project.pk}/",
        "/clients/",
        "/reports/?group_by=day",
        "/accounts/profile/",
        "/accounts/tokens/",
        "/accounts/2fa/",
    ]
    problems: list[str] = []
    for path in paths:
        goto_signed_in(page, url, path)
        report = check_page(page)
        assert report.lang == locale[:2], path
        problems += [f"{path}: {p}" for p in report.problems]
        if path == "/entries/":
            # The focus ring, on this visit: the checks above only read the page, so the
            # first Tab still reaches the skip link, as on a fresh load.
            page.keyboard.press("Tab")  # the skip link
            page.keyboard.press("Tab")
            ring, background = page.evaluate(
                "[getComputedStyle(document.activeElement).outlineColor,"
                " getComputedStyle(document.body).backgroundColor]"
            )
    assert problems == [], "\n".join(problems)

    # The focus ring: 3:1 or better against the page, in this theme.
    assert _contrast(ring, background) >= 3, (ring, background)


def test_the_profile_theme_wins_over_the_device(
    member: Any, live_server: Any, open_context: Any
) -> None:
    Profile.objects.filter(user=member).update(theme="dark")
    page = signed_in_page(open_context(viewport=DESKTOP, scheme="light"), live_server.url, member)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _contrast(background, "rgb(0, 0, 0)") < 2, background  # dark, on a light device
    assert axe_violations(page) == []


def test_a_phone_starts_and_stops_the_timer_with_one_thumb(
    history: None,  # noqa: F811 (the fixture above)
    member: Any,
    project: Any,
    live_server: Any,
    open_context: Any,
    tmp_path: Any,
) -> None:
    url = live_server.url
    images = IMAGES if UPDATE_SCREENSHOTS else tmp_path
    page = signed_in_page(open_context(viewport=PHONE, scheme="light"), url, member)
    page.set_default_timeout(10_000)

    # A compact header: one row for the brand and the menu.
    assert page.locator(".site-header").bounding_box()["height"] <= 60
    start = page.get_by_role("button", name="Start timer")
    page.get_by_label("Project").select_option(value=str(project.pk))
    box = start.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # on the first screen, no scrolling
    assert box["width"] >= PHONE["width"] * 0.8  # across the card, for either thumb
    start.click()
    stop = page.get_by_role("button", name="Stop timer")
    box = stop.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    page.screenshot(path=str(images / "phone-dashboard.png"))

    # The menu opens with a tap; on another page the header shows the running timer.
    menu = page.locator("#main-menu > summary")
    assert page.get_by_role("link", name="Entries", exact=True).is_hidden()
    menu.click()
    page.get_by_role("link", name="Entries", exact=True).click()
    page.wait_for_url(f"{url}/entries/")
    assert page.locator("#header-timer").is_visible()
    page.wait_for_function("/^\\d+:\\d\\d:\\d\\d /.test(document.title)", polling=POLL_MS)
    assert page.evaluate(PAGE_CHECKS, CONTROLS) == []
    page.screenshot(path=str(images / "phone-entries.png"))
    page.locator("#header-timer").get_by_role("button", name=re.compile("^Stop")).click()
    page.wait_for_url(f"{url}/")
    assert page.locator("#no-timer").is_visible()
    assert "Timer stopped: under a minute on Apollo." in page.locator(".messages").inner_text()


def test_the_dark_theme_draws_the_charts_in_its_colours(
    history: None,  # noqa: F811 (the fixture above)
    member: Any,
    live_server: Any,
    open_context: Any,
    tmp_path: Any,
) -> None:
    images = IMAGES if UPDATE_SCREENSHOTS else tmp_path
    page = signed_in_page(open_context(viewport=DESKTOP, scheme="dark"), live_server.url, member)
    page.screenshot(path=str(images / "dashboard-dark.png"))
    page.goto(f"{live_server.url}/reports/?group_by=day")
    axis = page.evaluate("getComputedStyle(document.querySelector('#chart-time text.axis')).fill")
    card = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
    assert _contrast(axis, card) >= 4.5, (axis, card)
    page.locator("#chart-time").scroll_into_view_if_needed()
    page.screenshot(path=str(images / "report-dark.png"))


def test_the_keyboard_shortcuts_work_and_never_fire_while_typing(
    member: Any, project: Any, live_server: Any, open_context: Any
) -> None:
    url = live_server.url
    page = signed_in_page(open_context(viewport=DESKTOP), url, member)
    page.set_default_timeout(10_000)

    # ? opens the list, Escape closes it.
    page.keyboard.press("?")
    help_box = page.locator("#shortcuts-help")
    assert help_box.is_visible()
    assert "Start or stop the timer" in help_box.inner_text()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    assert help_box.is_hidden()

    # Typing s, n or / in a field types them.
    notes = page.get_by_label("What are you working on?")
    notes.fill("")
    notes.type("s n / ?")
    assert notes.input_value() == "s n / ?"
    assert page.url == f"{url}/"
    assert help_box.is_hidden()
    # Nor with a modifier held.
    page.locator("h1").click()
    page.keyboard.press("Control+n")
    page.keyboard.press("Alt+s")
    assert page.url == f"{url}/"

    # s starts the timer on the chosen project, s again stops it.
    page.get_by_label("Project").select_option(value=str(project.pk))
    page.locator("h1").click()
    page.keyboard.press("s")
    page.wait_for_selector("#timer-clock")
    page.keyboard.press("s")
    page.wait_for_selector("#no-timer")

    # n opens a new entry; / finds the entry list's filter.
    page.keyboard.press("n")
    page.wait_for_url(f"{url}/entries/new/")
    page.goto(f"{url}/entries/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.closest('form.filters') !== null")


@pytest.mark.setup_pending
def test_the_setup_page_takes_the_browsers_time_zone(
    db: Any,
    live_server: Any,
    browser: Any,  # noqa: F811 (the fixture above)
) -> None:
    context = browser.new_context(viewport=PHONE, timezone_id="Europe/Berlin", locale="en-GB")
    violations = watch_csp(context)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/setup/")
        page.wait_for_function(
            "document.querySelector('select[name=timezone]').value === 'Europe/Berlin'"
        )
        # The telemetry question is on the first screen of a phone, its details folded.
        question = page.locator("#telemetry-question legend").bounding_box()
        assert question["y"] < PHONE["height"]
        assert page.locator("#telemetry-details table").is_hidden()
        assert axe_violations(page) == []
    finally:
        context.close()
    assert violations == []


@pytest.mark.parametrize("width", [760, 900])
def test_nothing_sticks_out_between_phone_and_desktop(
    root_world: dict[str, Any],  # noqa: F811 (the fixture above)
    live_server: Any,
    open_context: Any,
    width: int,
) -> None:
    url = live_server.url
    context = open_context(viewport={"width": width, "height": 900})
    sign_in(context, url, root_world["root"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    for path in ["/", "/entries/", "/projects/", f"/projects/{root_world['project'].pk}/"]:
        goto_signed_in(page, url, path)
        problems += [f"{path}: {p}" for p in page.evaluate(PAGE_CHECKS, CONTROLS)]
    goto_signed_in(page, url, "/reports/?group_by=day")
    problems += [f"reports: {p}" for p in page.evaluate(PAGE_CHECKS, CONTROLS)]
    assert problems == [], "\n".join(problems)
