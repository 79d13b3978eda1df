"""The one door for imports of time entries: the command, the upload page and the job.

:func:`import_entries` reads a CSV export of Toggl Track, Clockify or Kimai, maps its rows
to users (by e-mail), clients, projects and tasks, and records each row through the
timers service ``entry_create`` (so validation and events are those of every entry). It
works in one transaction: when any row cannot be read, or on a dry run, everything is
rolled back and the report says what would have been created and why each bad row was
refused (by line number). A row equal to an entry already stored (same person, project,
task, start, end and notes) is skipped, so importing a file twice adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.accounts.selectors import user_timezone
from apps.clients.models import Client
from apps.clients.services import client_create
from apps.core.services import send_on_commit
from apps.imports import signals
from apps.imports.formats import FORMATS, Format, ParsedRow, RowError, header_map, parse_row
from apps.projects.models import Project
from apps.projects.services import project_create
from apps.tags.models import Tag
from apps.tasks.models import Task
from apps.tasks.services import task_create
from apps.timers.models import TimeEntry
from apps.timers.services import entry_create

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
# A cell longer than this is not an export of a time tracker (notes are at most 5,000).
MAX_CELL = 20_000
# The report lists this many problems; the rest are counted.
MAX_PROBLEMS = 500


class ProgressReporter(Protocol):
    def stage(self, name: str, *, total: int | None = None) -> None: ...

    def advance(self, done: int) -> None: ...


class _NoProgress:
    def stage(self, name: str, *, total: int | None = None) -> None:
        pass

    def advance(self, done: int) -> None:
        pass


@dataclass
class ImportReport:
    format: str
    dry_run: bool
    timezone: str
    imported: bool = False
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    problems_total: int = 0
    new_clients: list[str] = field(default_factory=list)
    new_projects: list[str] = field(default_factory=list)
    new_tasks: list[str] = field(default_factory=list)
    new_tags: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def problem(self, line: int, message: str) -> None:
        self.problems_total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"line": line, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rollback(Exception):
    """Undo the import's transaction (a dry run, or rows that cannot be imported)."""


def _invalid(message: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code="invalid")})


def decode(data: bytes) -> str:
    """The file as text: UTF-8 (with or without a byte-order mark) or UTF-16 with one."""
    if len(data) > MAX_BYTES:
        raise _invalid(
            _("The file is larger than %(megabytes)d MB; split it.")
            % {"megabytes": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise _invalid(_("The file is empty."))
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _invalid(
            _(
                "Line %(line)d: the file is not UTF-8 text (byte %(byte)d); export it again "
                "as CSV in UTF-8."
            )
            % {"line": line, "byte": exc.start + 1}
        ) from None


def _text(data: bytes) -> str:
    text = decode(data)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise _invalid(
            _("Line %(line)d: the file contains a NUL character; it is not CSV text.")
            % {"line": line}
        )
    return text


def _delimiter(header_line: str) -> str:
    return max((",", ";", "\t"), key=header_line.count)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record; a record with quoted line breaks counts once."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _invalid(
                _("Line %(line)d: this is not valid CSV (%(problem)s).")
                % {"line": reader.line_num, "problem": exc}
            ) from None
        for cell in cells:
            if len(cell) > MAX_CELL:
                raise _invalid(
                    _(
                        "Line %(line)d: a cell is longer than %(limit)d characters; this is not "
                        "a time tracker's export."
                    )
                    % {"line": line, "limit": MAX_CELL}
                )
        yield line, cells
        line = reader.line_num + 1


def timezone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {
                "timezone": _("%(name)s is not a time zone (such as Europe/Berlin).")
                % {"name": repr(name[:60])}
            }
        ) from None


@dataclass
class _Plan:
    rows: list[ParsedRow]
    users: dict[str, User]
    clients: dict[str, Client | None]  # lower name -> client; None: to create
    projects: dict[tuple[str, str], Project | None]  # (client, project) lower
    tasks: dict[tuple[str, str, str], Task | None]


def _key(text: str) -> str:
    return text.strip().lower()


