"""The outbound ledger's admin pages speak the reader's language (issue 19).

Each expected text is looked up in the app's own catalogue with ``translation.override``,
so a test fails when a label is left untranslated (it would equal the English), not when
a translation is reworded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.text import capfirst

from analytics.models import OutboundRequest, Outcome, Stream

pytestmark = pytest.mark.django_db

APP = Path(__file__).resolve().parents[1]
LANGUAGES = ("de", "fr", "nl")
CHANGELIST = "/admin/analytics/outboundrequest/"
COLUMNS = ("at", "stream", "host", "body_bytes", "http_status", "outcome", "events", "duration_ms")


def label(name: str) -> str:
    return str(capfirst(OutboundRequest._meta.get_field(name).verbose_name))


def english_and(language: str, text: Callable[[], str]) -> tuple[str, str]:
    """``text()`` in English and in ``language``."""
    with translation.override("en"):
        english = text()
    with translation.override(language):
        shown = text()
    return english, shown


def page(client: Client, url: str, language: str) -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return html.unescape(response.content.decode())


def header_texts(document: str) -> list[str]:
    """The column titles of the change list, without markup."""
    cells = re.findall(
        r'<th scope="col"[^>]*class="[^"]*column-[^"]*"[^>]*>(.*?)</th>', document, re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


@pytest.fixture
def row() -> OutboundRequest:
    return OutboundRequest.objects.create(
        at=timezone.now(),
        stream=Stream.TELEMETRY,
        host="telemetry.example.org",
        body_bytes=321,
        http_status=None,
        outcome=Outcome.NETWORK_ERROR,
        events=1,
        duration_ms=5000,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_change_list_columns_filters_and_values_are_translated(
    admin_client: Client, row: OutboundRequest, language: str
) -> None:
    document = page(admin_client, CHANGELIST, language)
    headers = header_texts(document)
    for name in COLUMNS:
        english, shown = english_and(language, lambda name=name: label(name))
        assert shown != english, name
        assert shown in headers, f"no column {shown!r} in {headers}"
    for title in ("stream", "outcome"):
        english, shown = english_and(
            language,
            lambda title=title: (
                # Django's own message id, spaces included.
                translation.gettext(" By %(filter_title)s ")
                % {"filter_title": OutboundRequest._meta.get_field(title).verbose_name}
            ),
        )
        assert shown != english
        assert shown in document
    for choice in (Stream.TELEMETRY, Outcome.NETWORK_ERROR):
        english, shown = english_and(language, lambda choice=choice: str(choice.label))
        assert shown != english
        assert shown in document
    english, plural = english_and(
        language, lambda: str(capfirst(OutboundRequest._meta.verbose_name_plural))
    )
    assert plural != english
    assert plural in document


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_read_only_change_page_labels_and_help_texts_are_translated(
    admin_client: Client, row: OutboundRequest, language: str
) -> None:
    document = page(admin_client, f"{CHANGELIST}{row.pk}/change/", language)
    labels = [
        " ".join(re.sub(r"<[^>]+>", " ", found).split()).rstrip(" :")
        for found in re.findall(r"<label[^>]*>(.*?)</label>", document, re.S)
    ]
    for name in COLUMNS:
        english, shown = english_and(language, lambda name=name: label(name))
        assert shown != english, name
        assert shown in labels, f"no label {shown!r} in {labels}"
    for name in ("host", "body_bytes", "http_status", "events"):
        english, shown = english_and(
            language, lambda name=name: str(OutboundRequest._meta.get_field(name).help_text)
        )
        assert shown != english
        assert shown in document
    english, shown = english_and(language, lambda: str(row))
    assert shown != english
    assert shown in document


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_of_the_catalogue_is_empty_or_fuzzy(language: str) -> None:
    catalogue = polib.pofile(str(APP / "locale" / language / "LC_MESSAGES" / "django.po"))
    left = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete and ("fuzzy" in entry.flags or not entry.translated())
    ]
    assert left == []
