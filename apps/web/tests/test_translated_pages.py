"""Every page speaks the reader's language (issue 19).

The language comes from the profile's choice, else from the browser's ``Accept-Language``,
else English. The check that no English is left: each page is rendered in English and in
a shipped language with the same data; a text (or a label a screen reader reads) that is
the same in both is untranslated unless it is data (a name, a note), a translation that
happens to equal the English (``Budget``), or on the short list of words that are the
same in every language (``CSV``, the language names in the language menu).
"""

from __future__ import annotations

import re
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from apps.accounts.selectors import profile_get
from apps.clients.models import Client as ClientModel
from apps.projects.models import Project
from apps.tasks.models import Task
from apps.timers.models import TimeEntry
from apps.web.tests.conftest import World

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ("de", "fr", "nl")

# The same in every shipped language: names of things and formats, not sentences.
SAME_EVERYWHERE = {
    "TimeTracker",
    "API",
    "CSV",
    "XLSX",
    "JSON",
    "ICS",
    "iCalendar",
    "OpenAPI",
    "TOTP",
    "UTC",
    "PostHog",
    "Sentry",
    "Prometheus",
    # The language menu names each language in itself.
    "English",
    "Deutsch",
    "Français",
    "Nederlands",
}
# Time zone names in the profile's menu are data of the tz database.
TIME_ZONE = re.compile(r"[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+|[A-Z]{2,5}([+-]\d+)?")
WORDS = re.compile(r"[^\W\d_]{3,}")
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Texts(HTMLParser):
    """The texts of a page a reader sees or hears: text nodes and the labelling
    attributes, without scripts, styles, code samples and parts marked as being in
    another language (``lang="en"`` on the catalogue's own English descriptions)."""

    SKIPPED = {"script", "style", "code", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()
        self._skipping = 0
        self._language = ""
        self._open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self._language = values.get("lang") or ""
        elif tag not in VOID:
            other = bool(values.get("lang")) and values.get("lang") != self._language
            skip = tag in self.SKIPPED or other
            self._open.append((tag, skip))
            self._skipping += skip
        if self._skipping:
            return
        for name in SHOWN_ATTRIBUTES:
            self._add(values.get(name))
        if tag == "input" and values.get("type") in {"submit", "button"}:
            self._add(values.get("value"))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                for _tag, skip in self._open[index:]:
                    self._skipping -= skip
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._add(data)

    def _add(self, text: str | None) -> None:
        text = " ".join((text or "").split())
        if text and WORDS.search(text):
            self.found.add(text)


def texts(html: str) -> set[str]:
    parser = Texts()
    parser.feed(html)
    return parser.found


def identical_words(language: str) -> set[str]:
    """The words of the messages whose translation is the English itself ("Dashboard")."""
    words: set[str] = set()
    for pattern in identical_translations(language):
        words.update(WORDS.findall(pattern.pattern.replace("\\", "")))
    return words


def identical_translations(language: str) -> list[re.Pattern[str]]:
    """Messages whose translation is the English text itself, as patterns (a placeholder
    matches any value)."""
    patterns = []
    for base in (ROOT / "locale", ROOT / "analytics" / "locale", ROOT / "telemetry" / "locale"):
        path = base / language / "LC_MESSAGES" / "django.po"
        if not path.is_file():
            continue
        for entry in polib.pofile(str(path)).translated_entries():
            forms = [entry.msgstr, *entry.msgstr_plural.values()]
            for form in forms:
                if form in {entry.msgid, entry.msgid_plural}:
                    parts = re.split(r"%\(\w+\)[sdif]|%[sdif]", " ".join(form.split()))
                    patterns.append(re.compile(".+?".join(map(re.escape, parts))))
    return patterns


def data_texts() -> set[str]:
    """What users typed: names, notes, usernames."""
    found: set[str] = set()
    for model, fields in (
        (ClientModel, ("name",)),
        (Project, ("name",)),
        (Task, ("name",)),
        (TimeEntry, ("notes",)),
        (User, ("username", "first_name", "last_name", "email")),
    ):
        for row in model._default_manager.values_list(*fields):
            found.update(" ".join(str(value).split()) for value in row if value)
    return found


def untranslated(english: str, translated: str, language: str) -> set[str]:
    same = texts(english) & texts(translated)
    data = data_texts()
    patterns = identical_translations(language)
    allowed_words = SAME_EVERYWHERE | identical_words(language)
    zones = zoneinfo.available_timezones()
    left = set()
    for text in same:
        words = set(WORDS.findall(text))
        if text in data or text in zones or TIME_ZONE.fullmatch(text):
            continue
        # A title such as "Dashboard · TimeTracker": every word is the same in this
        # language (a translation equal to the English, or a name).
        if words <= allowed_words:
            continue
        if any(text in value or value in text for value in data if len(value) >= 3):
            continue
        if any(pattern.fullmatch(text) for pattern in patterns):
            continue
        left.add(text)
    return left


def member_pages(world: World) -> list[str]:
    return [
        "/",
        "/entries/",
        "/entries/new/",
        f"/entries/{world.mine.pk}/edit/",
        f"/entries/{world.mine.pk}/delete/",
        "/projects/",
        f"/projects/{world.apollo.pk}/",
        "/reports/",
        "/reports/?group_by=project",
        "/timesheet/",
        "/calendar/",
        "/calendar/feed/",
        "/jobs/",
        "/accounts/profile/",
        "/accounts/password/",
        "/accounts/2fa/",
        "/accounts/tokens/",
        "/privacy/events/",
    ]


def admin_pages(world: World) -> list[str]:
    return [
        "/import/",
        "/clients/",
        "/clients/new/",
        f"/clients/{world.acme.pk}/edit/",
        "/projects/new/",
        f"/projects/{world.apollo.pk}/edit/",
        f"/projects/{world.apollo.pk}/tasks/new/",
        f"/tasks/{world.design.pk}/edit/",
    ]


def get(client: Client, path: str, language: str) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Language"] == language, path
    return response.content.decode()


@pytest.mark.parametrize("language", SHIPPED)
def test_member_pages_leave_no_english(
    language: str, world: World, member_web: Client, admin_web: Client
) -> None:
    left = {}
    for client, paths in ((member_web, member_pages(world)), (admin_web, admin_pages(world))):
        for path in paths:
            english = get(client, path, "en")
            translated = get(client, path, language)
            assert f'<html lang="{language}"' in translated, path
            found = untranslated(english, translated, language)
            if found:
                left[path] = sorted(found)
    assert left == {}, "\n".join(f"{path}: {texts}" for path, texts in left.items())


@pytest.mark.parametrize("language", SHIPPED)
def test_the_sign_in_page_speaks_the_browsers_language(language: str, db: Any) -> None:
    client = Client()
    english = get(client, "/accounts/login/", "en")
    translated = get(client, "/accounts/login/", language)
    assert untranslated(english, translated, language) == set()


def test_the_profile_language_wins_over_the_browser(member: Any, member_web: Client) -> None:
    profile = profile_get(user=member)
    profile.language = "fr"
    profile.save()
    response = member_web.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in response.content.decode()


def test_without_a_choice_the_browser_decides_and_english_is_the_fallback(
    member_web: Client,
) -> None:
    assert member_web.get("/", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")["Content-Language"] == "nl"
    assert member_web.get("/", HTTP_ACCEPT_LANGUAGE="ja,zh;q=0.8")["Content-Language"] == "en"
    assert member_web.get("/")["Content-Language"] == "en"


@pytest.mark.parametrize(
    "header",
    [
        "x" * 10_000,
        "de;q=abc",
        "de;q=2, fr;q=-1",
        "*",
        ",,,;;;",
        "de-" + "a" * 300,
        "\u00e9\u00e8",
        "en;q=0.5, de;q=0.5, fr;q=0.5, nl;q=0.5, " * 50,
    ],
)
def test_a_hostile_accept_language_never_breaks_a_page(
    header: str, member_web: Client, db: Any
) -> None:
    for path in ("/", "/accounts/login/", "/api/v1/projects/"):
        response = member_web.get(path, HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code < 500, (path, header[:40])
        assert response["Content-Language"] in dict(settings.LANGUAGES)


def test_a_stored_language_that_is_none_of_ours_means_the_browsers(
    member: Any, member_web: Client
) -> None:
    profile = profile_get(user=member)
    profile.language = "xx-yy"
    profile.save()
    response = member_web.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
