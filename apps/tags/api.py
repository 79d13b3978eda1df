"""Tags in the API: the tag list (``/api/v1/tags/``) and the ``tags`` field of entries.

Everyone may list tags and create one (also by sending a new name on an entry); renaming,
merging and deleting are for admins, since tags are shared by the whole installation.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import MAX_ID, ModelSerializer, ServiceViewSet
from apps.core.drf import JSONTypesMixin
from apps.tags import services
from apps.tags.models import TAG_NAME_MAX_LENGTH, Tag, validate_tag_name

# What validate_tag_name refuses, as a JSON Schema pattern (surrogates left out, as in
# apps.core.schema.TEXT_PATTERN).
TAG_NAME_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f,\ufffe\uffff]*$"


class TagSerializer(JSONTypesMixin, ModelSerializer):
    """A tag: a label shared by the installation, many per time entry."""

    class Meta:
        model = Tag
        fields = ["id", "name", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class TagRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TagsField(serializers.Field):
    """An entry's tags: written as a list of tag ids and/or names, read as ``{id, name}``.

    A name that does not exist yet is created (matched ignoring case otherwise); the
    entry services resolve the values (``apps.tags.services.tags_resolve``).
    """

    # DRF fills these in with str.format (``{value}``, ``{limit}``), as its own messages.
    default_error_messages = {
        "not_a_list": _("Expected a list of tag ids or names."),
        "too_many": _("An entry can have at most {limit} tags."),
        "bad_item": _("Each tag is an id (a whole number) or a name (a string)."),
        "bad_id": _("There is no tag with id {value}."),
    }

    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        # ``.all()`` uses the tags the entry lists prefetch: no query per entry.
        return [{"id": tag.pk, "name": tag.name} for tag in value.all()]

    def to_internal_value(self, data: Any) -> list[int | str]:
        if not isinstance(data, list):
            self.fail("not_a_list")
        if len(data) > services.MAX_TAGS_PER_ENTRY:
            self.fail("too_many", limit=services.MAX_TAGS_PER_ENTRY)
        values: list[int | str] = []
        errors: list[str] = []
        for item in data:
            if isinstance(item, bool) or not isinstance(item, int | str):
                self.fail("bad_item")
            if isinstance(item, int):
                if not 1 <= item <= MAX_ID:
                    self.fail("bad_id", value=item)
                values.append(item)
                continue
            name = item.strip()
            if len(name) > TAG_NAME_MAX_LENGTH:
                errors.append(
                    gettext("Tag %(name)s…: at most %(limit)d characters.")
                    % {"name": repr(name[:20]), "limit": TAG_NAME_MAX_LENGTH}
                )
                continue
            try:
                validate_tag_name(name)
            except DjangoValidationError as exc:
                errors.extend(
                    gettext("Tag %(name)s: %(problem)s") % {"name": repr(name[:60]), "problem": m}
                    for m in exc.messages
                )
                continue
            values.append(name)
        if errors:
            raise serializers.ValidationError(errors)
        return values


class TagsFieldExtension(OpenApiSerializerFieldExtension):
    target_class = TagsField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        if direction == "response":
            return {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                    "required": ["id", "name"],
                },
            }
        return {
            "type": "array",
            "maxItems": services.MAX_TAGS_PER_ENTRY,
            "description": "Tag ids, or names (a new name creates the tag; names are "
            "matched ignoring case). No commas, tabs, line breaks or control characters.",
            "items": {
                "oneOf": [
                    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    {
                        "type": "string",
                        "maxLength": TAG_NAME_MAX_LENGTH,
                        "pattern": TAG_NAME_PATTERN,
                    },
                ]
            },
        }


class TagMergeSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=100,
        help_text="Ids of the tags merged into this one (and deleted).",
    )


class TagViewSet(ServiceViewSet[Tag]):
    """Tags are shared by the installation. Anyone may create one; admins rename
    (PUT/PATCH), merge and delete."""

    serializer_class = TagSerializer
    # Any id reaches the view, whose 404 is JSON; DRF's default stops at a dot.
    lookup_value_regex = "[^/]+"
    admin_actions = frozenset({"update", "partial_update", "destroy", "merge"})

    def get_queryset(self) -> QuerySet[Tag]:
        return Tag.objects.order_by("name", "id")

    def create_object(self, data: dict[str, Any]) -> Tag:
        return services.tag_create(name=data["name"], actor_id=self.actor_id)

    def update_object(self, instance: Tag, data: dict[str, Any]) -> Tag:
        if "name" in data:
            services.tag_rename(tag=instance, name=data["name"], actor_id=self.actor_id)
        return instance

    def delete_object(self, instance: Tag) -> None:
        services.tag_delete(tag=instance, actor_id=self.actor_id)

    @extend_schema(request=TagMergeSerializer, responses={200: TagSerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge other tags into this one (admins only): their entries get this tag."""
        keep = self.get_object()
        body = TagMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["tags"]
        found = Tag.objects.in_bulk(ids)
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(
                {
                    "tags": [
                        gettext("There is no tag with id %(id)s.") % {"id": pk}
                        for pk in missing[:5]
                    ]
                }
            )
        services.tag_merge(tag=keep, others=found.values(), actor_id=self.actor_id)
        return Response(TagSerializer(keep).data)
