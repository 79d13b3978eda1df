"""Fixtures shared by the whole suite: personas and API clients."""

from __future__ import annotations

import copy
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from analytics.testutils import CapturedEvents, FakePostHog, capture_events
from apps.accounts.models import Role
from tests import browser, support
from tests.factories import ProjectFactory, TaskFactory, UserFactory

PASSWORD = "correct horse battery"  # noqa: S105 (test persona)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under TIMETRACKER_REQUIRE_ALL (CI) a skip fails unless tests.support allows it.

    Covers every way a test can skip, so CI cannot go green by silently skipping what it
    was meant to prove.
    """
    report = yield
    if report.skipped and support.strict() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report)
        if not support.skip_allowed(reason):
            report.outcome = "failed"
            report.longrepr = (
                f"skipped in CI, which TIMETRACKER_REQUIRE_ALL forbids: {reason} "
                "(tests/support.py ALLOWED_SKIPS lists the skips CI may take)"
            )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Close the shared Chromium after the last of a run of browser tests (``tests/browser.py``)."""
    result = yield
    if browser.CHROMIUM.is_open and (nextitem is None or not browser.uses_browser(nextitem)):
        browser.CHROMIUM.close()
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    browser.CHROMIUM.close()


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


# Modules whose tests share module-scoped servers: under xdist each runs on one worker,
# so its servers start once (pytest-xdist's own xdist_group marks no longer take effect
# with pytest 9, which does not let a plugin rename a test).
SHARED_SERVER_MODULES = frozenset(
    {"tests/test_bruteforce.py", "tests/ops/test_prometheus_integration.py"}
)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hand tests out one by one, except a shared-server module, which is one unit."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedServerScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = _module(nodeid)
            return module if module in SHARED_SERVER_MODULES else nodeid

    return SharedServerScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long work first: the shared-server modules, then the other ``slow`` tests.

    Under xdist a shared-server module is one unit of work; given out last, one worker
    would run it while the other has nothing left. The order
    is otherwise kept, and so is pytest-django's: transactional tests, which empty the
    tables, stay where it put them (after the others). The tests of a module that move to
    the front stay together (pytest-django puts a module's database tests before its
    others), so a module-scoped server starts once.
    """

    def rank(item: pytest.Item) -> int:
        if _transactional(item):
            return 2
        if _module(item.nodeid) in SHARED_SERVER_MODULES:
            return 0  # the largest units, started first
        return 1 if item.get_closest_marker("slow") else 2

    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(_module(item.nodeid), index)

    def key(pair: tuple[int, pytest.Item]) -> tuple[int, int, int]:
        index, item = pair
        place = rank(item)
        module = first_seen[_module(item.nodeid)] if place < 2 else index
        return (place, module, index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Just before pytest-django creates the test database: an in-memory SQLite one is
    filled from the migrated template of ``tests/servers.py`` instead of by a migrate of
    its own (three to four seconds of CPU in every test process; the template is made once
    for a state of the code and shared by the processes and the runs). The copy holds the
    same tables, indexes and rows as a migrate makes (post-migrate data included), and the
    post-migrate signal is sent as after a migrate. PostgreSQL still migrates."""
    from django.conf import settings as conf
    from django.core.management.commands import migrate

    database = conf.DATABASES["default"]
    in_memory = database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME")
    if not in_memory or len(conf.DATABASES) != 1:
        return
    original = migrate.Command.handle

    def handle(self: Any, *args: Any, **options: Any) -> Any:
        migrate.Command.handle = original  # once: the test database's own migrate
        if _database_from_template(options):
            return None
        return original(self, *args, **options)

    migrate.Command.handle = handle


