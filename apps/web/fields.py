"""Form fields of the web UI: project and task pickers, times to the second, and text and
colours compared as a browser sends them back (so an untouched field is no change)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.forms.utils import flatatt
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.clients.models import Client
from apps.projects.models import Project
from apps.tasks.models import Task

# Times are shown and entered to the second (``step="1"``); browsers leave out ":00" seconds
# and older links and scripts post minutes, so both are read.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
DATETIME_INPUT_FORMATS = (DATETIME_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


class FastSelect(forms.Select):
    """A ``<select>`` whose options are written in Python, not one template each.

    Django renders every ``<option>`` through the form renderer's templates; with a few
    hundred tasks that was most of the dashboard's time (docs/performance.md). The markup
    is the same: the ``<select>`` attributes, optional ``<optgroup>``s, escaped labels.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        # Straight from the choices: Django's ``optgroups`` builds a dict of attributes
        # per option, which cost as much as the page's queries with 500 projects.
        final_attrs = self.build_attrs(self.attrs, attrs)
        chosen = set(self.format_value(value))
        has_selected = False
        parts: list[str] = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]

        def option(option_value: Any, label: Any) -> str:
            nonlocal has_selected
            text = "" if option_value is None else str(option_value)
            # As Django's Select: one selected option unless the widget allows several.
            selected = text in chosen and (not has_selected or self.allow_multiple_selected)
            has_selected = has_selected or selected
            mark = " selected" if selected else ""
            return f'<option value="{escape(text)}"{mark}>{conditional_escape(label)}</option>'

        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(option(value_, label_) for value_, label_ in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


class ProjectChoiceField(forms.ModelChoiceField):
    widget = FastSelect
    hide_optional: bool

    def label_from_instance(self, obj: Project) -> str:
        label = f"{obj.name} ({cast(Client, obj.client).name})" if obj.client_id else obj.name
        return gettext("%(project)s (archived)") % {"project": label} if obj.archived else label


# The most options a task picker renders. The choices are a few projects' tasks (see
# ``TaskChoiceField.shown``), so this only bounds a project with very many open tasks; the
# picker's script loads a chosen project's tasks in full (static/js/tasks.js).
TASKS_SHOWN_MAX = 200
NO_TASK = _("(no task)")


class _TaskGroups(BaseChoiceIterator):
    """Tasks in one ``<optgroup>`` per project, read with one query when rendered."""

    def __init__(self, field: TaskChoiceField) -> None:
        self.field = field

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list[tuple[int, str]]] = {}
        # A ModelChoiceField always has a queryset.
        shown = cast(
            "QuerySet[Task]",
            self.field.shown if self.field.shown is not None else self.field.queryset,
        )
        tasks = shown.select_related("project").order_by(
            Lower("project__name"), "project_id", Lower("name")
        )
        for task in tasks[:TASKS_SHOWN_MAX]:
            groups.setdefault(task.project.name, []).append((task.pk, task.name))
        yield from groups.items()


class TaskChoiceField(forms.ModelChoiceField):
    """A task picker grouped by project.

    ``queryset`` is what the field accepts; ``shown`` (when set) what it renders as options,
    so the page does not grow with every open task of every project while a task loaded by
    the script for any allowed project still validates.
    """

    widget = FastSelect
    shown: QuerySet[Task] | None = None

    def _get_choices(self) -> BaseChoiceIterator:
        return _TaskGroups(self)

    choices = property(_get_choices, cast(property, forms.ChoiceField.choices).fset)


def project_field(
    queryset: QuerySet[Project], *, required: bool, empty: StrOrPromise, needed: bool = False
) -> ProjectChoiceField:
    field = ProjectChoiceField(
        queryset=queryset.select_related("client").order_by(Lower("name")),
        required=required,
        empty_label=empty,
        label=_("Project"),
    )
    # A project is needed, but a task alone implies it: the field is not required, yet it
    # must not be labelled "(optional)" either.
    field.hide_optional = needed
    return field


def task_field(
    queryset: QuerySet[Task],
    *,
    empty: StrOrPromise = NO_TASK,
    shown: QuerySet[Task] | None = None,
    open_only: bool = False,
) -> TaskChoiceField:
    """A task picker; ``shown`` limits the rendered options (see :class:`TaskChoiceField`).

    The ``data-`` attributes tell static/js/tasks.js where to load a chosen project's tasks
    (the tasks API, with the session) and whether to leave out finished ones.
    """
    field = TaskChoiceField(
        queryset=queryset.select_related("project"),
        required=False,
        empty_label=empty,
        label=_("Task"),
    )
    field.shown = shown
    field.widget.attrs.update(
        {
            "data-task-picker": "",
            "data-tasks-url": reverse_lazy("task-list"),
            "data-open-only": "1" if open_only else "0",
        }
    )
    return field


class LocalDateTimeField(forms.DateTimeField):
    """A moment in the user's time zone, shown and entered to the second.

    A stored time can be finer than the input (microseconds from the timer or the API) or
    fall in the hour a daylight-saving change repeats, which the text of the input cannot
    tell apart. So the field compares at the precision it shows: submitted text that reads
    as the moment the form showed is unchanged (not in ``changed_data``), and ``kept`` (the
    stored value, set by the form) comes back untouched instead of a truncated copy.
    """

    input_formats = DATETIME_INPUT_FORMATS
    kept: datetime | None = None

    def _as_typed(self, value: Any) -> datetime | None:
        """The wall-clock time a submitted text reads as, without any time zone."""
        if not isinstance(value, str):
            return None
        text = value.strip()
        for fmt in self.input_formats:
            try:
                return datetime.strptime(text, fmt)  # noqa: DTZ007 (a wall-clock reading)
            except ValueError:
                continue
        return None

    @staticmethod
    def _as_shown(value: datetime) -> datetime:
        """The wall-clock time the form shows for a stored moment."""
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value.replace(microsecond=0)

    def _reads_as(self, data: Any, value: datetime | None) -> bool:
        typed = self._as_typed(data)
        return value is not None and typed is not None and typed == self._as_shown(value)

    def to_python(self, value: Any) -> datetime | None:
        if self._reads_as(value, self.kept):
            return self.kept
        return super().to_python(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(initial, datetime) and self._as_typed(data) is not None:
            return not self._reads_as(data, initial)
        return super().has_changed(initial, data)


class TextField(forms.CharField):
    """Text as a browser sends it back: line breaks as CRLF, which mean the same as LF."""

    def to_python(self, value: Any) -> str:
        text = cast(str, super().to_python(value))
        return text.replace("\r\n", "\n")

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Unchanged when it reads the same: CRLF for LF, or the surrounding spaces the
        # field strips, are no edit, so the stored text is kept exactly as it is.
        return self.to_python(data) != self.to_python(initial or "")


class ColourField(forms.RegexField):
    """``#RRGGBB``; browsers send a colour input back in lower case, which is no edit."""

    def has_changed(self, initial: Any, data: Any) -> bool:
        return str(data or "").strip().lower() != str(initial or "").strip().lower()