def _read(
    fmt: Format, text: str, tz: ZoneInfo, report: ImportReport, progress: ProgressReporter
) -> list[ParsedRow]:
    records = _rows(text)
    first = next(records, None)
    if first is None:
        raise _invalid(_("The file is empty."))
    positions, missing, ignored = header_map(fmt, first[1])
    if missing:
        raise _invalid(
            _("Line 1: this is not a %(format)s file; it lacks the column(s) %(columns)s.")
            % {"format": fmt.label, "columns": ", ".join(missing)}
        )
    report.ignored_columns = ignored
    records_list = list(records)
    if len(records_list) > MAX_ROWS:
        raise _invalid(_("The file has more than %(limit)d rows; split it.") % {"limit": MAX_ROWS})
    # Stored with the job in English; the job page shows it in the reader's language.
    progress.stage(gettext_noop("Checking rows"), total=len(records_list))
    parsed: list[ParsedRow] = []
    for done, (line, cells) in enumerate(records_list, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        try:
            parsed.append(parse_row(fmt, positions, cells, line=line, tz=tz))
        except RowError as exc:
            report.problem(line, str(exc))
        progress.advance(done)
    if report.rows == 0:
        raise _invalid(_("The file has a header but no rows."))
    return parsed


def _plan(rows: list[ParsedRow], report: ImportReport, *, create_missing: bool) -> _Plan:
    """Find users, clients, projects and tasks the rows name; note what is missing."""
    emails = {_key(r.email) for r in rows}
    users: dict[str, User] = {}
    for user in get_user_model().objects.filter(is_active=True):
        if _key(user.email) in emails:
            users.setdefault(_key(user.email), user)
    clients: dict[str, Client | None] = {_key(c.name): c for c in Client.objects.order_by("pk")}
    projects: dict[tuple[str, str], Project | None] = {}
    for project in Project.objects.select_related("client").order_by("pk"):
        client_key = _key(project.client.name) if project.client else ""
        projects.setdefault((client_key, _key(project.name)), project)
    tasks: dict[tuple[str, str, str], Task | None] = {}
    for task in Task.objects.select_related("project__client").order_by("pk"):
        client_key = _key(task.project.client.name) if task.project.client else ""
        tasks.setdefault((client_key, _key(task.project.name), _key(task.name)), task)
    known_tags = {_key(name) for name in Tag.objects.values_list("name", flat=True)}
    kept: list[ParsedRow] = []
    for row in rows:
        c, p, t = _key(row.client), _key(row.project), _key(row.task)
        missing: list[str] = []
        if _key(row.email) not in users:
            report.problem(
                row.line,
                _("No active user has the e-mail %(email)s.") % {"email": repr(row.email[:100])},
            )
            continue
        if c and c not in clients:
            missing.append(_("client %(name)s") % {"name": repr(row.client)})
        if (c, p) not in projects:
            names = {"name": repr(row.project), "client": repr(row.client)}
            missing.append(
                _("project %(name)s of %(client)s") % names if c else _("project %(name)s") % names
            )
        if t and (c, p, t) not in tasks:
            missing.append(_("task %(name)s") % {"name": repr(row.task)})
        if missing and not create_missing:
            # Translators: %(missing)s lists "client 'A'", "project 'B'"... joined by ", no ".
            report.problem(
                row.line,
                _('There is no %(missing)s; create it first or import with "create missing".')
                % {"missing": _(", no ").join(missing)},
            )
            continue
        if c and c not in clients:
            clients[c] = None
            report.new_clients.append(row.client[:200])
        if (c, p) not in projects:
            projects[(c, p)] = None
            report.new_projects.append(f"{row.client} / {row.project}" if c else row.project)
        if t and (c, p, t) not in tasks:
            tasks[(c, p, t)] = None
            report.new_tasks.append(f"{row.project} / {row.task}")
        for tag in row.tags:
            # Tags are shared and created by use (as in the timer form), "create missing" or not.
            if _key(tag) not in known_tags:
                known_tags.add(_key(tag))
                report.new_tags.append(tag[:100])
        kept.append(row)
    return _Plan(kept, users, clients, projects, tasks)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in exc.message_dict.items()
            for message in messages
        )
    return " ".join(exc.messages)


