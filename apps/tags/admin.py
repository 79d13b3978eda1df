from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ServiceAdmin, actor_id
from apps.tags import services
from apps.tags.models import Tag


class MergeActionForm(ActionForm):
    """The action bar's extra field: which tag the "merge" action keeps."""

    keep = forms.ModelChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label=_("Tag to keep (for merge)"),
        help_text=_("The selected tags' entries move to it; the others are deleted."),
    )


@admin.register(Tag)
class TagAdmin(ServiceAdmin):
    """Tags through ``apps.tags.services``: create, rename, delete, and merge (an action)."""

    list_display = ("name", "entry_count", "created_at")
    search_fields = ("name",)
    fields = ("name",)
    action_form = MergeActionForm
    actions = ["delete_selected", "merge_tags"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(entries_total=Count("entries"))

    @admin.display(description=_("Entries"), ordering="entries_total")
    def entry_count(self, obj: Any) -> int:
        return int(getattr(obj, "entries_total", 0))

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Tag:
        return services.tag_create(name=data["name"], actor_id=actor_id(request))

    def service_update(self, request: HttpRequest, obj: Tag, data: dict[str, Any]) -> Tag:
        if "name" in data:
            services.tag_rename(tag=obj, name=data["name"], actor_id=actor_id(request))
        return obj

    def service_delete(self, request: HttpRequest, obj: Tag) -> None:
        services.tag_delete(tag=obj, actor_id=actor_id(request))

    @admin.action(permissions=["change"], description=_("Merge the selected tags into one"))
    def merge_tags(self, request: HttpRequest, queryset: QuerySet[Tag]) -> None:
        # The action form's own validation ran in the changelist; read the one field here.
        try:
            keep = MergeActionForm.base_fields["keep"].clean(request.POST.get("keep"))
        except ValidationError:
            keep = None
        if keep is None:
            self.message_user(
                request,
                _("Choose the tag to keep next to the action, then merge."),
                messages.ERROR,
            )
            return
        others = [tag for tag in queryset if tag.pk != keep.pk]
        try:
            services.tag_merge(tag=keep, others=others, actor_id=actor_id(request))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            _("Merged %(count)d tag(s) into %(name)s.")
            % {"count": len(others), "name": repr(keep.name)},
            messages.SUCCESS,
        )
