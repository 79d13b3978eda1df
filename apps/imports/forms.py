"""The upload form of the import page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import timezone_names
from apps.imports.formats import FORMATS
from apps.imports.services import MAX_BYTES


class ImportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[(key, f.label) for key, f in FORMATS.items()]
    )
    file = forms.FileField(
        label=_("File"), help_text=_("The CSV file the tool exported, at most 10 MB.")
    )
    timezone = forms.CharField(
        max_length=64,
        required=False,
        label=_("Time zone"),
        help_text=_("Time zone of the file's times; empty for your profile's time zone."),
    )
    dry_run = forms.BooleanField(
        required=False, initial=True, label=_("Dry run: only report what would be imported")
    )
    create_missing = forms.BooleanField(
        required=False,
        label=_("Create the clients, projects and tasks that do not exist yet"),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 10 MB; split it."), code="too_large"
            )
        return bytes(upload.read())

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if name and name not in timezone_names():
            raise forms.ValidationError(
                _("Not a time zone; use a name such as Europe/Berlin."), code="invalid"
            )
        return name
