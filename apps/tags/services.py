"""Writes for tags. Anyone may create a tag (by using it); only admins rename, merge or
delete (checked by the callers' permissions: the API viewset and the Django admin).

:func:`tags_resolve` turns what a door received (names typed in a form, ids sent to the
API, ``Tag`` objects) into tags; the entry services of ``apps.timers`` call it, so every
door that sets an entry's tags validates them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from apps.core.services import send_on_commit
from apps.tags import signals
from apps.tags.models import Tag

# Characters no database stores (PostgreSQL: NUL; none: lone surrogates, not UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# How many tags one entry may carry; more is refused, not cut.
MAX_TAGS_PER_ENTRY = 20


def _clean_name(name: str) -> str:
    return name.strip()


def tag_names_parse(text: str) -> list[str]:
    """The names in a comma-separated line (``"client work, urgent"``), blanks dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _find_by_names(names: Sequence[str]) -> dict[str, Tag]:
    """Existing tags whose name equals one of ``names`` ignoring case, keyed by the name.

    The comparison is the database's ``LOWER`` (the one the unique constraint uses), so a
    name the constraint would call taken is found here.
    """
    if not names:
        return {}
    lowered = Tag.objects.annotate(lower_name=Lower("name"))
    condition = reduce(or_, (Q(lower_name=Lower(Value(name))) for name in names))
    found = list(lowered.filter(condition))
    matches: dict[str, Tag] = {}
    for name in names:
        for tag in found:
            if tag.name.lower() == name.lower():
                matches[name] = tag
                break
    if len({tag.pk for tag in matches.values()}) < len(found):
        # Case rules outside ASCII differ between Python and the database; its rule decides.
        for name in names:
            if name not in matches:
                by_db = lowered.filter(lower_name=Lower(Value(name))).first()
                if by_db is not None:
                    matches[name] = by_db
    return matches


def _create(name: str, *, actor_id: int | None, implicit: bool) -> Tag:
    tag = Tag(name=_clean_name(name))
    tag.full_clean()
    try:
        # A savepoint: a concurrent creation of the same name must not spoil the caller's
        # transaction; the tag it created is used instead.
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        existing = _find_by_names([tag.name]).get(tag.name)
        if existing is None:
            raise
        return existing
    send_on_commit(signals.tag_created, Tag, tag=tag, actor_id=actor_id, implicit=implicit)
    return tag


@transaction.atomic
def tag_create(*, name: str, actor_id: int | None = None) -> Tag:
    """Create a tag; a name already taken (ignoring case) is an error on ``name``."""
    tag = Tag(name=_clean_name(name))
    tag.full_clean()
    tag.save()
    send_on_commit(signals.tag_created, Tag, tag=tag, actor_id=actor_id, implicit=False)
    return tag


@transaction.atomic
def tag_rename(*, tag: Tag, name: str, actor_id: int | None = None) -> Tag:
    """Give ``tag`` a new name (a change of case only is a rename too)."""
    name = _clean_name(name)
    if name != tag.name:
        tag.name = name
        tag.full_clean()
        tag.save(update_fields=["name", "updated_at"])
        send_on_commit(signals.tag_renamed, Tag, tag=tag, actor_id=actor_id)
    return tag


def _through() -> Any:
    """The entry-tag table. Reached from the tag's side: the timers app imports this one,
    so this one does not import it (tests/test_layers.py)."""
    return Tag.entries.through


def _entries_with(tag_ids: Iterable[int]) -> list[int]:
    through = _through()
    return sorted(
        set(through.objects.filter(tag_id__in=list(tag_ids)).values_list("timeentry_id", flat=True))
    )


def _touch_entries(entry_ids: list[int]) -> None:
    """Entries whose tags changed count as modified (``modified_after`` finds them)."""
    if entry_ids:
        entry_model = Tag._meta.get_field("entries").related_model
        entry_model._default_manager.filter(pk__in=entry_ids).update(updated_at=timezone.now())