def _database_from_template(options: dict[str, Any]) -> bool:
    """Copy the migrated template into the test database, if this migrate is its creation."""
    import sqlite3

    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connections

    from tests.servers import migrated_sqlite

    if options.get("app_label") or options.get("migration_name") or options.get("plan"):
        return False
    connection = connections[options.get("database") or "default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return False
    connection.ensure_connection()
    source = sqlite3.connect(migrated_sqlite())
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    emit_post_migrate_signal(0, False, connection.alias)
    return True


@pytest.fixture(scope="session")
def django_db_modify_db_settings_xdist_suffix(request: pytest.FixtureRequest) -> None:
    """pytest-django's per-worker database names, except for SQLite's in-memory database.

    pytest-django recognises in-memory SQLite by the engine name
    ``django.db.backends.sqlite3``; ours is django-prometheus' wrapper of it, so it would
    turn the test database into a file path that does not exist. Each xdist worker is its
    own process with its own in-memory database: no suffix is needed.
    """
    from django.conf import settings as conf
    from pytest_django.fixtures import _set_suffix_to_test_databases

    database = conf.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME"):
        return
    suffix = getattr(request.config, "workerinput", {}).get("workerid")
    if suffix:
        _set_suffix_to_test_databases(suffix=suffix)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(db: Any) -> Any:
    """An admin of the installation (role admin, not a Django superuser)."""
    return UserFactory(username="ada", email="ada@example.com", profile__role=Role.ADMIN)


@pytest.fixture
def member(db: Any) -> Any:
    return UserFactory(username="mel", email="mel@example.com")


@pytest.fixture
def other_member(db: Any) -> Any:
    return UserFactory(username="otto", email="otto@example.com")


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin_api(admin: Any) -> APIClient:
    return _api(admin)


@pytest.fixture
def member_api(member: Any) -> APIClient:
    return _api(member)


@pytest.fixture
def other_api(other_member: Any) -> APIClient:
    return _api(other_member)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def project(db: Any) -> Any:
    return ProjectFactory(name="Apollo", hourly_rate="100.00")


@pytest.fixture
def task(project: Any) -> Any:
    return TaskFactory(project=project, name="Design")


# --- Analytics ------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _logs_in_a_temporary_directory(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The suite must not append to the checkout's logs/app.jsonl.
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["file"]["filename"] = str(tmp_path_factory.mktemp("logs") / "app.jsonl")
    logging.config.dictConfig(config)


@pytest.fixture(autouse=True)
def _analytics_strict_and_offline(settings: Any) -> None:
    # Unknown events and undeclared properties raise in tests; a developer's own
    # POSTHOG_API_KEY in .env must never make the suite talk to PostHog.
    settings.ANALYTICS_STRICT = True
    settings.ANALYTICS_POSTHOG_API_KEY = ""
    settings.ANALYTICS_POSTHOG_HOST = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _flags_strict(settings: Any) -> None:
    # A flag or switch name missing from apps.core.flags fails the test that reads it.
    settings.FLAGS_STRICT = True


@pytest.fixture
def analytics_events() -> Iterator[CapturedEvents]:
    """Every analytics event delivered during the test (after commit)."""
    with capture_events() as events:
        yield events


@pytest.fixture
def fake_posthog() -> Iterator[FakePostHog]:
    """A PostHog capture server on 127.0.0.1; enable it with analytics.testutils.posthog_enabled."""
    with FakePostHog() as server:
        yield server


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_web(admin: Any) -> Client:
    """Django's test client signed in as the admin persona (web UI)."""
    return _web(admin)


@pytest.fixture
def member_web(member: Any) -> Client:
    return _web(member)


@pytest.fixture
def other_web(other_member: Any) -> Client:
    return _web(other_member)


# --- Telemetry and the first-run setup ---------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "setup_pending: the first-run setup applies (pages redirect to /setup/ while no "
        "admin exists); without it every test runs as if setup were done",
    )


@pytest.fixture(autouse=True)
def _telemetry_offline_and_set_up(request: pytest.FixtureRequest, settings: Any) -> None:
    # Most tests create members without an admin: they must not be led to /setup/. Tests
    # of the setup flow opt in with @pytest.mark.setup_pending.
    from telemetry import setup

    if request.node.get_closest_marker("setup_pending") is None:
        settings.TELEMETRY_SETUP_NEEDED = "telemetry.testutils.setup_not_needed"
    # A developer's TELEMETRY_* in .env must never make the suite send a report.
    settings.TELEMETRY_API_KEY = ""
    settings.TELEMETRY_HOST = "http://127.0.0.1:9"
    settings.TELEMETRY_DEBUG = False
    settings.TELEMETRY_ENABLED = True
    settings.TELEMETRY_DO_NOT_TRACK = False
    setup.forget()
