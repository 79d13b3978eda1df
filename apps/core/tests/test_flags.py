"""The flag registry: declared once, created by migrations and `flags sync`, read strictly."""

from __future__ import annotations

import importlib
import json
import logging
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from waffle.models import Flag, Switch
from waffle.testutils import override_flag, override_switch

from analytics import conf as analytics_conf
from apps.core import flags

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def request_for(user: Any = None) -> Any:
    request = RequestFactory().get("/")
    request.user = user if user is not None else AnonymousUser()
    return request


def run(*args: str) -> str:
    out = StringIO()
    call_command("flags", *args, stdout=out)
    return out.getvalue()


def test_a_fresh_database_has_every_declared_toggle_with_its_default() -> None:
    for toggle in flags.declared():
        if toggle.kind == flags.Kind.FLAG:
            row = Flag.objects.get(name=toggle.name)
            assert row.everyone is toggle.default
            assert row.superusers is False
        else:
            assert Switch.objects.get(name=toggle.name).active is toggle.default


def test_the_data_migration_creates_the_missing_rows_and_keeps_the_others() -> None:
    migration = importlib.import_module("apps.core.migrations.0001_declared_flags")
    Flag.objects.filter(name=flags.IDLE_TIMER).delete()
    Switch.objects.filter(name=flags.MAINTENANCE_MODE).update(active=True)

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.create_declared(django_apps, editor)

    assert Flag.objects.get(name=flags.IDLE_TIMER).everyone is True
    assert Switch.objects.get(name=flags.MAINTENANCE_MODE).active is True


def test_using_an_undeclared_flag_name_fails() -> None:
    with pytest.raises(flags.UndeclaredFlag, match="no-such-flag"):
        flags.flag_is_active(request_for(), "no-such-flag")
    with pytest.raises(flags.UndeclaredFlag, match="no-such-switch"):
        flags.switch_is_active("no-such-switch")


def test_a_switch_cannot_be_read_as_a_flag_or_the_other_way_round() -> None:
    with pytest.raises(flags.UndeclaredFlag, match="declared as a switch"):
        flags.flag_is_active(request_for(), flags.MAINTENANCE_MODE)
    with pytest.raises(flags.UndeclaredFlag, match="declared as a flag"):
        flags.switch_is_active(flags.EXPORT_XLSX)


def test_in_production_an_undeclared_name_reads_as_off_and_is_logged(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FLAGS_STRICT = False
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="timetracker.flags"):
        assert flags.flag_is_active(request_for(), "typo-flag") is False
        assert flags.switch_is_active("typo-switch") is False
    assert "typo-flag" in caplog.text
    assert "typo-switch" in caplog.text


def test_development_is_strict_too(settings: Any) -> None:
    settings.FLAGS_STRICT = False
    settings.DEBUG = True
    with pytest.raises(flags.UndeclaredFlag):
        flags.switch_is_active("typo-switch")


def test_a_missing_row_counts_as_its_declared_default() -> None:
    Flag.objects.filter(name=flags.EXPORT_XLSX).delete()
    Switch.objects.filter(name=flags.MAINTENANCE_MODE).delete()
    cache.clear()
    assert flags.flag_is_active(request_for(), flags.EXPORT_XLSX) is True
    assert flags.switch_is_active(flags.MAINTENANCE_MODE) is False


def test_flags_follow_the_rules_set_in_the_admin(member: Any) -> None:
    Flag.objects.filter(name=flags.IDLE_TIMER).update(everyone=None, authenticated=True)
    cache.clear()
    assert flags.flag_is_active(request_for(member), flags.IDLE_TIMER) is True
    assert flags.flag_is_active(request_for(), flags.IDLE_TIMER) is False


def test_a_change_is_read_at_once_in_this_process() -> None:
    assert flags.switch_is_active(flags.MAINTENANCE_MODE) is False
    with override_switch(flags.MAINTENANCE_MODE, active=True):
        assert flags.switch_is_active(flags.MAINTENANCE_MODE) is True
    with override_flag(flags.REPORT_CHARTS, active=False):
        assert flags.flag_is_active(request_for(), flags.REPORT_CHARTS) is False