@transaction.atomic
def tag_merge(*, tag: Tag, others: Iterable[Tag], actor_id: int | None = None) -> Tag:
    """Move every entry of ``others`` to ``tag`` and delete ``others``.

    An entry that carried several of them (or ``tag`` already) ends with ``tag`` once.
    """
    other_ids = sorted({other.pk for other in others if other.pk != tag.pk})
    if not other_ids:
        raise ValidationError(
            {"tags": gettext("Choose at least one other tag to merge into this one.")}
        )
    # Lock the rows so a concurrent merge or rename of the same tags waits.
    locked = list(Tag.objects.select_for_update().filter(pk__in=[tag.pk, *other_ids]))
    if len(locked) != len(other_ids) + 1:
        raise ValidationError({"tags": gettext("One of these tags no longer exists.")})
    entry_ids = _entries_with(other_ids)
    through = _through()
    through.objects.bulk_create(
        [through(timeentry_id=entry_id, tag_id=tag.pk) for entry_id in entry_ids],
        ignore_conflicts=True,
    )
    Tag.objects.filter(pk__in=other_ids).delete()
    _touch_entries(entry_ids)
    send_on_commit(
        signals.tag_merged,
        Tag,
        tag=tag,
        actor_id=actor_id,
        merged_count=len(other_ids),
        entry_count=len(entry_ids),
    )
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor_id: int | None = None) -> None:
    """Delete a tag; the entries that carried it keep their other tags."""
    tag_id = tag.pk
    entry_ids = _entries_with([tag_id])
    tag.delete()
    _touch_entries(entry_ids)
    send_on_commit(
        signals.tag_deleted, Tag, tag_id=tag_id, actor_id=actor_id, entry_count=len(entry_ids)
    )


@transaction.atomic
def tags_resolve(
    *,
    values: Iterable[Tag | int | str],
    create: bool = True,
    actor_id: int | None = None,
    limit: int = MAX_TAGS_PER_ENTRY,
) -> list[Tag]:
    """The tags ``values`` name, in the order given, each once.

    ``values`` mixes ``Tag`` objects, ids and names (names are matched ignoring case;
    blank names are skipped). A missing name is created when ``create`` is true (a member
    creates a tag by using it), else refused; an unknown id is refused. Errors are raised
    on the field ``tags``, with the offending value named, so a form or the API can show
    them; nothing is created when any value is refused (the caller's transaction).
    """
    items = list(values)
    tags: list[Tag] = []
    ids: list[int] = []
    names: list[str] = []
    for item in items:
        if isinstance(item, Tag):
            tags.append(item)
        elif isinstance(item, bool):
            raise ValidationError({"tags": gettext("A tag is a name or an id.")})
        elif isinstance(item, int):
            ids.append(item)
        elif isinstance(item, str):
            name = _clean_name(item)
            if name and name.lower() not in {n.lower() for n in names}:
                names.append(name)
        else:
            raise ValidationError({"tags": gettext("A tag is a name or an id.")})
    if len({*(t.pk for t in tags), *ids}) + len(names) > limit:
        too_many = ngettext(
            "An entry can have at most %(count)s tag.",
            "An entry can have at most %(count)s tags.",
            limit,
        )
        refused = ValidationError(too_many, code="too_many", params={"count": limit})
        raise ValidationError({"tags": refused})
    errors: list[ValidationError] = []
    if any(_UNSTORABLE.search(name) for name in names):
        # Not even looked up: no database takes these in any text, a query parameter too.
        errors.append(
            ValidationError(gettext("A tag name cannot contain U+0000 or a lone surrogate."))
        )
    if ids:
        found = Tag.objects.in_bulk(ids)
        for pk in ids:
            if pk not in found:
                errors.append(
                    ValidationError(
                        gettext("There is no tag with id %(id)s."),
                        code="unknown",
                        params={"id": pk},
                    )
                )
            else:
                tags.append(found[pk])
    if errors:
        raise ValidationError({"tags": errors})
    # Existing tags are taken as they are (one stored before today's rules still matches);
    # only names that would create a tag must pass the name's rules.
    existing = _find_by_names(names)
    for name in names:
        if name in existing:
            continue
        try:
            Tag._meta.get_field("name").clean(name, None)
        except ValidationError as exc:
            errors.extend(
                ValidationError(
                    gettext("Tag %(name)s: %(problem)s")
                    % {"name": repr(name[:60]), "problem": message}
                )
                for message in exc.messages
            )
        if not create:
            errors.append(
                ValidationError(
                    gettext("There is no tag named %(name)s.") % {"name": repr(name[:60])}
                )
            )
    if errors:
        raise ValidationError({"tags": errors})
    for name in names:
        tag = existing.get(name)
        tags.append(tag if tag is not None else _create(name, actor_id=actor_id, implicit=True))
    unique: dict[int, Tag] = {}
    for tag in tags:
        unique.setdefault(tag.pk, tag)
    return list(unique.values())
