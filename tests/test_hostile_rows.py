"""Whatever the database holds, every page, export and API answer renders it.

The rows here are written straight into the database (``bulk_create``), past every form,
serializer and service: times at the edges of the supported range (1970-01-01T00:00Z to
just before 2200-01-01T00:00Z), empty and exactly-24-hour entries, a timer running since
1970; names and notes with every control character, non-characters, right-to-left
overrides, emoji, spreadsheet formulas, HTML, and the longest value each field takes;
client currencies that are no ISO code (reports then list amounts in a dozen currencies).
Then an admin looks at all of it from four time zones, including the ones 14 hours ahead
and 5:45 ahead of UTC. Every answer must be a 200 and every file must open.

A page whose content shows no stored time (the edit forms of projects, tasks and clients,
their admin pages) differs from one zone to another only in what every page shows in
that zone (the running timer in the header, the rows' creation times, now): its hostile
texts are the same in every zone. Those pages are visited for every row in the first
zone and for one row of each kind in the others (:func:`every_row`); the pages of time
entries, whose stored times are the hostile ones, for every row in every zone.

A second test sends hostile dates in query strings: they are refused with a 400 naming
the field (API, exports) or a form error (pages), never a server error.
"""

from __future__ import annotations

import csv
import io
import json
import os
import traceback
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client as WebClient
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from waffle.testutils import override_flag

from apps.accounts.models import Profile, Role
from apps.accounts.services import api_token_create
from apps.clients.models import Client
from apps.core import flags
from apps.projects.models import Project
from apps.reports.selectors import GROUPINGS
from apps.tags.models import Tag
from apps.tasks.models import Task
from apps.timers.models import Source, TimeEntry
from apps.timesheet.services import calendar_feed_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Asia/Kathmandu"]
# The only model whose rows hold hostile times; the others' times are when they were written.
HOSTILE_TIMES = frozenset({TimeEntry})
FORMATS = ("csv", "xlsx", "json", "ics")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_STORABLE = datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
DAY = timedelta(hours=24)
# Cells a spreadsheet would run as a formula (what the exports promise to neutralise).
FORMULA_STARTS = ("=", "+", "-", "@")


# --- The hostile values ------------------------------------------------------------------
def controls() -> str:
    """Every C0 and C1 control character and DEL; PostgreSQL cannot store NUL in text."""
    codes = [*range(0x20), *range(0x7F, 0xA0)]
    if connection.vendor == "postgresql":
        codes.remove(0x00)
    return "".join(chr(code) for code in codes)


def hostile_texts(max_length: int) -> list[str]:
    """Distinct hostile values that each fit in ``max_length`` characters."""
    values = [
        "controls " + controls(),
        "noncharacters \ufffe\uffff end",
        "=1+1",
        "@SUM(A1:A9)",
        "+41 (0)44 000 00 00",
        "-2+3",
        "<script>alert('xss')</script>",
        "\u202eevil\u202c reversed",
        "emoji 👩‍💻🚀🧪",
        "W" * max_length,
        "長" * max_length,
        "😀" * max_length,
    ]
    return [value[:max_length] for value in values]


def hostile_currencies() -> list[str]:
    """Client currencies no door accepts, each within the column's three characters."""
    return [
        controls()[:3],
        "<b>",
        "=1+",
        "@SU",
        "-2+",
        "\u202eab",
        "😀😀😀",
        "長長長",
        "eur",  # lower case: the service writes upper case
        "ZZZ",  # three letters, but no currency
        "\ufffe\uffff",
        "EUR",
    ]


def max_length(model: type[Any], name: str) -> int:
    length = model._meta.get_field(name).max_length
    assert length, f"{model.__name__}.{name} has no max_length"
    return int(length)


# (started_at, ended_at) of the finished rows: the edges of the range, empty, exactly a day.
def spans(now: datetime) -> list[tuple[datetime, datetime]]:
    recent = now.replace(microsecond=0) - timedelta(days=2)
    return [
        (EARLIEST, EARLIEST + timedelta(hours=1)),
        (EARLIEST, EARLIEST),
        (EARLIEST, EARLIEST + DAY),
        (LATEST_STORABLE, LATEST_STORABLE),
        (LATEST_STORABLE - DAY, LATEST_STORABLE),
        (recent, recent),
        (recent, recent + DAY),
        (recent - timedelta(hours=3), recent - timedelta(hours=1)),
    ]


