"""The Django admin speaks the reader's language for our own models too (issue 19).

Django translates its own admin chrome; the labels, help texts, choices, column titles,
filters and actions of our models are ours. Each admin page of each model registered by a
domain app (and, separately, by the analytics and telemetry apps) is rendered in English
and in each shipped language with the same rows, and compared with ``untranslated`` of
the translated-pages test: a text that is the same in both is English left over unless
it is data, a word that is the same in every language, or a message whose translation
is the English itself (Django's "Filter" in German).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.test import Client as WebClient
from django.utils import timezone
from django.utils.translation import trans_real

from analytics.models import OutboundRequest
from apps.accounts.models import Profile
from apps.accounts.services import account_defaults_update, api_token_create
from apps.web.tests.test_translated_pages import SHIPPED, untranslated
from telemetry.models import Installation
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    TagFactory,
    TaskFactory,
    TimeEntryFactory,
    UserFactory,
)

# Models whose admin is a domain app's (apps/<app>/admin.py), by label, and the pages
# checked. Account defaults are one row, added only while there is none (the change form
# has the same field). The user's add and change pages are django.contrib.auth's own (its texts and
# the names of every installed app's permissions); its list carries our role filter.
DOMAIN: dict[str, tuple[str, ...]] = {
    "accounts.accountdefaults": ("changelist", "change"),
    "accounts.apitoken": ("changelist", "change"),
    "accounts.profile": ("changelist", "change"),
    "auth.user": ("changelist",),
    "clients.client": ("changelist", "add", "change"),
    "projects.project": ("changelist", "add", "change"),
    "tags.tag": ("changelist", "add", "change"),
    "tasks.task": ("changelist", "add", "change"),
    "timers.timeentry": ("changelist", "add", "change"),
}
# The reusable apps' own admin pages, translated in their own catalogues.
REUSABLE: dict[str, tuple[str, ...]] = {
    "analytics.outboundrequest": ("changelist", "change"),
    "telemetry.installation": ("changelist",),
}
# Django's admin templates leave these in English in every language: the alt text of the
# search icon (admin/search_form.html) and of the yes/no icons of boolean columns.
DJANGO_UNTRANSLATED = {"Search", "True", "False"}

Rendered = dict[tuple[str, str, str], str]


def _model(label: str) -> type[Model]:
    return next(model for model in admin.site._registry if model._meta.label_lower == label)


@pytest.fixture(scope="module")
def rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Model]]:
    """One row of each model, made once for the module and rolled back after it.

    Names hold no word of three letters (``untranslated`` ignores texts without one), so
    the rows' own texts never count as English left over.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        root = UserFactory(username="r00t", is_staff=True, is_superuser=True)
        client = ClientFactory(name="C-1", currency="EUR")
        project = ProjectFactory(name="P-1", client=client, budget_hours=10)
        task = TaskFactory(name="T-1", project=project, estimate_hours=2)
        tag = TagFactory(name="t-1")
        entry = TimeEntryFactory(user=root, project=project, task=task, notes="n-1")
        entry.tags.add(tag)
        token, _key = api_token_create(user=root, name="k-1", expires_in=timedelta(days=9))
        found: dict[str, Model] = {
            "accounts.accountdefaults": account_defaults_update(timezone="Europe/Berlin"),
            "accounts.apitoken": token,
            "accounts.profile": Profile.objects.get(user=root),
            "auth.user": root,
            "clients.client": client,
            "projects.project": project,
            "tags.tag": tag,
            "tasks.task": task,
            "timers.timeentry": entry,
            "analytics.outboundrequest": OutboundRequest.objects.create(
                at=timezone.now(), stream="posthog", host="a1.b2:443", body_bytes=10, outcome="ok"
            ),
            "telemetry.installation": Installation.objects.get_solo(),
        }
        yield found
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    """Pages rendered so far, by (label, page, language): each English page once."""
    return {}


def _url(label: str, page: str, row: Model) -> str:
    model = _model(label)
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return {"changelist": base, "add": f"{base}add/", "change": f"{base}{row.pk}/change/"}[page]


def _render(rendered: Rendered, web: WebClient, url: str, key: tuple[str, str, str]) -> str:
    if key not in rendered:
        # The sidebar lists every installed app's models (waffle's, axes', django-otp's),
        # named by those packages; each page of ours names its own model.
        with patch.object(admin.site, "enable_nav_sidebar", False):
            response = web.get(url, HTTP_ACCEPT_LANGUAGE=key[2])
        assert response.status_code == 200, (url, key[2], response.status_code)
        assert response["Content-Language"] == key[2], url
        rendered[key] = response.content.decode()
    return rendered[key]


def _translates_to_itself(text: str, language: str) -> bool:
    """A message (Django's or ours) whose translation is the English text; a form label
    ends in Django's label suffix."""
    catalogue = trans_real.translation(language)._catalog
    return any(catalogue.get(message) == message for message in (text, text.removesuffix(":")))


def _left_in_english(
    label: str, pages: tuple[str, ...], language: str, rows: dict[str, Model], rendered: Rendered
) -> dict[str, list[str]]:
    web = WebClient()
    web.force_login(rows["auth.user"])
    # The token's key prefix is random data (letters and digits) that the page shows.
    data = {str(getattr(rows["accounts.apitoken"], "token_key", ""))}
    left: dict[str, list[str]] = {}
    for page in pages:
        url = _url(label, page, rows[label])
        english = _render(rendered, web, url, (label, page, "en"))
        translated = _render(rendered, web, url, (label, page, language))
        found = {
            text
            for text in untranslated(english, translated, language)
            if text not in DJANGO_UNTRANSLATED | data and not _translates_to_itself(text, language)
        }
        if found:
            left[page] = sorted(found)
    return left


def _report(left: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}: {texts}" for page, texts in left.items())


@pytest.mark.django_db
@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("label", DOMAIN)
def test_the_admin_pages_of_our_models_leave_no_english(
    label: str, language: str, rows: dict[str, Model], rendered: Rendered
) -> None:
    left = _left_in_english(label, DOMAIN[label], language, rows, rendered)
    assert left == {}, _report(left)


@pytest.mark.django_db
@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("label", REUSABLE)
def test_the_admin_pages_of_the_reusable_apps_leave_no_english(
    label: str, language: str, rows: dict[str, Model], rendered: Rendered
) -> None:
    left = _left_in_english(label, REUSABLE[label], language, rows, rendered)
    assert left == {}, _report(left)


def test_every_model_our_apps_register_is_checked() -> None:
    """A model registered by one of our apps later is checked too (waffle's models keep
    waffle's own, untranslated, labels; our admin only adds a column to them)."""
    ours = {
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if type(model_admin).__module__.split(".")[0] in {"apps", "analytics", "telemetry"}
        and model._meta.app_label != "waffle"
    }
    assert ours == set(DOMAIN) | set(REUSABLE)
