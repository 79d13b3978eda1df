"""The week grid as a plain form: rows, cells and the add-row picker, read from a POST."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext, gettext_lazy

from apps.projects.models import Project
from apps.tags.services import tag_names_parse
from apps.tasks.models import Task
from apps.timesheet.durations import parse_duration
from apps.timesheet.selectors import MAX_ROWS, Grid, RowKey
from apps.timesheet.services import CellChange
from apps.web.fields import project_field, task_field
from apps.web.forms import WorkPickerForm, shown_tasks

_ROW = re.compile(r"([0-9]{1,18})-([0-9]{1,18})", re.ASCII)
_LOCAL = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def posted_rows(data: Mapping[str, Any]) -> list[RowKey]:
    """The rows a grid form sent back (``row`` values ``<project>-<task or 0>``); junk and
    repeats are left out, and at most MAX_ROWS are kept."""
    values = data.getlist("row") if isinstance(data, QueryDict) else []
    keys: list[RowKey] = []
    for value in values[: MAX_ROWS * 2]:
        match = _ROW.fullmatch(str(value).strip())
        if match:
            task = int(match[2])
            keys.append((int(match[1]), task or None))
    return list(dict.fromkeys(keys))[:MAX_ROWS]


class AddRowForm(WorkPickerForm):
    """The project and task of a row to add (a task alone names its project)."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"] = project_field(
            Project.objects.filter(archived=False),
            required=False,
            empty=gettext_lazy("Choose a project"),
            needed=True,
        )
        tasks = Task.objects.filter(project__archived=False)
        self.fields["task"] = task_field(
            tasks, shown=shown_tasks(self, tasks, user=user), open_only=True
        )

    def key(self) -> RowKey:
        task = self.cleaned_data.get("task")
        return (self.cleaned_data["project"].pk, task.pk if task else None)


@dataclass
class GridSubmission:
    """The changed cells of a posted grid, or the errors of the cells that did not parse."""

    changes: list[CellChange] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the input name of each change
    errors: int = 0


def _originals(value: Any) -> list[str] | None:
    """The seven texts a row showed when its page was made (``o-<row>``, joined by ``|``)."""
    parts = str(value).split("|") if value is not None else []
    if len(parts) != 7 or any(len(part) > 20 for part in parts):
        return None
    return [part.strip() for part in parts]


def read_cells(grid: Grid, data: Mapping[str, Any]) -> GridSubmission:
    """Put the posted text into the grid's cells and collect the ones that changed.

    A cell is untouched when its text is what the page showed (the row's ``o-`` field; the
    stored value when that is missing), or when it reads as the time stored now: it is not
    rewritten, and shows what is stored now. A cell whose entry changed since the page
    was made (another tab, the timer, the API) and that the user changed too is refused as
    a conflict rather than overwriting the other change; so is a cell that is read-only
    now but was not then.
    """
    result = GridSubmission()
    for row in grid.rows:
        row.tags_text = str(data.get(row.tags_name) or "")[:1000]
        tags = tuple(tag_names_parse(row.tags_text))
        originals = _originals(data.get(f"o-{row.value}"))
        for index, cell in enumerate(row.cells):
            if cell.name not in data:
                continue
            text = str(data.get(cell.name) or "")[:200]
            original = originals[index] if originals is not None else cell.shown
            if text.strip() == original:
                continue  # untouched: it keeps (and shows) what is stored now
            cell.value = text
            if not cell.editable:
                cell.error = (
                    "This cell now has several entries or a running timer; "
                    "edit them in the entry list."
                )
                result.errors += 1
                continue
            try:
                seconds = parse_duration(text)
            except ValidationError as exc:
                cell.error = " ".join(exc.messages)
                result.errors += 1
                continue
            if (seconds or 0) == cell.seconds:
                continue
            if original != cell.shown:
                if cell.shown:
                    cell.error = gettext(
                        "This cell changed since the page was loaded (it now holds "
                        "%(time)s); save again to replace that."
                    ) % {"time": cell.shown}
                else:
                    cell.error = gettext(
                        "This cell changed since the page was loaded (it now holds "
                        "no time); save again to replace that."
                    )
                result.errors += 1
                continue
            result.changes.append(
                CellChange(
                    project=row.project, task=row.task, day=cell.day, seconds=seconds, tags=tags
                )
            )
            result.names.append(cell.name)
    return result


class MoveForm(forms.Form):
    """New local start and end of an entry dragged on the calendar."""

    started_at = forms.CharField(max_length=40)
    ended_at = forms.CharField(max_length=40)

    def __init__(self, *args: Any, tz: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz

    def _local(self, name: str) -> datetime:
        text = self.cleaned_data[name].strip()
        for fmt in _LOCAL:
            try:
                moment = datetime.strptime(text, fmt)  # noqa: DTZ007 (a wall-clock reading)
            except ValueError:
                continue
            if not 1970 <= moment.year <= 2199:
                break
            return moment.replace(tzinfo=self.tz)
        raise ValidationError(
            gettext("Enter a local time such as 2026-12-01T09:30."), code="invalid"
        )

    def clean_started_at(self) -> datetime:
        return self._local("started_at")

    def clean_ended_at(self) -> datetime:
        return self._local("ended_at")
