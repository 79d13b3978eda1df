"""Property tests of the timer and entry services: hostile input never breaks the rules.

Hypothesis draws sequences of ``timer_start``, ``timer_stop``, ``entry_create``,
``entry_update`` and ``entry_delete`` calls for two users, with times from year 1 to 9999,
naive and aware, reversed, longer than a day, and notes full of control characters, on a
clock that the test moves forward. After every call the stored rows must still obey the
rules of a time entry; a service may refuse with ``ValidationError`` and nothing else.

Each example runs in a savepoint that is rolled back, so the examples share the users and
projects made once by the fixtures and leave nothing behind.
"""

from __future__ import annotations

import json
import os
import reprlib
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import example, given, note
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.timers import services
from apps.timers.models import Source, TimeEntry
from tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory, UserFactory
from tests.hypothesis_profiles import PROFILE

pytestmark = pytest.mark.django_db

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_START = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
ALLOWED_CONTROLS = {"\t", "\n", "\r"}
# The rules of a stored entry, stated here rather than imported, so the test does not
# move with the code it checks.
MAX_ENTRY_DURATION = timedelta(hours=24)
FUTURE_TOLERANCE = timedelta(minutes=1)
ZONES = [UTC, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")]
ZONES += [ZoneInfo("Asia/Kathmandu")]


# --- The world each example starts from ----------------------------------------------------
@dataclass
class World:
    users: list[Any]
    projects: list[Any]  # the last one is archived
    tasks: list[Any | None]  # None, a task of projects[0], a task of projects[1]


@pytest.fixture
def world(db: Any) -> World:
    users = [UserFactory(username="prop-a"), UserFactory(username="prop-b")]
    projects = [
        ProjectFactory(name="Prop one"),
        ProjectFactory(name="Prop two", billable=False),
        ProjectFactory(name="Prop archived", archived=True),
    ]
    tasks = [None, TaskFactory(project=projects[0]), TaskFactory(project=projects[1])]
    return World(users=users, projects=projects, tasks=tasks)


class Clock:
    """``timezone.now()`` for the services (and ``auto_now`` fields), moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def rolled_back(clock: Clock) -> Iterator[None]:
    """One example: the services see ``clock``; every write is undone afterwards."""
    with mock.patch("django.utils.timezone.now", clock), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


# --- Hostile values ------------------------------------------------------------------------
class Long(str):
    """A long note that prints as its length in Hypothesis' reports."""

    __slots__ = ()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"<{len(self)} characters>")


HOSTILE_NOTES = [
    "",
    "plain",
    "tab\tnew\nline\r\n",
    "nul\x00byte",
    "bell\x07",
    "escape\x1b[31m",
    "del\x7f",
    "c1\x85\x9f",
    "\ufffe\uffff",
    "\u202eevil",
    "=1+1",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "👩‍💻🚀",
    Long("x" * 5000),
    Long("x" * 5001),
    "lone \ud800 surrogate",
]
notes_st = st.one_of(
    st.sampled_from(HOSTILE_NOTES),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)

# A time is drawn as a description and resolved against the clock when the call is made:
# ("now", seconds) is the clock plus an offset, ("abs", datetime) is any datetime at all.
extreme_datetimes = st.one_of(
    st.sampled_from(
        [
            datetime(1, 1, 1, tzinfo=UTC),
            datetime(1, 1, 1),  # naive on purpose
            datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
            EPOCH,
            datetime(1970, 1, 1, 0, 0),
            datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2200, 1, 1, tzinfo=UTC),
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=ZoneInfo("Pacific/Kiritimati")),
            datetime(1, 1, 1, tzinfo=ZoneInfo("Pacific/Kiritimati")),
            datetime(1, 1, 1, tzinfo=ZoneInfo("America/Los_Angeles")),
        ]
    ),
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.one_of(st.none(), st.sampled_from(ZONES)),
    ),
)
near_now = st.integers(min_value=-3 * 86400, max_value=86400).map(lambda s: ("now", s))
naive_near_now = st.integers(min_value=-86400, max_value=3600).map(lambda s: ("naive", s))
start_st = st.one_of(
    near_now, near_now, naive_near_now, extreme_datetimes.map(lambda d: ("abs", d))
)
# An end is mostly relative to the start: reversed, empty, exactly a day, a second more.
span_st = st.one_of(
    st.sampled_from([-1, 0, 1, 86400, 86401, 90000, -86400]),
    st.integers(min_value=-7200, max_value=30 * 3600),
).map(lambda s: ("after", s))
end_st = st.one_of(span_st, span_st, start_st)


_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxdict = 60, 80, 8


def short(value: Any) -> str:
    """A repr that keeps messages readable when the notes are 5,000 characters long."""
    return _short.repr(value)


