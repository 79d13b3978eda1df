"""The telemetry admin pages speak the reader's language (issue 19).

The page that shows the exact next report, the confirmation pages and the messages after
a decision, rendered as a superuser in de, fr and nl. Each expected text is looked up in
the catalogue with ``translation.override``, so a test fails when a text is left in
English (it would equal the English), not when a translation is reworded.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
from django.db.models import Model
from django.test import Client
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from telemetry import presentation
from telemetry.models import (
    Channel,
    ConsentChange,
    Installation,
    Outcome,
    SendRecord,
    State,
)
from telemetry.testutils import opt_in

pytestmark = pytest.mark.django_db

APP = Path(__file__).resolve().parents[1]
LANGUAGES = ("de", "fr", "nl")
PAGE = "/admin/telemetry/installation/"


def english_and(language: str, text: Callable[[], str]) -> tuple[str, str]:
    """``text()`` in English and in ``language``."""
    with translation.override("en"):
        english = text()
    with translation.override(language):
        shown = text()
    return english, shown


def page(client: Client, url: str, language: str, **kwargs: Any) -> str:
    response = client.get(url, headers={"accept-language": language}, **kwargs)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return html.unescape(response.content.decode())


def assert_translated(document: str, language: str, *texts: Callable[[], str]) -> None:
    for text in texts:
        english, shown = english_and(language, text)
        assert shown != english, f"{english!r} is not translated into {language}"
        assert shown in document, f"{shown!r} is not on the page"


@pytest.fixture
def history(admin_user: Any) -> Installation:
    """Telemetry on, one failed send by the worker, one change made in the admin."""
    installation = opt_in()
    SendRecord.objects.create(
        outcome=Outcome.FAILED,
        http_status=503,
        payload_sha256="0" * 64,
        duration_ms=12,
        channel="worker",
    )
    ConsentChange.objects.create(
        previous=State.UNDECIDED, state=State.ON, channel=Channel.ADMIN, changed_by=admin_user
    )
    return installation


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_with_the_exact_report_is_translated(
    admin_client: Client, history: Installation, language: str
) -> None:
    document = page(admin_client, PAGE, language)
    assert_translated(
        document,
        language,
        lambda: gettext("Installation telemetry"),
        lambda: gettext("Stored decision"),
        lambda: gettext("Install id"),
        lambda: gettext("Failures in a row"),
        lambda: gettext("The next report, exactly as it would be sent"),
        lambda: gettext("Every field of the report, with this installation's value right now"),
        lambda: gettext("Meaning"),
        lambda: gettext("Never sent:"),
        lambda: gettext("Changes of the decision"),
        # The rows' words: an outcome, a channel and a state as stored.
        lambda: str(Outcome.FAILED.label),
        lambda: str(Channel.ADMIN.label),
        lambda: presentation.state_label(State.UNDECIDED),
        # The meaning of each field of the report.
        *(
            (lambda name=row.name: _description(history, name))
            for row in presentation.transparency(installation=history)["fields"]
        ),
    )


def _description(installation: Installation, name: str) -> str:
    rows = presentation.transparency(installation=installation)["fields"]
    return next(str(row.description) for row in rows if row.name == name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_product_analytics_reason_is_translated(
    admin_client: Client, settings: Any, language: str
) -> None:
    document = page(admin_client, PAGE, language)
    assert_translated(document, language, lambda: gettext("POSTHOG_API_KEY is not set"))

    # With a key, the kill switch (missing here) decides.
    settings.ANALYTICS_POSTHOG_API_KEY = "phc_test"
    document = page(admin_client, PAGE, language)
    assert_translated(
        document,
        language,
        lambda: (
            gettext("the waffle switch %(switch)s is missing or inactive")
            % {"switch": "analytics-posthog"}
        ),
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", [State.ON, State.OFF])
def test_the_confirmation_and_the_message_after_it_are_translated(
    admin_client: Client, language: str, state: str
) -> None:
    words = {
        State.ON: ("Turn installation telemetry on?", "Yes, turn telemetry on"),
        State.OFF: ("Turn installation telemetry off?", "Yes, turn telemetry off"),
    }
    title, button = words[state]
    document = page(admin_client, f"{PAGE}decide/{state}/", language)
    assert_translated(
        document,
        language,
        lambda: gettext(title),
        lambda: gettext(button),
        lambda: gettext("No, take me back"),
    )

    response = admin_client.post(
        f"{PAGE}decide/{state}/", headers={"accept-language": language}, follow=True
    )
    assert response.status_code == 200
    message = {
        State.ON: "Installation telemetry is now on.",
        State.OFF: "Installation telemetry is now off.",
    }[state]
    assert_translated(html.unescape(response.content.decode()), language, lambda: gettext(message))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admin_index_names_the_app_and_its_page(admin_client: Client, language: str) -> None:
    document = page(admin_client, "/admin/", language)
    assert_translated(
        document,
        language,
        lambda: str(Installation._meta.app_config.verbose_name),
        lambda: str(capfirst(Installation._meta.verbose_name_plural)),
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", [Installation, ConsentChange, SendRecord])
def test_every_label_of_the_models_is_translated(language: str, model: type[Model]) -> None:
    texts = [model._meta.verbose_name, model._meta.verbose_name_plural]
    for field in model._meta.get_fields():
        if getattr(field, "primary_key", True):
            continue  # the id, and reverse relations (none here)
        texts.append(field.verbose_name)  # type: ignore[union-attr]
        if field.help_text:  # type: ignore[union-attr]
            texts.append(field.help_text)  # type: ignore[union-attr]
        for _value, choice in getattr(field, "flatchoices", []):
            texts.append(choice)
    for text in texts:
        english, shown = english_and(language, lambda text=text: str(text))
        # A command's name is the same in every language.
        assert shown != english or english == "manage.py telemetry", english


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_row_names_itself_in_the_reader_s_language(history: Installation, language: str) -> None:
    for row in (history, *ConsentChange.objects.all(), SendRecord.objects.get()):
        english, shown = english_and(language, lambda row=row: str(row))
        assert shown != english


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_of_the_catalogue_is_empty_or_fuzzy(language: str) -> None:
    catalogue = polib.pofile(str(APP / "locale" / language / "LC_MESSAGES" / "django.po"))
    left = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete and ("fuzzy" in entry.flags or not entry.translated())
    ]
    assert left == []