@dataclass
class Rows:
    viewer: Any  # the admin persona (role admin), for the web UI and the API
    root: Any  # a superuser, for the Django admin
    users: list[Any]
    clients: list[Client]
    projects: list[Project]
    tasks: list[Task]
    entries: list[TimeEntry]
    tz: ZoneInfo

    def periods(self) -> list[tuple[date, date]]:
        """Report periods covering the rows, as days in the viewer's zone, within range."""
        today = timezone.localdate(timezone=self.tz)
        return [
            (date(1970, 1, 1), date(1970, 1, 7)),
            (today - timedelta(days=7), today),
            (date(2199, 12, 25), date(2199, 12, 31)),
        ]


def store_hostile_rows(viewer: Any, zone: str) -> Rows:
    """Write the rows with ``bulk_create``: no validation, no service, no signal."""
    user_model = get_user_model()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for person in (viewer, root):
        Profile.objects.filter(user=person).update(timezone=zone, role=Role.ADMIN)

    names = hostile_texts(max_length(user_model, "username"))
    firsts = hostile_texts(max_length(user_model, "first_name"))
    lasts = hostile_texts(max_length(user_model, "last_name"))
    users = user_model.objects.bulk_create(
        [
            user_model(username=name, first_name=first, last_name=last, email=f"u{i}@example.com")
            for i, (name, first, last) in enumerate(zip(names, firsts, lasts, strict=True))
        ]
    )
    users = list(user_model.objects.filter(email__in=[u.email for u in users]).order_by("pk"))
    # Half of them with a profile, half without (rows older than the profile table).
    Profile.objects.bulk_create(
        [Profile(user=u, timezone=zone, role=Role.MEMBER) for u in users[::2]]
    )
    currencies = hostile_currencies()
    clients = Client.objects.bulk_create(
        [
            Client(name=name, currency=currencies[i % len(currencies)])
            for i, name in enumerate(hostile_texts(max_length(Client, "name")))
        ]
    )
    projects = Project.objects.bulk_create(
        [
            Project(name=name, client=client, hourly_rate="99999999.99", budget_hours="0.01")
            for name, client in zip(
                hostile_texts(max_length(Project, "name")), clients, strict=True
            )
        ]
    )
    tasks = Task.objects.bulk_create(
        [
            Task(name=name, project=project)
            for name, project in zip(hostile_texts(max_length(Task, "name")), projects, strict=True)
        ]
    )

    now = timezone.now()
    notes = hostile_texts(max_length(TimeEntry, "notes"))
    rows = spans(now)
    entries = []
    for i, text in enumerate(notes):
        started, ended = rows[i % len(rows)]
        entries.append(
            TimeEntry(
                user=users[i],
                project=projects[i],
                task=tasks[i],
                started_at=started,
                ended_at=ended,
                notes=text,
                billable=i % 2 == 0,
                source=Source.MANUAL,
            )
        )
    # Every span once more for the viewer, with every control character in the notes.
    entries += [
        TimeEntry(
            user=viewer,
            project=projects[0],
            started_at=started,
            ended_at=ended,
            notes=notes[0],
            source=Source.TIMER,
        )
        for started, ended in rows
    ]
    # Timers forgotten long ago: the viewer's own (the dashboard shows it) and another's.
    entries += [
        TimeEntry(user=viewer, project=projects[1], task=tasks[1], started_at=EARLIEST),
        TimeEntry(user=users[1], project=projects[2], started_at=datetime(2000, 1, 1, tzinfo=UTC)),
    ]
    TimeEntry.objects.bulk_create(entries)
    # Tags with every hostile name: one per entry, and all of them on the viewer's entries.
    tags = Tag.objects.bulk_create(
        [Tag(name=name) for name in hostile_texts(max_length(Tag, "name"))]
    )
    stored = list(TimeEntry.objects.order_by("pk"))
    through = TimeEntry.tags.through
    through.objects.bulk_create(
        [through(timeentry=entry, tag=tags[i % len(tags)]) for i, entry in enumerate(stored)]
        + [
            through(timeentry=entry, tag=tag)
            for entry in stored
            if entry.user_id == viewer.pk
            for tag in tags
            if tag != tags[stored.index(entry) % len(tags)]
        ]
    )
    api_token_create(user=root, name="=1+1 \u202e hostile")
    return Rows(
        viewer=viewer,
        root=root,
        users=users,
        clients=list(Client.objects.order_by("pk")),
        projects=list(Project.objects.order_by("pk")),
        tasks=list(Task.objects.order_by("pk")),
        entries=list(TimeEntry.objects.order_by("pk")),
        tz=ZoneInfo(zone),
    )