def resolve(spec: tuple[str, Any], clock: Clock, start: datetime | None = None) -> datetime:
    kind, value = spec
    try:
        if kind == "now":
            return clock.now + timedelta(seconds=value)
        if kind == "naive":
            return (clock.now + timedelta(seconds=value)).replace(tzinfo=None)
        if kind == "after":
            base = start if start is not None else clock.now
            return base + timedelta(seconds=value)
    except OverflowError:
        # The test's own arithmetic left datetime's range; the start itself is as hostile.
        return start if start is not None else clock.now
    return value  # type: ignore[no-any-return]


@dataclass
class Op:
    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"{self.name}({short(self.args)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


user_ix = st.integers(min_value=0, max_value=1)
project_ix = st.integers(min_value=0, max_value=2)
task_ix = st.integers(min_value=0, max_value=2)
pick = st.integers(min_value=0, max_value=50)


def _op(name: str, **args: st.SearchStrategy[Any]) -> st.SearchStrategy[Op]:
    return st.builds(Op, name=st.just(name), args=st.fixed_dictionaries(args))


op_st = st.one_of(
    _op(
        "timer_start",
        user=user_ix,
        project=project_ix,
        task=task_ix,
        notes=notes_st,
        billable=st.one_of(st.none(), st.booleans()),
    ),
    _op("timer_stop", user=user_ix),
    _op(
        "entry_create",
        user=user_ix,
        project=project_ix,
        task=task_ix,
        start=start_st,
        end=end_st,
        notes=notes_st,
    ),
    _op(
        "entry_update",
        pick=pick,
        changes=st.fixed_dictionaries(
            {},
            optional={
                "started_at": start_st,
                "ended_at": st.one_of(st.none(), end_st),
                "notes": notes_st,
                "billable": st.booleans(),
                "project": project_ix,
                "task": task_ix,
            },
        ),
    ),
    _op("entry_delete", pick=pick),
    _op(
        "advance",
        seconds=st.one_of(
            st.integers(min_value=0, max_value=120),
            st.integers(min_value=0, max_value=48 * 3600),
        ),
    ),
)


# --- Running the operations ----------------------------------------------------------------
class UnexpectedError(AssertionError):
    """A service raised something other than ValidationError: a bug, with where it was raised."""


