"""Forms of the web UI. They parse and present input; the services validate and write.

Service errors (``ValidationError`` with a field dict) are attached to the matching field
with :func:`apply_service_errors`, so the web UI and the API give the same messages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from apps.accounts.models import ReportPreset, Theme, timezone_names
from apps.clients.currency import CODE_LENGTH as CURRENCY_CODE_LENGTH
from apps.clients.currency import installation_currency, normalise_currency, validate_currency
from apps.clients.models import Client
from apps.core.limits import validate_date_in_range, validate_stored_time, validate_text
from apps.projects.models import Project
from apps.reports import periods
from apps.reports.api import MAX_REPORT_DAYS
from apps.reports.exports import EntryQuery
from apps.reports.selectors import GROUPINGS
from apps.tags.forms import TagFilterField, TagNamesField
from apps.tasks.models import Task, TaskStatus
from apps.timers.models import TimeEntry
from apps.web.fields import (
    DATETIME_FORMAT,
    ColourField,
    LocalDateTimeField,
    TextField,
    project_field,
    task_field,
)
from apps.web.selectors import recent_project_ids

GROUP_LABELS = {
    "project": _("Project"),
    "client": _("Client"),
    "task": _("Task"),
    "user": _("Person"),
    "day": _("Day"),
    "tag": _("Tag"),
}


class AccessibleForm(forms.Form):
    """Points each invalid widget at its error message (``aria-describedby``)."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            names: list[str | None] = list(error.error_dict)
        else:
            names = [field]
        for name in names:
            if name in self.fields:
                bound = self[name]
                ids = [f"{bound.auto_id}_error"]
                if self.fields[name].help_text:
                    ids.append(f"{bound.auto_id}_helptext")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's errors next to the fields they name, the others above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(target, errors)


def initial_from(instance: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


def _picked_id(form: forms.Form, name: str) -> int | None:
    """The id the form shows as chosen in ``name``: posted, or initial; None if none."""
    raw = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    if isinstance(raw, Model):
        return int(raw.pk)
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def shown_tasks(
    form: forms.Form, tasks: QuerySet[Task], *, user: User | None = None
) -> QuerySet[Task]:
    """The tasks a picker renders: the chosen project's, the chosen task, and those of the
    most recently used projects (the user's, or the team's when the form has no user), so
    the form offers tasks without JavaScript; static/js/tasks.js loads any other project's.
    """
    wanted = Q(project_id__in=recent_project_ids(user=user))
    if (project := _picked_id(form, "project")) is not None:
        wanted |= Q(project_id=project)
    if (task := _picked_id(form, "task")) is not None:
        wanted |= Q(pk=task)
    return tasks.filter(wanted)


class WorkPickerForm(AccessibleForm):
    """Project and task pickers; a task alone is enough because it names its project."""

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if self.errors.get("project") or self.errors.get("task"):
            return data
        task, project = data.get("task"), data.get("project")
        if task is not None and project is None:
            data["project"] = task.project
        elif project is None:
            self.add_error("project", _("Pick a project or a task."))
        return data


class TimerStartForm(WorkPickerForm):
    notes = forms.CharField(
        required=False,
        max_length=5000,
        validators=[validate_text],
        label=_("What are you working on?"),
        widget=forms.TextInput(attrs={"placeholder": _("A short note")}),
    )
    tags = TagNamesField()

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"] = project_field(
            Project.objects.filter(archived=False),
            required=False,
            empty=_("Choose a project"),
            needed=True,
        )
        tasks = Task.objects.filter(project__archived=False).exclude(status=TaskStatus.DONE)
        self.fields["task"] = task_field(
            tasks, shown=shown_tasks(self, tasks, user=user), open_only=True
        )
        self.order_fields(["project", "task", "notes", "tags"])


class BillableSelect(forms.NullBooleanSelect):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("As the project says")),
            ("true", _("Yes")),
            ("false", _("No")),
        ]


def _datetime_field(label: StrOrPromise, *, required: bool) -> LocalDateTimeField:
    return LocalDateTimeField(
        label=label,
        required=required,
        validators=[validate_stored_time],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format=DATETIME_FORMAT
        ),
    )


def changes(form: forms.Form, names: tuple[str, ...]) -> dict[str, Any]:
    """The cleaned values of the fields among ``names`` that the user changed."""
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