# --- Visiting, and collecting every problem rather than stopping at the first --------------
def _place(frame: traceback.FrameSummary) -> str:
    path = frame.filename
    for marker in ("/site-packages/", f"{os.getcwd()}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{frame.lineno}"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [
        f
        for f in frames
        if "site-packages" not in f.filename
        and "/tests/" not in f.filename
        and f.filename.startswith(os.getcwd())
    ]
    return f"{_place(ours[-1]) if ours else '?'} (raised at {_place(frames[-1])})"


@dataclass
class Visit:
    status: int
    body: bytes
    response: Any


@dataclass
class Visitor:
    """GETs URLs with one client; records failures as readable lines instead of raising."""

    client: WebClient | APIClient
    label: str
    problems: list[str] = field(default_factory=list)

    def get(self, url: str, *, expect: int | None = 200, follow: bool = False) -> Visit | None:
        try:
            # A savepoint per request: a database error in one view must not poison the next.
            with transaction.atomic():
                response = self.client.get(url, follow=follow)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
        except Exception as exc:  # noqa: BLE001 (the finding: reported with where it was raised)
            text = str(exc).splitlines()[0][:160] if str(exc) else ""
            self.problems.append(
                f"[{self.label}] GET {url}: {type(exc).__name__}: {text} at {_where(exc)}"
            )
            return None
        if expect is not None and response.status_code != expect:
            self.problems.append(
                f"[{self.label}] GET {url}: status {response.status_code}, expected {expect}: "
                f"{body[:200]!r}"
            )
        return Visit(status=response.status_code, body=body, response=response)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(f"[{self.label}] {message}")


def report(visitors: list[Visitor]) -> None:
    problems = [line for v in visitors for line in v.problems]
    if problems:
        pytest.fail(f"{len(problems)} problems:\n" + "\n".join(problems), pytrace=False)


def _web(user: Any) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(params=ZONES)
def rows(request: pytest.FixtureRequest, admin: Any) -> Iterator[Rows]:
    with (
        override_flag(flags.EXPORT_XLSX, active=True),
        override_flag(flags.EXPORT_ICS, active=True),
    ):
        yield store_hostile_rows(admin, request.param)


def every_row(rows: Rows, model: type[Any]) -> bool:
    """Whether a page per row of ``model`` is visited in this zone, or one for the first row.

    Every row in the first zone and wherever the model holds hostile times; elsewhere a
    page of the first row proves the zone's part (see the module docstring).
    """
    return rows.tz.key == ZONES[0] or model in HOSTILE_TIMES


def some(rows: Rows, model: type[Any], objects: list[Any]) -> list[Any]:
    return objects if every_row(rows, model) else objects[:1]


def _html_is_escaped(visitor: Visitor, url: str, visit: Visit | None) -> None:
    if visit is not None:
        visitor.check(b"<script>alert(" not in visit.body, f"GET {url}: unescaped <script> in HTML")


def _params(start: date | None = None, end: date | None = None, **extra: Any) -> str:
    values = {"start": start, "end": end, **extra}
    query = "&".join(f"{k}={v}" for k, v in values.items() if v is not None)
    return f"?{query}" if query else ""


# --- Files: each export must open and keep its promises ------------------------------------
def check_file(visitor: Visitor, url: str, fmt: str, body: bytes) -> None:
    try:
        if fmt == "csv":
            cells = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            header = cells[0]
            text_columns = [
                header.index(n)
                for n in ("user", "client", "project", "task", "notes", "currency", "tags")
            ]
            for line in cells[1:]:
                for column in text_columns:
                    visitor.check(
                        not line[column].startswith(FORMULA_STARTS),
                        f"GET {url}: CSV cell {line[column][:20]!r} would run as a formula",
                    )
        elif fmt == "xlsx":
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(body))
            for row in book.active.iter_rows():
                for cell in row:
                    formula = cell.data_type == "f" and not str(cell.value).startswith("=SUM(")
                    visitor.check(
                        not formula, f"GET {url}: XLSX cell {cell.coordinate} is a formula"
                    )
        elif fmt == "json":
            data = json.loads(body)
            visitor.check(isinstance(data.get("entries"), list), f"GET {url}: no entries list")
        elif fmt == "ics":
            text = body.decode("utf-8")
            visitor.check(text.startswith("BEGIN:VCALENDAR"), f"GET {url}: not a calendar")
            visitor.check(text.rstrip("\r\n").endswith("END:VCALENDAR"), f"GET {url}: cut short")
            bad = sorted(
                {f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc"}
                - {"U+0009", "U+000A", "U+000D"}
            )
            visitor.check(
                not bad,
                f"GET {url}: {len(bad)} control characters ({', '.join(bad[:4])}...) in ICS",
            )
    except Exception as exc:  # noqa: BLE001 (a file that does not open is the finding)
        visitor.problems.append(
            f"[{visitor.label}] GET {url}: the {fmt} file does not open: "
            f"{type(exc).__name__}: {str(exc)[:160]} at {_where(exc)}"
        )


# --- The tests ---------------------------------------------------------------------------
def test_every_web_page_renders_the_hostile_rows(rows: Rows) -> None:
    web = Visitor(_web(rows.viewer), f"web {rows.tz.key}")
    urls = [
        "/",
        "/entries/",
        "/entries/?page=2",
        "/entries/new/",
        "/projects/",
        "/projects/?archived=1",
        "/projects/new/",
        "/clients/",
        "/clients/new/",
        "/reports/",
        "/accounts/profile/",
        "/accounts/password/",
        "/timesheet/",
        "/calendar/",
        "/calendar/?view=month",
        "/calendar/feed/",
    ]
    for tag in Tag.objects.all():
        urls += [f"/entries/?tag={tag.pk}", f"/reports/?group_by=tag&tag={tag.pk}"]
    for start, end in rows.periods():
        urls.append(f"/entries/{_params(start, end)}")
        urls += [
            f"/timesheet/?week={start.isoformat()}",
            f"/calendar/?view=week&date={start.isoformat()}",
            f"/calendar/?view=month&date={start.isoformat()}",
        ]
        urls += [f"/reports/{_params(start, end, group_by=g)}" for g in GROUPINGS]
    for entry in rows.entries:
        urls += [f"/entries/{entry.pk}/edit/", f"/entries/{entry.pk}/delete/"]
    # A project's page lists its entries (hostile times): every project in every zone.
    urls += [f"/projects/{project.pk}/" for project in rows.projects]
    # Forms and lists that show no stored time: see every_row().
    for project in some(rows, Project, rows.projects):
        urls += [f"/projects/{project.pk}/edit/", f"/projects/{project.pk}/tasks/new/"]
        urls.append(f"/projects/?client={project.client_id}")
    urls += [f"/tasks/{task.pk}/edit/" for task in some(rows, Task, rows.tasks)]
    urls += [f"/clients/{client.pk}/edit/" for client in some(rows, Client, rows.clients)]
    for url in urls:
        _html_is_escaped(web, url, web.get(url))
    report([web])


def test_every_export_opens_with_the_hostile_rows(rows: Rows) -> None:
    web = Visitor(_web(rows.viewer), f"web export {rows.tz.key}")
    api = Visitor(_api(rows.viewer), f"api export {rows.tz.key}")
    queries = [
        "",
        *(_params(start, end) for start, end in rows.periods()),
        f"?tag={Tag.objects.order_by('pk')[0].pk}",
    ]
    for fmt in FORMATS:
        for query in queries:
            url = f"/reports/export.{fmt}{query}"
            if (visit := web.get(url)) is not None and visit.status == 200:
                check_file(web, url, fmt, visit.body)
            sep = "&" if query else "?"
            url = f"/api/v1/time-entries/export/{query}{sep}format={fmt}"
            if (visit := api.get(url)) is not None and visit.status == 200:
                check_file(api, url, fmt, visit.body)
    # The viewer's calendar feed: the same ICS writer, read without a session.
    _feed, key = calendar_feed_create(user=rows.viewer)
    feed = Visitor(WebClient(), f"calendar feed {rows.tz.key}")
    url = f"/calendar/feed/{key}.ics"
    if (visit := feed.get(url)) is not None and visit.status == 200:
        check_file(feed, url, "ics", visit.body)
    report([web, api, feed])


def test_every_api_list_renders_the_hostile_rows(rows: Rows) -> None:
    api = Visitor(_api(rows.viewer), f"api {rows.tz.key}")
    urls = [
        "/api/v1/time-entries/",
        "/api/v1/projects/",
        "/api/v1/clients/",
        "/api/v1/tasks/",
        "/api/v1/timer/",
        "/api/v1/timesheet/",
        "/api/v1/timesheet/?week=1970-W01",
        "/api/v1/timesheet/?week=2199-12-31",
        "/api/v1/time-entries/?modified_after=1970-01-01T00:00:00Z",
        "/api/v1/tags/",
        *(f"/api/v1/time-entries/?tag={tag.pk}" for tag in Tag.objects.all()),
    ]
    for start, end in rows.periods():
        urls.append(f"/api/v1/time-entries/{_params(start, end)}")
        urls += [f"/api/v1/reports/summary/{_params(start, end, group_by=g)}" for g in GROUPINGS]
    urls += [f"/api/v1/time-entries/{entry.pk}/" for entry in rows.entries]
    urls += [f"/api/v1/projects/{project.pk}/" for project in rows.projects]
    urls += [f"/api/v1/clients/{client.pk}/" for client in rows.clients]
    urls += [f"/api/v1/tasks/{task.pk}/" for task in rows.tasks]
    for url in urls:
        visit = api.get(url)
        if visit is not None and visit.status == 200:
            try:
                json.loads(visit.body)
            except ValueError as exc:
                api.check(False, f"GET {url}: not JSON: {exc}")
    report([api])


def test_every_admin_page_renders_the_hostile_rows(rows: Rows) -> None:
    site = Visitor(_web(rows.root), f"django admin {rows.tz.key}")
    for model in django_admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        _html_is_escaped(site, changelist, site.get(changelist, follow=True))
        for obj in model._default_manager.all()[: 40 if every_row(rows, model) else 1]:
            try:
                url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]
                )
            except NoReverseMatch:
                break  # an admin of its own pages (telemetry): its changelist is the page
            _html_is_escaped(site, url, site.get(url, follow=True))
    report([site])