def _place(frame: traceback.FrameSummary) -> str:
    """file:line, relative to the checkout or to site-packages."""
    path = frame.filename
    for marker in ("/site-packages/", f"{os.getcwd()}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{frame.lineno}"


def _unexpected(op: Op, exc: BaseException) -> UnexpectedError:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/apps/" in f.filename and "/tests/" not in f.filename]
    where = ours[-1] if ours else frames[-1]
    return UnexpectedError(
        f"{op!r} raised {type(exc).__name__}: {short(str(exc))} in {_place(where)} "
        f"(raised at {_place(frames[-1])})"
    )


def _call(op: Op, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ValidationError:
        return None
    except Exception as exc:  # every other exception is the finding
        raise _unexpected(op, exc) from exc


def _entries() -> list[TimeEntry]:
    return list(TimeEntry.objects.order_by("pk"))


def _picked(index: int) -> TimeEntry | None:
    ids = list(TimeEntry.objects.order_by("pk").values_list("pk", flat=True))
    return TimeEntry.objects.get(pk=ids[index % len(ids)]) if ids else None


def run(op: Op, world: World, clock: Clock) -> int | None:
    """Make one call; return the id of the entry it deletes (the only allowed loss)."""
    a = op.args
    if op.name == "advance":
        clock.now += timedelta(seconds=a["seconds"])
    elif op.name == "timer_start":
        _call(
            op,
            lambda: services.timer_start(
                user=world.users[a["user"]],
                project=world.projects[a["project"]],
                task=world.tasks[a["task"]],
                notes=a["notes"],
                billable=a["billable"],
            ),
        )
    elif op.name == "timer_stop":
        _call(op, lambda: services.timer_stop(user=world.users[a["user"]]))
    elif op.name == "entry_create":
        start = resolve(a["start"], clock)
        end = resolve(a["end"], clock, start)
        note(f"entry_create started_at={start!r} ended_at={end!r}")
        _call(
            op,
            lambda: services.entry_create(
                user=world.users[a["user"]],
                project=world.projects[a["project"]],
                task=world.tasks[a["task"]],
                started_at=start,
                ended_at=end,
                notes=a["notes"],
            ),
        )
    elif op.name == "entry_update":
        entry = _picked(a["pick"])
        if entry is None:
            return None
        data: dict[str, Any] = {}
        for name, value in a["changes"].items():
            if name == "started_at":
                data[name] = resolve(value, clock)
            elif name == "ended_at":
                base = data.get("started_at", entry.started_at)
                data[name] = None if value is None else resolve(value, clock, base)
            elif name == "project":
                data[name] = world.projects[value]
            elif name == "task":
                data[name] = world.tasks[value]
            else:
                data[name] = value
        note(f"entry_update of entry {entry.pk} (ended_at={entry.ended_at!r}) with {data!r}")
        _call(op, lambda: services.entry_update(entry=entry, data=data))
    elif op.name == "entry_delete":
        entry = _picked(a["pick"])
        if entry is None:
            return None
        deleted = entry.pk
        _call(op, lambda: services.entry_delete(entry=entry))
        return deleted
    return None


def bad_characters(text: str) -> list[str]:
    return [
        f"U+{ord(c):04X}"
        for c in text
        if c not in ALLOWED_CONTROLS
        and (unicodedata.category(c) == "Cc" or unicodedata.category(c) == "Cs")
    ]


def _timer_as_it_ran(op: Op, entry: TimeEntry, before: dict[int, TimeEntry]) -> bool:
    """A forgotten timer is stored as it ran, however long (TimeEntry.clean); it can be
    trimmed later. Only a stop may make it so, and later edits must not change its times."""
    if entry.source != Source.TIMER:
        return False
    old = before.get(entry.pk)
    if old is None:
        return False
    if old.ended_at is None:
        return op.name in {"timer_start", "timer_stop"}
    return (old.started_at, old.ended_at) == (entry.started_at, entry.ended_at)


def check_rows(op: Op, before: dict[int, TimeEntry], deleted: int | None, clock: Clock) -> None:
    """The rules every stored entry obeys, whatever the call before was."""
    after = {e.pk: e for e in _entries()}
    running: dict[int, list[int]] = {}
    for entry in after.values():
        if entry.ended_at is None:
            running.setdefault(entry.user_id, []).append(entry.pk)
    assert all(len(ids) <= 1 for ids in running.values()), (
        f"after {op.name}: more than one running timer: {running}"
    )

    finished_before = {pk for pk, e in before.items() if e.ended_at is not None}
    lost = finished_before - set(after) - {deleted}
    assert not lost, f"after {op!r}: finished entries {lost} disappeared"
    reopened = {pk for pk in finished_before & set(after) if after[pk].ended_at is None}
    assert not reopened, f"after {op.name}: finished entries {reopened} run again"

    for entry in after.values():
        label = f"after {op!r}: entry {entry.pk}"
        start, end = entry.started_at, entry.ended_at
        assert start >= EPOCH, f"{label} starts before 1970: {start!r}"
        assert start <= clock.now + FUTURE_TOLERANCE, f"{label} starts in the future"
        if end is not None:
            assert end >= start, f"{label} ends before it starts: {start!r} to {end!r}"
            assert end - start <= MAX_ENTRY_DURATION or _timer_as_it_ran(op, entry, before), (
                f"{label} lasts {end - start} (over 24 hours)"
            )
        assert len(entry.notes) <= TimeEntry._meta.get_field("notes").max_length, (
            f"{label} has {len(entry.notes)} characters of notes"
        )
        bad = bad_characters(entry.notes)
        assert not bad, f"{label} stores control characters {bad} in its notes"


# --- The properties --------------------------------------------------------------------------
@PROFILE
@given(ops=st.lists(op_st, min_size=1, max_size=12))
def test_any_sequence_of_calls_keeps_every_entry_valid(world: World, ops: list[Op]) -> None:
    clock = Clock(CLOCK_START)
    with rolled_back(clock):
        for op in ops:
            before = {e.pk: e for e in _entries()}
            deleted = run(op, world, clock)
            check_rows(op, before, deleted, clock)


@PROFILE
@given(start=start_st, end=end_st, notes=notes_st)
@example(start=("abs", datetime(1, 1, 1, tzinfo=ZONES[2])), end=("after", 60), notes="")
@example(start=("abs", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)), end=("after", 60), notes="")
@example(start=("now", -3600), end=("after", 60), notes=Long("x" * 5001))
def test_entry_create_stores_a_valid_entry_or_refuses(
    world: World, start: tuple[str, Any], end: tuple[str, Any], notes: str
) -> None:
    clock = Clock(CLOCK_START)
    with rolled_back(clock):
        op = Op(
            "entry_create",
            {"user": 0, "project": 0, "task": 0, "start": start, "end": end, "notes": notes},
        )
        run(op, world, clock)
        check_rows(op, {}, None, clock)


@PROFILE
@given(field_name=st.sampled_from(["started_at", "ended_at"]), value=start_st, notes=notes_st)
def test_entry_update_keeps_a_finished_entry_valid(
    world: World, field_name: str, value: tuple[str, Any], notes: str
) -> None:
    clock = Clock(CLOCK_START)
    with rolled_back(clock):
        entry = TimeEntryFactory(
            user=world.users[0],
            project=world.projects[0],
            started_at=CLOCK_START - timedelta(hours=3),
            ended_at=CLOCK_START - timedelta(hours=2),
        )
        before = {entry.pk: entry}
        op = Op("entry_update", {"pick": 0, "changes": {field_name: value, "notes": notes}})
        run(op, world, clock)
        check_rows(op, before, None, clock)


@PROFILE
@given(notes=notes_st, running_for=st.integers(min_value=0, max_value=48 * 3600))
# Always tried, whatever the random draw: one character over the limit, and a NUL.
@example(notes=Long("x" * 5001), running_for=60)
@example(notes="nul\x00byte", running_for=25 * 3600)
def test_timer_start_and_stop_store_valid_entries(
    world: World, notes: str, running_for: int
) -> None:
    clock = Clock(CLOCK_START)
    with rolled_back(clock):
        start = Op(
            "timer_start", {"user": 0, "project": 0, "task": 1, "notes": notes, "billable": None}
        )
        run(start, world, clock)
        check_rows(start, {}, None, clock)
        clock.now += timedelta(seconds=running_for)
        before = {e.pk: e for e in _entries()}
        stop = Op("timer_stop", {"user": 0})
        run(stop, world, clock)
        check_rows(stop, before, None, clock)


# --- The same rule at the API's door ---------------------------------------------------------
@pytest.mark.parametrize("timer_running", [False, True], ids=["no-timer", "timer-running"])
def test_patching_away_the_end_of_a_finished_entry_answers_400(
    member: Any, member_api: APIClient, project: Any, timer_running: bool
) -> None:
    finished = TimeEntryFactory(user=member, project=project)
    if timer_running:
        services.timer_start(user=member, project=project)
    response = member_api.patch(
        f"/api/v1/time-entries/{finished.pk}/", {"ended_at": None}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "ended_at" in response.json()
    finished.refresh_from_db()
    assert finished.ended_at is not None
    assert TimeEntry.objects.filter(user=member, ended_at__isnull=True).count() == (
        1 if timer_running else 0
    )


# --- Hostile times as the API receives them: strings ----------------------------------------
iso_st = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-12:00",
            "9999-12-31T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "2199-12-31T23:59:59Z",
            "2200-01-01T00:00:00Z",
            "2026-03-09T11:00:00",
            "2026-03-09T11:00:00+05:45",
            "2026-03-09T11:00:00.999999999Z",
            "2026-02-30T10:00:00Z",
            "99999-01-01T00:00:00Z",
            "garbage",
            "",
        ]
    ),
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.one_of(st.none(), st.sampled_from(ZONES)),
    ).map(lambda d: d.isoformat()),
    st.integers(min_value=-3 * 86400, max_value=3600).map(
        lambda s: (CLOCK_START + timedelta(seconds=s)).isoformat()
    ),
)


