from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import MAX_ID, ModelSerializer, ServiceViewSet, StrictPrimaryKeyRelatedField
from apps.core.drf import JSONTypesMixin
from apps.core.limits import validate_date_in_range, validate_text
from apps.core.schema import conflict
from apps.projects.budget import budget_warning
from apps.projects.models import Project
from apps.projects.selectors import project_currency
from apps.tags.api import TagsField
from apps.tasks.models import Task
from apps.timers import services
from apps.timers.models import TimeEntry
from apps.timers.selectors import (
    EntryQuery,
    entries_matching,
    entries_visible_to,
    running_entry,
)


class TimeEntrySerializer(JSONTypesMixin, ModelSerializer):
    """A span of work on a project; ``ended_at`` is null while its timer runs."""

    duration_seconds = serializers.IntegerField(read_only=True)
    is_running = serializers.BooleanField(read_only=True)
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all())
    task = StrictPrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    billable = serializers.BooleanField(required=False)
    tags = TagsField(required=False)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "user",
            "project",
            "task",
            "started_at",
            "ended_at",
            "duration_seconds",
            "is_running",
            "notes",
            "billable",
            "tags",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["user", "source", "created_at", "updated_at"]
        extra_kwargs = {"ended_at": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("ended_at") is None:
            raise serializers.ValidationError(
                {"ended_at": [_("A manual entry needs an end; use the timer to track live.")]}
            )
        return attrs


class OverlapWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    entries = serializers.ListField(child=serializers.IntegerField())


class TimeEntryWriteResponseSerializer(TimeEntrySerializer):
    warnings = OverlapWarningSerializer(many=True, read_only=True)

    class Meta(TimeEntrySerializer.Meta):
        fields = [*TimeEntrySerializer.Meta.fields, "warnings"]


class EntryFilterSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    task = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    start = serializers.DateField(
        required=False,
        validators=[validate_date_in_range],
        help_text="First day (user's time zone), 1970-01-01 to 2199-12-31.",
    )
    end = serializers.DateField(
        required=False,
        validators=[validate_date_in_range],
        help_text="Last day, inclusive, 1970-01-01 to 2199-12-31.",
    )
    modified_after = serializers.DateTimeField(required=False)
    tag = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=20,
        help_text="Entries with any of these tags (repeat the parameter: ?tag=1&tag=2).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "start" in attrs and "end" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        return attrs

    def entry_query(self) -> EntryQuery:
        """The validated parameters as the filter every door uses."""
        f = self.validated_data
        return EntryQuery(
            start=f.get("start"),
            end=f.get("end"),
            project_id=f.get("project"),
            task_id=f.get("task"),
            user_id=f.get("user"),
            modified_after=f.get("modified_after"),
            tag_ids=tuple(dict.fromkeys(f.get("tag", []))),
        )


def _warnings(overlaps: list[int]) -> list[dict[str, Any]]:
    if not overlaps:
        return []
    count = len(overlaps)
    message = ngettext(
        # Translators: English says "1 of your other entries" too; other languages may
        # need a singular form.
        "This entry overlaps %(count)s of your other entries.",
        "This entry overlaps %(count)s of your other entries.",
        count,
    ) % {"count": count}
    return [{"code": "overlap", "message": message, "entries": overlaps}]


class TimeEntryViewSet(ServiceViewSet[TimeEntry]):
    """Time entries. Members see only their own; admins see everyone's.

    Overlapping entries are allowed; create and update answers carry a ``warnings`` list.
    """

    serializer_class = TimeEntrySerializer
    # Any id reaches the view, whose 404 is JSON; DRF's default stops at a dot.
    lookup_value_regex = "[^/]+"
    queryset = TimeEntry.objects.none()  # for the schema; get_queryset applies visibility
    admin_actions = frozenset()

    def get_queryset(self) -> QuerySet[TimeEntry]:
        if self.action != "list":
            return entries_visible_to(user=cast(User, self.request.user)).prefetch_related("tags")
        params = EntryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        # The same filter as the web pages and the exports (apps.timers.selectors); the
        # tags of a page of entries in one more query.
        user = cast(User, self.request.user)
        return entries_matching(user=user, query=params.entry_query()).prefetch_related("tags")

    def _write_response(self, write: services.EntryWrite, code: int) -> Response:
        data = TimeEntrySerializer(write.entry, context=self.get_serializer_context()).data
        data["warnings"] = _warnings(write.overlaps)
        return Response(data, status=code)

    @extend_schema(parameters=[EntryFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={201: TimeEntryWriteResponseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        write = services.entry_create(user=cast(User, request.user), **serializer.validated_data)
        return self._write_response(write, status.HTTP_201_CREATED)

    @extend_schema(responses={200: TimeEntryWriteResponseSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        write = services.entry_update(
            entry=entry, data=dict(serializer.validated_data), actor_id=self.actor_id
        )
        return self._write_response(write, status.HTTP_200_OK)

    @extend_schema(responses={200: TimeEntryWriteResponseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def delete_object(self, instance: TimeEntry) -> None:
        services.entry_delete(entry=instance, actor_id=self.actor_id)


class TimerStartSerializer(JSONTypesMixin, serializers.Serializer):
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all())
    task = StrictPrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, validators=[validate_text]
    )
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    tags = TagsField(required=False)


class BudgetWarningSerializer(serializers.Serializer):
    """A budget of the timer's project at 80 % or more (apps.projects.budget)."""

    kind = serializers.ChoiceField(choices=["hours", "money"])
    threshold = serializers.ChoiceField(choices=[80, 100])
    percent = serializers.IntegerField(help_text="Percent used by the finished entries.")
    used = serializers.DecimalField(max_digits=14, decimal_places=2)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField(
        allow_null=True,
        help_text="The currency of used and budget for a money budget (the project's "
        "currency, as on the project); null for an hours budget.",
    )


class TimerEntrySerializer(TimeEntrySerializer):
    """The timer's entry, with a warning when its project is near or past a budget."""

    budget_warning = serializers.SerializerMethodField()

    class Meta(TimeEntrySerializer.Meta):
        fields = [*TimeEntrySerializer.Meta.fields, "budget_warning"]

    @extend_schema_field(BudgetWarningSerializer(allow_null=True))
    def get_budget_warning(self, entry: TimeEntry) -> dict[str, Any] | None:
        warning = budget_warning(entry.project)
        if warning is None:
            return None
        currency = project_currency(entry.project) if warning.kind == "money" else None
        return BudgetWarningSerializer({**warning.as_dict(), "currency": currency}).data


class TimerView(APIView):
    """The caller's running timer, or ``null`` when none runs."""

    @extend_schema(
        responses={
            200: OpenApiResponse(
                {"allOf": [{"$ref": "#/components/schemas/TimerEntry"}], "nullable": True},
                description="The running entry, or the JSON literal null when none runs.",
            )
        }
    )
    def get(self, request: Request) -> HttpResponse:
        entry = running_entry(user=cast(User, request.user))
        if entry is None:
            # DRF renders None as an empty body; the API promises the JSON literal null.
            return HttpResponse(b"null", content_type="application/json")
        return Response(TimerEntrySerializer(entry).data)


class TimerStartView(APIView):
    """Start a timer; one already running is stopped first (both in one transaction)."""

    @extend_schema(
        request=TimerStartSerializer,
        responses={
            201: TimerEntrySerializer,
            409: conflict("Another timer was started at the same moment; try again."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TimerStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.timer_start(user=cast(User, request.user), **serializer.validated_data)
        return Response(TimerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TimerStopSerializer(serializers.Serializer):
    """The optional body of ``POST /timer/stop/``: the entry the caller means to stop."""

    entry = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of the running entry you mean to stop; another one running gives 409.",
    )

    def to_internal_value(self, data: Any) -> Any:
        # A whole number only: DRF's IntegerField would take 5.0 or "5.0" as entry 5.
        raw = data.get("entry") if hasattr(data, "get") else None
        if raw is not None and not (
            (isinstance(raw, int) and not isinstance(raw, bool))
            or (isinstance(raw, str) and raw.isascii() and raw.isdigit())
        ):
            raise serializers.ValidationError(
                {"entry": [_("Expected an entry id (a whole number).")]}
            )
        return super().to_internal_value(data)


class TimerStopView(APIView):
    """Stop the running timer (409 when none runs).

    An optional body ``{"entry": <id>}`` names the entry the caller shows: when another
    one runs (started elsewhere meanwhile), nothing is stopped and the answer is 409.
    """

    @extend_schema(
        request=TimerStopSerializer,
        responses={
            200: TimerEntrySerializer,
            409: OpenApiResponse(
                description="No timer runs, or the running entry is not the given `entry`."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = TimerStopSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.timer_stop(
            user=cast(User, request.user), entry_id=body.validated_data.get("entry")
        )
        return Response(TimerEntrySerializer(entry).data)