class IdleTrimForm(AccessibleForm):
    """When a forgotten timer should have stopped, in the user's time zone."""

    ended_at = _datetime_field(_("I stopped working at"), required=True)

    def __init__(self, *args: Any, entry: TimeEntry, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser's picker offers only moments the service would accept.
        self.fields["ended_at"].widget.attrs.update(
            min=timezone.localtime(entry.started_at).strftime(DATETIME_FORMAT),
            max=timezone.localtime(now).strftime(DATETIME_FORMAT),
        )


class EntryForm(WorkPickerForm):
    """A manual entry, or the edit of any entry (a running one may stay open-ended)."""

    FIELDS = ("project", "task", "started_at", "ended_at", "notes", "billable", "tags")

    started_at = _datetime_field(pgettext_lazy("time entry field", "Start"), required=True)
    ended_at = _datetime_field(pgettext_lazy("time entry field", "End"), required=True)
    notes = TextField(
        label=_("Notes"),
        required=False,
        max_length=5000,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    billable = forms.NullBooleanField(label=_("Billable"), required=False, widget=BillableSelect)
    tags = TagNamesField()

    def __init__(
        self,
        *args: Any,
        entry: TimeEntry | None = None,
        user: User | None = None,
        **kwargs: Any,
    ) -> None:
        if entry is not None:
            initial = initial_from(entry, tuple(n for n in self.FIELDS if n != "tags"))
            kwargs.setdefault("initial", {**initial, "tags": list(entry.tags.all())})
        super().__init__(*args, **kwargs)
        current_project = Q(pk=entry.project_id) if entry else Q(pk__in=[])
        current_task = Q(pk=entry.task_id) if entry and entry.task_id else Q(pk__in=[])
        self.fields["project"] = project_field(
            Project.objects.filter(Q(archived=False) | current_project),
            required=False,
            empty=_("Choose a project"),
            needed=True,
        )
        tasks = Task.objects.filter(Q(project__archived=False) | current_task)
        owner = user if user is not None else (entry.user if entry is not None else None)
        self.fields["task"] = task_field(tasks, shown=shown_tasks(self, tasks, user=owner))
        self.entry = entry
        if entry is not None:
            cast(LocalDateTimeField, self.fields["started_at"]).kept = entry.started_at
            cast(LocalDateTimeField, self.fields["ended_at"]).kept = entry.ended_at
            # An edit states the flag; "as the project says" only applies on creation.
            self.fields["billable"] = forms.BooleanField(required=False, label=_("Billable"))
            if entry.is_running:
                self.fields["ended_at"].required = False
                self.fields["ended_at"].help_text = _("Leave empty to keep the timer running.")
        self.order_fields(list(self.FIELDS))

    def service_data(self) -> dict[str, Any]:
        """Everything for a new entry; for an edit, only what the user changed."""
        if self.entry is None:
            data = {name: self.cleaned_data[name] for name in self.FIELDS}
        else:
            data = changes(self, self.FIELDS)
        if data.get("billable", False) is None:
            del data["billable"]
        return data


# --- Filters --------------------------------------------------------------------------------
def _date_field(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class EntryFilterForm(AccessibleForm):
    """Date range, project, task and (admins only) person: entry list, report, exports."""

    start = _date_field(_("From"))
    end = _date_field(_("To"))
    tag = TagFilterField()

    def __init__(self, *args: Any, is_admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"] = project_field(
            Project.objects.all(), required=False, empty=_("All projects")
        )
        # Without a project, pick one and filter: the task picker then lists its tasks.
        tasks = Task.objects.all()
        self.fields["task"] = task_field(
            tasks, empty=_("All tasks"), shown=shown_tasks(self, tasks)
        )
        if is_admin:
            self.fields["user"] = forms.ModelChoiceField(
                queryset=get_user_model().objects.order_by("username"),
                required=False,
                empty_label=_("Everyone"),
                label=_("Person"),
            )

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end is before the start."))
        return data

    def query(self) -> EntryQuery:
        """The valid filters; an invalid field filters nothing (and shows its error)."""
        data = getattr(self, "cleaned_data", {})
        bad = set(self.errors)

        def pick(name: str) -> Any:
            return None if name in bad else data.get(name)

        project, task, person = pick("project"), pick("task"), pick("user")
        return EntryQuery(
            start=pick("start") if "end" not in bad else None,
            end=pick("end"),
            project_id=project.pk if project else None,
            task_id=task.pk if task else None,
            user_id=person.pk if person else None,
            tag_ids=tuple(tag.pk for tag in pick("tag") or ()),
        )


class ReportForm(EntryFilterForm):
    group_by = forms.ChoiceField(label=_("Group by"), required=False)
    # A named period (the preset links send it); typed dates are a custom period.
    period = forms.ChoiceField(
        label=_("Period"), required=False, choices=ReportPreset.choices, widget=forms.HiddenInput
    )

    def __init__(
        self,
        data: QueryDict,
        *,
        is_admin: bool = False,
        today: date,
        remembered: str = periods.DEFAULT,
        **kwargs: Any,
    ) -> None:
        data = data.copy()
        chosen = data.get("period", "")
        typed = data.get("start") or data.get("end")
        if chosen in periods.PRESETS and chosen != ReportPreset.CUSTOM:
            self.preset = chosen
        elif chosen or typed:
            # Typed dates (or "custom", or a made-up name that the field refuses): the
            # dates the user gave, an empty one filled from this month.
            self.preset = ReportPreset.CUSTOM.value
        else:
            self.preset = remembered if remembered in periods.PRESETS else periods.DEFAULT
            if self.preset == ReportPreset.CUSTOM:
                self.preset = periods.DEFAULT  # a custom period has no dates to remember
        named = self.preset != ReportPreset.CUSTOM
        period = periods.preset_period(self.preset if named else periods.DEFAULT, today=today)
        for name, default in zip(("start", "end"), period, strict=True):
            if named:
                data[name] = default.isoformat()
            elif not data.get(name):
                # An empty day means this month's, so "?project=3" is a complete report link.
                data[name] = default.isoformat()
        if not named and chosen in ("", ReportPreset.CUSTOM):
            # Typed dates that are exactly a named period are that period (remembered too).
            self.preset = next(
                (
                    name
                    for name in periods.PRESETS
                    if name != ReportPreset.CUSTOM
                    and tuple(d.isoformat() for d in periods.preset_period(name, today=today))
                    == (data.get("start"), data.get("end"))
                ),
                ReportPreset.CUSTOM.value,
            )
        self.today = today
        super().__init__(data, is_admin=is_admin, **kwargs)
        self.fields["start"].required = self.fields["end"].required = True
        self.fields["start"].initial, self.fields["end"].initial = period
        cast(forms.ChoiceField, self.fields["group_by"]).choices = [
            (name, GROUP_LABELS[name]) for name in GROUPINGS if is_admin or name != "user"
        ]
        self.fields["group_by"].initial = "project"
        self.fields["group_by"].hide_optional = True  # type: ignore[attr-defined]  # empty means "project"
        self.order_fields(["start", "end", "group_by", "project", "task", "user", "tag"])

    def preset_links(self) -> list[tuple[StrOrPromise, str, bool]]:
        """(label, query string, current) of each named period, keeping the other filters."""
        kept = {
            name: value
            for name, value in self.data.items()
            if name not in ("start", "end", "period") and name in self.fields and value
        }
        return [
            (label, urlencode({**kept, "period": value}), value == self.preset)
            for value, label in ReportPreset.choices
            if value != ReportPreset.CUSTOM
        ]

    def clean_group_by(self) -> str:
        # Links such as "report for this project" leave it out; the select always sends it.
        return self.cleaned_data["group_by"] or "project"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end - start).days > MAX_REPORT_DAYS:
            self.add_error("end", _("A report covers at most five years."))
        return data


# --- Clients, projects, tasks -----------------------------------------------------------------
class _UniqueNameMixin:
    """A friendly message for the case-insensitive unique name (the database still guards)."""

    model: type[Client] | type[Project]
    instance: Client | Project | None = None
    cleaned_data: dict[str, Any]
    # One whole sentence per kind of row ("a client", "a project" differ by language).
    name_taken: StrOrPromise

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = self.model.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(self.name_taken, code="name_taken", params={"name": repr(name)})
        return name


class ClientForm(_UniqueNameMixin, AccessibleForm):
    model = Client
    FIELDS = ("name", "currency")
    name_taken = _("There is already a client named %(name)s.")
    name = TextField(label=_("Name"), max_length=200, validators=[validate_text])
    currency = forms.CharField(
        label=_("Currency"),
        max_length=CURRENCY_CODE_LENGTH,
        required=False,
        validators=[validate_currency],
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": "4"}),
    )

    def __init__(self, *args: Any, instance: Client | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", initial_from(instance, self.FIELDS))
        super().__init__(*args, **kwargs)
        self.fields["currency"].help_text = _(
            "The currency of this client's rates, budgets and amounts: a three-letter ISO "
            "4217 code such as EUR, USD or CHF. Empty means the installation's currency "
            "(%(currency)s)."
        ) % {"currency": installation_currency()}

    def clean_currency(self) -> str:
        return str(normalise_currency(self.cleaned_data["currency"]))


class ProjectForm(_UniqueNameMixin, AccessibleForm):
    model = Project
    FIELDS = (
        "name",
        "client",
        "colour",
        "billable",
        "hourly_rate",
        "budget_hours",
        "budget_amount",
    )

    name_taken = _("There is already a project named %(name)s.")
    name = TextField(label=_("Name"), max_length=200, validators=[validate_text])
    colour = ColourField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#3366cc",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("Enter a colour as #RRGGBB.")},
    )
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    hourly_rate = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        label=_("Hourly rate"),
        help_text=_("Amount per billable hour; empty means not priced."),
    )
    budget_hours = forms.DecimalField(
        required=False, min_value=0, max_digits=10, decimal_places=2, label=_("Budget (hours)")
    )
    budget_amount = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        label=_("Budget (amount)"),
        help_text=_("Billable hours x the hourly rate; warnings at 80 % and 100 %."),
    )

    def __init__(self, *args: Any, instance: Project | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", initial_from(instance, self.FIELDS))
        super().__init__(*args, **kwargs)
        current = Q(pk=instance.client_id) if instance and instance.client_id else Q(pk__in=[])
        self.fields["client"] = forms.ModelChoiceField(
            queryset=Client.objects.filter(Q(archived=False) | current).order_by(Lower("name")),
            label=_("Client"),
            required=False,
            empty_label=_("(no client)"),
        )
        self.order_fields(list(self.FIELDS))


class TaskForm(AccessibleForm):
    FIELDS = ("name", "status", "estimate_hours")

    name = TextField(label=_("Name"), max_length=200, validators=[validate_text])
    status = forms.ChoiceField(
        label=_("Status"), choices=TaskStatus.choices, initial=TaskStatus.TODO
    )
    estimate_hours = forms.DecimalField(
        required=False, min_value=0, max_digits=8, decimal_places=2, label=_("Estimate (hours)")
    )

    def __init__(self, *args: Any, instance: Task | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", initial_from(instance, self.FIELDS))
        super().__init__(*args, **kwargs)


# --- Account --------------------------------------------------------------------------------
class ProfileForm(AccessibleForm):
    first_name = TextField(
        max_length=150, required=False, label=_("First name"), validators=[validate_text]
    )
    last_name = TextField(
        max_length=150, required=False, label=_("Last name"), validators=[validate_text]
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("Times are shown and entered in this zone.")
    )
    theme = forms.ChoiceField(
        label=_("Theme"),
        choices=Theme.choices,
        required=False,
        help_text=_("Light or dark colours; “Follow the device” uses your system's setting."),
    )
    # The choices are set per form from settings.LANGUAGES: each language named in itself.
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The language of the pages; “Browser default” follows your browser."),
        error_messages={"invalid_choice": _("Choose one of the languages offered.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a post (an older page, a script): the theme stays as it is.
        self.fields["theme"].hide_optional = True  # type: ignore[attr-defined]
        # "Browser default" is a choice of its own, not a missing answer.
        self.fields["language"].hide_optional = True  # type: ignore[attr-defined]
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("Browser default")),
            *((code, name) for code, name in settings.LANGUAGES),
        ]
        cast(forms.ChoiceField, self.fields["timezone"]).choices = [
            (name, name) for name in sorted(timezone_names())
        ]

    def clean_theme(self) -> str:
        theme: str = self.cleaned_data.get("theme") or ""
        return theme or str(self.initial.get("theme") or Theme.AUTO)

    def clean_language(self) -> str:
        # "" is a choice (the browser's language); only a post that leaves the field out
        # (an older page, a script) keeps the stored one.
        if self.add_prefix("language") not in self.data:
            return str(self.initial.get("language") or "")
        language: str = self.cleaned_data.get("language") or ""
        return language