def _write(
    plan: _Plan, report: ImportReport, progress: ProgressReporter, *, actor_id: int | None
) -> None:
    """Create what is missing, then each entry; rows that fail become problems."""
    by_row: dict[str, ParsedRow] = {}
    for row in plan.rows:
        by_row.setdefault(_key(row.client), row)
    for key, client in list(plan.clients.items()):
        if client is None:
            try:
                plan.clients[key] = client_create(name=by_row[key].client, actor_id=actor_id)
            except ValidationError as exc:
                report.problem(
                    by_row[key].line,
                    _("Client %(name)s: %(problem)s")
                    % {"name": repr(by_row[key].client[:60]), "problem": _messages(exc)},
                )
    for (c, p), project in list(plan.projects.items()):
        if project is None:
            row = next(r for r in plan.rows if (_key(r.client), _key(r.project)) == (c, p))
            try:
                plan.projects[(c, p)] = project_create(
                    name=row.project, client=plan.clients.get(c) if c else None, actor_id=actor_id
                )
            except ValidationError as exc:
                report.problem(
                    row.line,
                    _("Project %(name)s: %(problem)s")
                    % {"name": repr(row.project[:60]), "problem": _messages(exc)},
                )
    for (c, p, t), task in list(plan.tasks.items()):
        parent = plan.projects.get((c, p))
        if task is None and parent is not None:
            row = next(
                r for r in plan.rows if (_key(r.client), _key(r.project), _key(r.task)) == (c, p, t)
            )
            try:
                plan.tasks[(c, p, t)] = task_create(
                    project=parent, name=row.task, actor_id=actor_id
                )
            except ValidationError as exc:
                report.problem(
                    row.line,
                    _("Task %(name)s: %(problem)s")
                    % {"name": repr(row.task[:60]), "problem": _messages(exc)},
                )
    for done, row in enumerate(plan.rows, start=1):
        progress.advance(done)
        c, p, t = _key(row.client), _key(row.project), _key(row.task)
        user, project = plan.users[_key(row.email)], plan.projects[(c, p)]
        task = plan.tasks.get((c, p, t)) if t else None
        if project is None:  # its creation failed: a problem was reported above
            continue
        if TimeEntry.objects.filter(
            user=user,
            project=project,
            task=task,
            started_at=row.started_at,
            ended_at=row.ended_at,
            notes=row.notes,
        ).exists():
            report.duplicates += 1
            continue
        try:
            entry_create(
                user=user,
                project=project,
                task=task,
                started_at=row.started_at,
                ended_at=row.ended_at,
                notes=row.notes,
                billable=row.billable,
                tags=row.tags,
            )
        except ValidationError as exc:
            report.problem(row.line, _messages(exc))
        else:
            report.created += 1


def import_entries(
    *,
    fmt: str,
    data: bytes,
    actor: User | None = None,
    dry_run: bool = False,
    create_missing: bool = False,
    timezone_name: str = "",
    progress: ProgressReporter | None = None,
) -> ImportReport:
    """Import ``data`` (a CSV file in ``fmt``); see the module's docstring.

    Raises ``ValidationError`` (on ``file``, ``format`` or ``timezone``) for a file it
    cannot read at all; problems with single rows are in the report, and then nothing is
    imported. ``timezone_name`` is the zone of the file's times; by default the actor's
    profile time zone (UTC without an actor).
    """
    progress = progress or _NoProgress()
    spec = FORMATS.get(fmt)
    if spec is None:
        raise ValidationError(
            {
                "format": _("The format must be one of %(formats)s.")
                % {"formats": ", ".join(FORMATS)}
            }
        )
    if timezone_name:
        tz = timezone_named(timezone_name)
    else:
        tz = user_timezone(actor) if actor is not None else ZoneInfo("UTC")
    report = ImportReport(format=fmt, dry_run=dry_run, timezone=str(tz))
    actor_id = actor.pk if actor is not None else None
    try:
        rows = _read(spec, _text(data), tz, report, progress)
    except ValidationError:
        _announce(report, actor_id, outcome="invalid")
        raise
    plan = _plan(rows, report, create_missing=create_missing)
    try:
        with transaction.atomic():
            progress.stage(
                gettext_noop("Trying the import") if dry_run else gettext_noop("Writing entries"),
                total=len(plan.rows),
            )
            _write(plan, report, progress, actor_id=actor_id)
            if dry_run or report.problems_total:
                raise _Rollback
    except _Rollback:
        pass
    else:
        report.imported = True
    outcome = "refused" if report.problems_total else "dry_run" if dry_run else "imported"
    _announce(report, actor_id, outcome=outcome)
    return report


def _announce(report: ImportReport, actor_id: int | None, *, outcome: str) -> None:
    send_on_commit(
        signals.import_finished,
        TimeEntry,
        actor_id=actor_id,
        format=report.format,
        dry_run=report.dry_run,
        outcome=outcome,
        rows=report.rows,
        created=report.created,
        duplicates=report.duplicates,
        problems=report.problems_total,
        clients=len(report.new_clients),
        projects=len(report.new_projects),
        tasks=len(report.new_tasks),
        tags=len(report.new_tags),
    )