def _api_call(client: APIClient, method: str, url: str, data: dict[str, Any]) -> int:
    op = Op(f"{method.upper()} {url}", data)
    try:
        # Encoded here as a browser would (json.dumps escapes lone surrogates); the test
        # client's own encoder cannot encode them.
        body = json.dumps(data)
        response = getattr(client, method)(url, body, content_type="application/json")
    except Exception as exc:  # a view that raises, even ValidationError, is a 500
        raise _unexpected(op, exc) from exc
    assert response.status_code < 500, f"{op!r} answered {response.status_code}"
    return int(response.status_code)


@PROFILE
@given(started=iso_st, ended=st.one_of(st.none(), iso_st), notes=notes_st)
def test_the_entry_api_refuses_hostile_times_with_400_never_500(
    world: World, started: str, ended: str | None, notes: str
) -> None:
    clock = Clock(CLOCK_START)
    client = APIClient()
    client.force_authenticate(world.users[0])
    with rolled_back(clock):
        project = world.projects[0].pk
        data = {"project": project, "started_at": started, "ended_at": ended, "notes": notes}
        status = _api_call(client, "post", "/api/v1/time-entries/", data)
        assert status in (201, 400), f"POST answered {status}"
        check_rows(Op("POST", data), {}, None, clock)

        entry = TimeEntryFactory(
            user=world.users[0],
            project=world.projects[0],
            started_at=CLOCK_START - timedelta(hours=3),
            ended_at=CLOCK_START - timedelta(hours=2),
        )
        before = {e.pk: e for e in _entries()}
        changes = {"started_at": started, "notes": notes}
        if ended is not None:
            changes["ended_at"] = ended
        status = _api_call(client, "patch", f"/api/v1/time-entries/{entry.pk}/", changes)
        assert status in (200, 400), f"PATCH answered {status}"
        check_rows(Op("PATCH", changes), before, None, clock)

        status = _api_call(
            client, "post", "/api/v1/timer/start/", {"project": project, "notes": notes}
        )
        assert status in (201, 400), f"timer start answered {status}"
        check_rows(Op("timer start", {"notes": notes}), {}, None, clock)
