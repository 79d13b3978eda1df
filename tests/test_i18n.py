"""The translation catalogues (issue 19): complete, current with the code, compiled.

TimeTracker ships English, German, French and Dutch. Three catalogues hold the messages:
the project's (``locale/``) and those of the two reusable apps (``analytics/locale``,
``telemetry/locale``), each with a ``django.po`` per shipped language and its compiled
``django.mo`` (committed, so neither a container nor ``make run`` needs GNU gettext).

- every message of every shipped language is translated, none is fuzzy (a guess
  ``msgmerge`` made that nobody checked), and each translation keeps the placeholders of
  its message (``%(name)s``): a missing one would raise or drop a value at render time;
- the catalogues hold exactly the messages the code marks today: ``make messages`` run
  on a copy of the tree changes no message (needs ``xgettext``, GNU gettext);
- each ``django.mo`` is the compilation of its ``django.po``.

``apps/web/tests/test_translated_pages.py`` checks the other side: the pages render no
English that did not go through a catalogue.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {
    "project": ROOT / "locale",
    "analytics": ROOT / "analytics" / "locale",
    "telemetry": ROOT / "telemetry" / "locale",
}
SHIPPED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CASES = [(name, language) for name in CATALOGUES for language in SHIPPED]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def po_file(catalogue: str, language: str) -> Path:
    return CATALOGUES[catalogue] / language / "LC_MESSAGES" / "django.po"


def load(catalogue: str, language: str) -> polib.POFile:
    path = po_file(catalogue, language)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make messages`"
    return polib.pofile(str(path))


def test_english_is_the_default_and_three_more_are_shipped() -> None:
    assert settings.LANGUAGE_CODE == "en"
    assert SHIPPED == ["de", "fr", "nl"]


@pytest.mark.parametrize(("catalogue", "language"), CASES)
def test_every_message_is_translated(catalogue: str, language: str) -> None:
    po = load(catalogue, language)
    assert len(po) > 0, "an empty catalogue"
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    obsolete = [entry.msgid for entry in po.obsolete_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy (check them and drop the flag): {fuzzy[:10]}"
    assert obsolete == [], f"obsolete messages left in the file: {obsolete[:10]}"


@pytest.mark.parametrize(("catalogue", "language"), CASES)
def test_translations_keep_the_placeholders(catalogue: str, language: str) -> None:
    wrong = []
    for entry in load(catalogue, language).translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            wanted_plural = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                found = sorted(PLACEHOLDER.findall(form))
                # A singular form may spell "one" out instead of its count.
                if set(found) - set(wanted_plural) or (
                    set(wanted_plural) - set(found) - {"%(counter)s", "%(count)s", "%d"}
                ):
                    wrong.append((entry.msgid, form))
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != wanted:
            wrong.append((entry.msgid, entry.msgstr))
    assert wrong == []


@pytest.mark.parametrize(("catalogue", "language"), CASES)
def test_the_compiled_catalogue_is_the_current_one(catalogue: str, language: str) -> None:
    po = load(catalogue, language)
    mo_path = po_file(catalogue, language).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path.relative_to(ROOT)} is missing: run `make messages`"
    compiled = {
        (entry.msgctxt, entry.msgid): (entry.msgstr, dict(entry.msgstr_plural))
        for entry in polib.mofile(str(mo_path))
        if entry.msgid
    }
    source = {
        (entry.msgctxt, entry.msgid): (
            entry.msgstr,
            {int(key): value for key, value in entry.msgstr_plural.items()},
        )
        for entry in po.translated_entries()
    }
    compiled = {
        key: (msgstr, {int(k): v for k, v in plural.items()})
        for key, (msgstr, plural) in compiled.items()
    }
    assert compiled == source, "django.mo is older than django.po: run `make messages`"


def _messages(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in po if not entry.obsolete}


@pytest.mark.slow
def test_the_catalogues_hold_what_the_code_marks_today(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed")
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("tests", "__pycache__", "*.mo", "staticfiles")
    for part in ("apps", "templates", "timetracker", "analytics", "telemetry", "locale"):
        shutil.copytree(ROOT / part, tree / part, ignore=ignore)
    shutil.copy(ROOT / "manage.py", tree / "manage.py")
    shutil.copy(ROOT / "scripts" / "makemessages.sh", tree / "makemessages.sh")
    done = subprocess.run(
        ["sh", "makemessages.sh", sys.executable],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stale = {}
    for catalogue, path in CATALOGUES.items():
        for language in SHIPPED:
            fresh_po = tree / path.relative_to(ROOT) / language / "LC_MESSAGES" / "django.po"
            fresh = _messages(polib.pofile(str(fresh_po)))
            committed = _messages(load(catalogue, language))
            if fresh != committed:
                stale[f"{catalogue} {language}"] = {
                    "not in the catalogue": sorted(m[1] for m in fresh - committed)[:10],
                    "no longer in the code": sorted(m[1] for m in committed - fresh)[:10],
                }
    assert stale == {}, f"run `make messages` and translate: {stale}"