# --- Hostile dates in query strings --------------------------------------------------------
VALID = {"start": "2026-03-01", "end": "2026-03-31"}
HOSTILE_DATES = [
    ("end", "9999-12-31"),
    ("start", "0001-01-01"),
    ("start", "1969-12-31"),
    ("end", "2200-01-01"),
    ("start", "99999-01-01"),
    ("start", "garbage"),
]
EDGE_QUERIES = ["?start=1970-01-01&end=1970-01-31", "?start=2199-12-01&end=2199-12-31"]


def _query(name: str, value: str) -> str:
    values = {**VALID, name: value}
    return "?" + "&".join(f"{k}={v}" for k, v in values.items())


def _api_names_field(visitor: Visitor, url: str, visit: Visit | None, name: str) -> None:
    if visit is None or visit.status != 400:
        return
    try:
        body = json.loads(visit.body)
    except ValueError:
        visitor.check(False, f"GET {url}: the 400 is not JSON: {visit.body[:120]!r}")
        return
    visitor.check(
        isinstance(body, dict) and name in body, f"GET {url}: the 400 does not name {name}: {body}"
    )


def _form_has_error(visitor: Visitor, url: str, visit: Visit | None, name: str) -> None:
    if visit is None:
        return
    visitor.check(visit.status in (200, 400), f"GET {url}: status {visit.status}")
    context = visit.response.context
    form = context.get("form") if context is not None else None
    visitor.check(
        form is not None and name in form.errors,
        f"GET {url}: no form error for {name} ({getattr(form, 'errors', None)})",
    )


