"""Form fields of the web UI: project and task pickers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from apps.projects.models import Project
from apps.tasks.models import Task


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
        final_attrs = self.build_attrs(self.attrs, attrs)
        parts = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        for group, options, _index in self.optgroups(name, self.format_value(value), attrs):
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option["value"],
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


class ProjectChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Project) -> str:
        label = f"{obj.name} ({obj.client.name})" if obj.client_id else obj.name
        return f"{label} (archived)" if obj.archived else label


class _TaskGroups(BaseChoiceIterator):
    """Tasks in one ``<optgroup>`` per project, read with one query when rendered."""

    def __init__(self, field: TaskChoiceField) -> None:
        self.field = field

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list[tuple[int, str]]] = {}
        tasks = self.field.queryset.order_by(Lower("project__name"), "project_id", Lower("name"))
        for task in tasks:
            groups.setdefault(task.project.name, []).append((task.pk, task.name))
        yield from groups.items()


class TaskChoiceField(forms.ModelChoiceField):
    """A task picker grouped by project."""

    widget = FastSelect

    def _get_choices(self) -> BaseChoiceIterator:
        return _TaskGroups(self)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


def project_field(
    queryset: QuerySet[Project], *, required: bool, empty: str, needed: bool = False
) -> ProjectChoiceField:
    field = ProjectChoiceField(
        queryset=queryset.select_related("client").order_by(Lower("name")),
        required=required,
        empty_label=empty,
        label="Project",
    )
    # A project is needed, but a task alone implies it: the field is not required, yet it
    # must not be labelled "(optional)" either.
    field.hide_optional = needed
    return field


def task_field(queryset: QuerySet[Task], *, empty: str = "(no task)") -> TaskChoiceField:
    return TaskChoiceField(
        queryset=queryset.select_related("project"),
        required=False,
        empty_label=empty,
        label="Task",
    )
