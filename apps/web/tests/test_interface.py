"""The pieces around every page: one set of formats, the theme, the header's timer, empty
states that say what to do, the favicon and the web app manifest."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone, translation

from apps.accounts.models import Profile, Role
from apps.timers.models import TimeEntry
from apps.web.templatetags.tt import (
    grouped,
    hm,
    hm_words,
    hours,
    hours_hm,
    money,
    shortdate,
)
from apps.web.tests.html_check import assert_valid_page
from telemetry import setup
from tests.factories import ProjectFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"


# --- One set of formats -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (59, "0:00"), (5400, "1:30"), (36000 + 61, "10:01"), ("junk", "0:00")],
)
def test_it_shows_durations_as_hours_and_minutes(seconds: Any, text: str) -> None:
    assert hm(seconds) == text


def test_it_never_says_zero_minutes_in_a_sentence() -> None:
    assert hm_words(39) == "under a minute"
    assert hm_words(60) == "0:01 h:mm"
    assert hm_words(5400) == "1:30 h:mm"


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.5, "2:30"), (Decimal("0.25"), "0:15"), ("nan", "0:00"), ("inf", "0:00"), (None, "0:00")],
)
def test_it_shows_chart_hours_as_hours_and_minutes(value: Any, text: str) -> None:
    assert hours_hm(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (date(2026, 12, 1), "Tue 1 Dec 2026"),
        ("2026-03-12", "Thu 12 Mar 2026"),
        (datetime(2026, 3, 9, 23, 30, tzinfo=UTC), "Mon 9 Mar 2026"),
        ("(none)", "(none)"),
        (None, ""),
    ],
)
def test_it_shows_dates_in_one_short_form(value: Any, text: str) -> None:
    assert shortdate(value) == text


def test_it_groups_thousands_and_shows_the_currency() -> None:
    assert grouped("15912.5") == "15,912.50"
    assert grouped(1234567) == "1,234,567.00"
    assert money("15912.50") == "€15,912.50"
    assert money("") == ""
    assert money(None) == ""
    # Whatever a hand-edited row holds is shown as it is, never an error.
    assert money("<b>") == "<b>"
    assert money("NaN") == "NaN"


@override_settings(TIMETRACKER_CURRENCY="$")
def test_it_takes_the_currency_from_the_setting() -> None:
    assert money("1234") == "$\u00a01,234.00"


@pytest.mark.parametrize(
    ("language", "day", "amount", "number", "decimal_hours"),
    [
        ("en", "Tue 1 Dec 2026", "€15,912.50", "1,234,567.00", "1.50"),
        ("de", "Di., 1. Dez. 2026", "15.912,50\u00a0€", "1.234.567,00", "1,50"),
        ("fr", "mar. 1 déc. 2026", "15\u202f912,50\u00a0€", "1\u202f234\u202f567,00", "1,50"),
        ("nl", "di 1 dec 2026", "€\u00a015.912,50", "1.234.567,00", "1,50"),
    ],
)
def test_dates_numbers_and_amounts_follow_the_language(
    language: str, day: str, amount: str, number: str, decimal_hours: str
) -> None:
    with translation.override(language):
        assert shortdate(date(2026, 12, 1)) == day
        assert money("15912.5") == amount
        assert grouped(1234567) == number
        assert hours(5400) == decimal_hours
        # Durations are H:MM in every language.
        assert hm(5400) == "1:30"


@override_settings(TIMETRACKER_CURRENCY="CHF")
def test_an_iso_currency_code_is_placed_as_the_language_places_it() -> None:
    with translation.override("de"):
        assert money("1234.5") == "1.234,50\u00a0CHF"
    with translation.override("en"):
        assert money("1234.5") == "CHF1,234.50"  # CLDR's own spacing


def test_it_says_something_true_when_a_short_timer_stops(
    member_web: Client, member: Any, project: Any
) -> None:
    entry = TimeEntryFactory(
        user=member, project=project, started_at=timezone.now() - timedelta(seconds=39)
    )
    entry.ended_at = None
    TimeEntry.objects.filter(pk=entry.pk).update(ended_at=None)
    response = member_web.post("/timer/stop/", {"running": entry.pk}, follow=True)
    html = response.content.decode()
    assert "Timer stopped: under a minute on Apollo." in html
    assert "0:00 on" not in html


def test_it_counts_one_total_for_today_and_says_what_the_week_counts(
    member_web: Client, member: Any, project: Any
) -> None:
    now = timezone.now().replace(microsecond=0)
    start = max(now - timedelta(hours=3), now.replace(hour=0, minute=0, second=0))
    length = min(timedelta(hours=1), (now - start) / 2)
    TimeEntryFactory(user=member, project=project, started_at=start, ended_at=start + length)
    running = TimeEntryFactory(user=member, project=project, started_at=now - timedelta(minutes=1))
    TimeEntry.objects.filter(pk=running.pk).update(ended_at=None)
    html = member_web.get("/").content.decode()
    finished = hm(int(length.total_seconds()))
    today_total = re.search(r'id="today-total">([^<]+)<', html)
    assert today_total is not None
    assert today_total.group(1) == finished
    # The week table's row for today shows the same figure, and says what it counts.
    week = html[html.index('id="week-table"') :]
    row = re.search(
        rf"<th scope=\"row\">{re.escape(shortdate(timezone.localdate()))}</th>"
        r'<td class="num">([^<]+)</td>',
        week,
    )
    assert row is not None
    assert row.group(1) == finished
    assert "Finished entries per day; a running timer counts once it stops." in html
    assert "Finished today" in html
    assert_valid_page(html)


# --- The theme ----------------------------------------------------------------------------------
def test_it_saves_the_theme_through_the_profile_service_and_applies_it(
    member_web: Client, member: Any, post_profile: Any
) -> None:
    posted = post_profile({"timezone": "UTC", "theme": "dark"}, follow=True)
    assert "Profile saved." in posted.response.content.decode()
    assert Profile.objects.get(user=member).theme == "dark"
    assert posted.changed == [["theme"]]
    html = member_web.get("/entries/").content.decode()
    assert '<html lang="en" data-theme="dark">' in html
    assert '<meta name="color-scheme" content="dark">' in html


def test_it_follows_the_device_by_default(member_web: Client) -> None:
    html = member_web.get("/").content.decode()
    assert 'data-theme="auto"' in html
    assert '<meta name="color-scheme" content="light dark">' in html


def test_it_keeps_the_theme_when_a_post_leaves_it_out(member_web: Client, member: Any) -> None:
    Profile.objects.filter(user=member).update(theme="light")
    member_web.post("/accounts/profile/", {"timezone": "UTC"})
    assert Profile.objects.get(user=member).theme == "light"


@pytest.mark.parametrize("theme", ["neon", "<script>", "x" * 5000])
def test_it_rejects_an_unknown_theme_with_a_field_error(
    member_web: Client, member: Any, theme: str
) -> None:
    response = member_web.post("/accounts/profile/", {"timezone": "UTC", "theme": theme})
    assert response.status_code == 400  # the form again, with the field's message
    html = response.content.decode()
    assert 'id="id_theme_error"' in html
    assert Profile.objects.get(user=member).theme == "auto"


def test_it_shows_a_stored_theme_of_any_kind_as_auto(member_web: Client, member: Any) -> None:
    Profile.objects.filter(user=member).update(theme='"><x')
    html = member_web.get("/entries/").content.decode()
    assert 'data-theme="auto"' in html
    assert '"><x' not in html


# --- The header: timer, menu, People, favicon, manifest, shortcuts ----------------------------
def test_it_shows_the_running_timer_with_a_stop_button_in_the_header(
    member_web: Client, member: Any, project: Any
) -> None:
    entry = TimeEntryFactory(
        user=member, project=project, started_at=timezone.now() - timedelta(minutes=5)
    )
    TimeEntry.objects.filter(pk=entry.pk).update(ended_at=None)
    html = member_web.get("/entries/").content.decode()
    header = html[html.index('id="header-timer"') : html.index('id="main-menu"')]
    assert 'id="header-clock"' in header
    assert f'name="running" value="{entry.pk}"' in header
    assert "Stop<span" in header
    assert "Apollo" in header
    assert_valid_page(html)
    # The dashboard has its own timer box: no second clock in its header.
    assert 'id="header-timer"' not in member_web.get("/").content.decode()


def test_it_shows_no_header_timer_when_none_runs(member_web: Client) -> None:
    assert 'id="header-timer"' not in member_web.get("/entries/").content.decode()


def test_it_links_staff_to_the_people_page(member_web: Client, db: Any) -> None:
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    web = Client()
    web.force_login(staff)
    assert '<a href="/admin/auth/user/">People</a>' in web.get("/").content.decode()
    assert "People</a>" not in member_web.get("/").content.decode()


def test_it_has_a_menu_that_works_without_javascript(member_web: Client) -> None:
    html = member_web.get("/").content.decode()
    assert '<details class="menu" id="main-menu">' in html
    assert "<summary>" in html


def test_it_links_a_favicon_a_manifest_and_the_shortcuts(member_web: Client) -> None:
    html = member_web.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in html
    assert '<script src="/static/js/shortcuts.js" defer></script>' in html
    for key in ("<kbd>s</kbd>", "<kbd>n</kbd>", "<kbd>/</kbd>", "<kbd>[</kbd>", "<kbd>?</kbd>"):
        assert key in html
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "TimeTracker"
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"]).is_file()
    assert (STATIC / "favicon.svg").read_text(encoding="utf-8").startswith("<svg")


# --- Empty states ---------------------------------------------------------------------------
def test_a_new_member_is_told_how_to_get_their_first_entry(member_web: Client) -> None:
    html = member_web.get("/entries/").content.decode()
    assert "You have no time entries yet." in html
    assert '<a href="/">Start the timer</a>' in html
    assert '<a href="/entries/new/">add an entry by hand</a>' in html
    assert "No entries match these filters." not in html


def test_a_filtered_empty_list_offers_to_clear_the_filters(
    member_web: Client, member: Any, project: Any
) -> None:
    html = member_web.get("/entries/?start=2001-01-01&end=2001-01-02").content.decode()
    assert "No entries match these filters." in html
    assert "Clear the filters" in html


def test_an_empty_dashboard_says_to_create_a_project_first(db: Any) -> None:
    user = UserFactory(username="newbie")
    web = Client()
    web.force_login(user)
    html = web.get("/").content.decode()
    assert '<a href="/projects/new/">create your first project</a>' in html
    ProjectFactory(name="Apollo")
    html = web.get("/").content.decode()
    assert "create your first project" not in html
    assert "Choose a project below and start the timer" in html
    assert '<a href="#start_project">Start the timer</a>' in html


# --- First run ----------------------------------------------------------------------------


@pytest.mark.setup_pending
def test_it_asks_the_first_admin_for_a_time_zone_with_the_servers_as_default(
    client: Client,
) -> None:
    token = setup.issue_token()
    html = client.get("/setup/").content.decode()
    assert 'name="timezone"' in html
    assert 'data-browser-timezone="true"' in html  # telemetry/setup.js fills in the browser's
    assert '<option value="UTC" selected>UTC</option>' in html
    assert '<script src="/static/telemetry/setup.js" defer></script>' in html
    # The telemetry question comes before the account fields; its details are one click away.
    assert html.index('id="telemetry-question"') < html.index('name="username"')
    assert '<details id="telemetry-details">' in html
    form = {
        "token": token,
        "username": "boss",
        "password1": "a long and unusual passphrase 42",
        "password2": "a long and unusual passphrase 42",
        "telemetry": "off",
        "timezone": "Europe/Berlin",
    }
    response = client.post("/setup/", form)
    assert response.status_code == 302
    admin = User.objects.get(username="boss")
    profile = Profile.objects.get(user=admin)
    assert (profile.timezone, profile.role) == ("Europe/Berlin", Role.ADMIN)