@pytest.mark.parametrize("zone", ZONES)
def test_hostile_dates_in_query_strings_are_refused_not_crashed(admin: Any, zone: str) -> None:
    Profile.objects.filter(user=admin).update(timezone=zone)
    web = Visitor(_web(admin), f"web {zone}")
    api = Visitor(_api(admin), f"api {zone}")
    with (
        override_flag(flags.EXPORT_XLSX, active=True),
        override_flag(flags.EXPORT_ICS, active=True),
    ):
        for name, value in HOSTILE_DATES:
            query = _query(name, value)
            for page in ("/entries/", "/reports/"):
                url = page + query
                _form_has_error(web, url, web.get(url, expect=None), name)
            for fmt in FORMATS:
                url = f"/reports/export.{fmt}{query}"
                visit = web.get(url, expect=400)
                web.check(
                    visit is None or name.encode() in visit.body,
                    f"GET {url}: the 400 does not name {name}",
                )
                url = f"/api/v1/time-entries/export/{query}&format={fmt}"
                _api_names_field(api, url, api.get(url, expect=400), name)
            for path in ("/api/v1/time-entries/", "/api/v1/reports/summary/"):
                url = path + query
                _api_names_field(api, url, api.get(url, expect=400), name)
        # The first and the last day of the range are fine everywhere.
        for query in EDGE_QUERIES:
            for url in (
                f"/entries/{query}",
                f"/reports/{query}",
                *(f"/reports/export.{fmt}{query}" for fmt in FORMATS),
                f"/api/v1/time-entries/{query}",
                f"/api/v1/reports/summary/{query}",
                *(f"/api/v1/time-entries/export/{query}&format={fmt}" for fmt in FORMATS),
            ):
                (api if url.startswith("/api/") else web).get(url)
    report([web, api])


