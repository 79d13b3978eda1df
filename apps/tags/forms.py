"""Form fields for tags: a comma-separated names input (with a ``<datalist>`` of the
existing tags, so it works without JavaScript) and the ``?tag=`` filter of lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.api import MAX_ID
from apps.tags.models import TAG_NAME_MAX_LENGTH, Tag
from apps.tags.services import MAX_TAGS_PER_ENTRY, tag_names_parse

# The datalist offers at most this many existing tags (by name); any other is typed.
DATALIST_SIZE = 500


class TagNamesInput(forms.TextInput):
    """A text input followed by a ``<datalist>`` of the existing tag names."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = {**(attrs or {})}
        list_id = f"{attrs.get('id') or name}_options"
        attrs["list"] = list_id
        field = super().render(name, value, attrs, renderer)
        names = Tag.objects.order_by("name").values_list("name", flat=True)[:DATALIST_SIZE]
        options = format_html_join("", '<option value="{}"></option>', ((n,) for n in names))
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class TagNamesField(forms.CharField):
    """Tags typed as ``"client call, urgent"``: cleaned to a list of names.

    The names' rules (characters, length, how many) are the service's
    (``apps.tags.services.tags_resolve``): its errors land on this field.
    """

    widget = TagNamesInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("help_text", _("Separate tags with commas; a new name creates the tag."))
        # Room for the most tags an entry takes, each at its longest, with separators.
        kwargs.setdefault("max_length", MAX_TAGS_PER_ENTRY * (TAG_NAME_MAX_LENGTH + 2))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", _("e.g. meeting, urgent"))
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(v.name if isinstance(v, Tag) else str(v) for v in value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        return tag_names_parse(text or "")

    def has_changed(self, initial: Any, data: Any) -> bool:
        before = tag_names_parse(str(self.prepare_value(initial) or ""))
        after = tag_names_parse(str(data or ""))
        return {n.lower() for n in before} != {n.lower() for n in after}


def entry_tag_names(tags: Iterable[Tag]) -> list[str]:
    return [tag.name for tag in tags]


class TagFilterField(forms.ModelMultipleChoiceField):
    """``?tag=<id>`` (repeatable): entries with any of these tags."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("help_text", _("Entries with any of the chosen tags."))
        super().__init__(queryset=Tag.objects.order_by("name", "id"), **kwargs)

    def clean(self, value: Any) -> Any:
        # Ids only, in the range of a key: the database never sees "abc" or 10**30.
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > MAX_TAGS_PER_ENTRY:
            raise ValidationError(
                ngettext(
                    "Choose at most %(count)s tag.",
                    "Choose at most %(count)s tags.",
                    MAX_TAGS_PER_ENTRY,
                ),
                code="too_many",
                params={"count": MAX_TAGS_PER_ENTRY},
            )
        for item in values:
            text = str(item)
            if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID):
                raise ValidationError(
                    _("Choose tags from the list (ids are whole numbers)."),
                    code="invalid_pk_value",
                )
        return super().clean(values)