def test_reading_every_toggle_costs_one_query_per_kind(
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(2):
        for toggle in flags.declared():
            if toggle.kind == flags.Kind.FLAG:
                flags.flag_is_active(request_for(), toggle.name)
            else:
                flags.switch_is_active(toggle.name)
    with django_assert_num_queries(0):
        flags.switch_is_active(flags.MAINTENANCE_MODE)


class TestSync:
    def test_it_creates_what_is_missing_and_never_changes_an_operators_choice(self) -> None:
        Flag.objects.filter(name=flags.REPORT_CHARTS).delete()
        Flag.objects.filter(name=flags.EXPORT_ICS).update(everyone=False, note="mine")
        Switch.objects.filter(name=flags.MAINTENANCE_MODE).update(active=True)

        out = run("sync")

        assert "Created: report-charts" in out
        assert Flag.objects.get(name=flags.REPORT_CHARTS).everyone is True
        ics = Flag.objects.get(name=flags.EXPORT_ICS)
        assert (ics.everyone, ics.note) == (False, "mine")
        assert Switch.objects.get(name=flags.MAINTENANCE_MODE).active is True

    def test_it_is_idempotent(self) -> None:
        run("sync")
        before = list(Flag.objects.order_by("name").values()) + list(
            Switch.objects.order_by("name").values()
        )
        assert "Created: none" in run("sync")
        after = list(Flag.objects.order_by("name").values()) + list(
            Switch.objects.order_by("name").values()
        )
        assert after == before

    def test_it_names_rows_the_code_does_not_use_and_leaves_them(self) -> None:
        Switch.objects.create(name="left-over", active=True)
        assert "not used by the code: left-over" in run("sync")
        assert Switch.objects.filter(name="left-over").exists()

    def test_a_new_cached_row_is_visible_at_once(self) -> None:
        Flag.objects.filter(name=flags.EXPORT_ICS).delete()
        cache.clear()
        flags.flag_is_active(request_for(), flags.EXPORT_XLSX)  # caches the list of flags
        run("sync")
        assert "export-ics" in [row.name for row in Flag.get_all()]


class TestList:
    def test_it_prints_each_toggle_with_kind_state_default_owner_and_description(self) -> None:
        Switch.objects.filter(name=flags.MAINTENANCE_MODE).update(active=True)
        Flag.objects.filter(name=flags.EXPORT_ICS).update(everyone=None, percent=25)
        lines = run("list").splitlines()
        assert lines[0].split()[:5] == ["NAME", "KIND", "STATE", "DEFAULT", "OWNER"]
        rows = {line.split()[0]: line for line in lines[1:] if line}
        assert set(rows) == {toggle.name for toggle in flags.declared()}
        assert re.search(
            r"maintenance-mode\s+switch\s+on\s+off\s+core\s+Read-only", rows["maintenance-mode"]
        )
        assert re.search(r"export-ics\s+flag\s+rules \(25\.0%\)\s+on\s+reports", rows["export-ics"])
        assert re.search(
            r"analytics-posthog\s+switch\s+off\s+off\s+analytics", rows["analytics-posthog"]
        )

    def test_it_says_when_a_row_is_missing(self) -> None:
        Flag.objects.filter(name=flags.IDLE_TIMER).delete()
        assert "missing (default on)" in run("list")

    def test_json_lists_the_declarations_and_the_unknown_rows(self) -> None:
        Flag.objects.create(name="old-experiment")
        data = json.loads(run("list", "--json"))
        assert [item["name"] for item in data["declared"]] == [
            toggle.name for toggle in flags.declared()
        ]
        assert data["declared"][0].keys() == {
            "name",
            "kind",
            "state",
            "default",
            "owner",
            "description",
        }
        assert data["undeclared"] == ["old-experiment (flag)"]


def test_the_analytics_kill_switch_is_declared_off_and_owned_by_analytics() -> None:
    toggle = flags.get(analytics_conf.posthog_switch())
    assert (toggle.kind, toggle.default, toggle.owner) == (flags.Kind.SWITCH, False, "analytics")


def test_the_reusable_analytics_app_does_not_import_the_registry() -> None:
    for path in (ROOT / "analytics").rglob("*.py"):
        assert "apps.core" not in path.read_text(encoding="utf-8"), path


def test_every_declared_toggle_is_read_by_the_code() -> None:
    # A declaration nobody reads would be a switch in the admin that does nothing.
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("apps", "analytics", "timetracker")
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.parts and path.name != "flags.py"
    )
    constants = {value: key for key, value in vars(flags).items() if isinstance(value, str)}
    for toggle in flags.declared():
        used = f"flags.{constants[toggle.name]}" in sources or (
            toggle.name == analytics_conf.posthog_switch() and "posthog_switch()" in sources
        )
        assert used, f"{toggle.name} is declared but never read"


def test_the_configuration_docs_list_every_toggle_as_the_registry_declares_it() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert flags.markdown_table() in docs, "run `manage.py flags list --markdown`"