# --- Sending a form back as it was shown -----------------------------------------------------
def form_data(form: Any) -> dict[str, str | list[str]]:
    """What a browser submits for ``form`` unchanged: each field's value as rendered."""
    from django.forms import CheckboxInput

    data: dict[str, str | list[str]] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
            continue
        if value is None:
            continue
        shown = bound.field.widget.format_value(value)
        if isinstance(shown, list):  # selects: the chosen option values
            data[bound.html_name] = [str(v) for v in shown]
        else:
            data[bound.html_name] = "" if shown is None else str(shown)
    return data


def resubmit(visitor: Visitor, url: str, *, form_key: str = "form", post_to: str = "") -> None:
    """GET ``url``, then POST its form back untouched: a redirect or a form error, not a 500."""
    visit = visitor.get(url)
    if visit is None or visit.response.context is None:
        return
    context = visit.response.context
    form = context.get(form_key) if form_key != "idle" else (context.get("idle") or {}).get("form")
    if form is None:
        visitor.check(form_key == "idle", f"GET {url}: no {form_key} in the page")
        return
    target = post_to or url
    try:
        with transaction.atomic():
            response = visitor.client.post(target, form_data(form))
    except Exception as exc:  # noqa: BLE001 (the finding: reported with where it was raised)
        visitor.problems.append(
            f"[{visitor.label}] POST {target} (the form of {url} unchanged): "
            f"{type(exc).__name__}: {str(exc)[:160]} at {_where(exc)}"
        )
        return
    visitor.check(
        response.status_code in (200, 302, 400),
        f"POST {target} (the form of {url} unchanged): status {response.status_code}",
    )


def test_every_edit_form_of_a_hostile_row_can_be_sent_back(rows: Rows) -> None:
    web = Visitor(_web(rows.viewer), f"web forms {rows.tz.key}")
    # The forgotten timer since 1970: the dashboard offers to trim it; accept the offer.
    resubmit(web, "/", form_key="idle", post_to="/timer/trim/")
    for entry in rows.entries:
        resubmit(web, f"/entries/{entry.pk}/edit/")
    # Forms that show no stored time: every row in the first zone (see every_row()).
    for project in some(rows, Project, rows.projects):
        resubmit(web, f"/projects/{project.pk}/edit/")
    for task in some(rows, Task, rows.tasks):
        resubmit(web, f"/tasks/{task.pk}/edit/")
    for client in some(rows, Client, rows.clients):
        resubmit(web, f"/clients/{client.pk}/edit/")
    resubmit(web, "/accounts/profile/")
    report([web])
