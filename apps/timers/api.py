from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.selectors import user_is_admin, user_timezone
from apps.core.api import MAX_ID, ModelSerializer, ServiceViewSet, StrictPrimaryKeyRelatedField
from apps.core.drf import JSONTypesMixin
from apps.core.limits import validate_date_in_range, validate_text
from apps.core.schema import conflict
from apps.projects.models import Project
from apps.reports.exports import (
    CONTENT_TYPES,
    FORMATS,
    EntryQuery,
    export_response,
    format_enabled,
)
from apps.tasks.models import Task
from apps.timers import services
from apps.timers.models import TimeEntry
from apps.timers.selectors import entries_visible_to, running_entry


class TimeEntrySerializer(JSONTypesMixin, ModelSerializer):
    """A span of work on a project; ``ended_at`` is null while its timer runs."""

    duration_seconds = serializers.IntegerField(read_only=True)
    is_running = serializers.BooleanField(read_only=True)
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all())
    task = StrictPrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    billable = serializers.BooleanField(required=False)

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
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["user", "source", "created_at", "updated_at"]
        extra_kwargs = {"ended_at": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("ended_at") is None:
            raise serializers.ValidationError(
                {"ended_at": ["A manual entry needs an end; use the timer to track live."]}
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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "start" in attrs and "end" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


class ExportEntrySerializer(serializers.Serializer):
    """One entry of the JSON export; names, not ids, and times in the viewer's zone."""

    id = serializers.IntegerField()
    user = serializers.CharField()
    client = serializers.CharField(allow_null=True)
    project = serializers.CharField()
    task = serializers.CharField(allow_null=True)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    seconds = serializers.IntegerField()
    hours = serializers.FloatField()
    billable = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    notes = serializers.CharField()


class ExportJSONSerializer(serializers.Serializer):
    """The JSON export: the time zone of its times, and the entries."""

    timezone = serializers.CharField()
    entries = ExportEntrySerializer(many=True)


class ExportFilterSerializer(EntryFilterSerializer):
    modified_after = None  # exports are by period, not for synchronisation


class _ExportRenderer(BaseRenderer):
    """Lets ``?format=`` or ``Accept`` choose an export; the body is the export itself."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, **kwargs: Any) -> Any:
        return data  # never called for exports: they return their own streaming response


EXPORT_RENDERERS = [
    type(
        f"{fmt.upper()}ExportRenderer",
        (_ExportRenderer,),
        {"format": fmt, "media_type": CONTENT_TYPES[fmt].split(";")[0]},
    )
    for fmt in FORMATS
]


def _warnings(overlaps: list[int]) -> list[dict[str, Any]]:
    if not overlaps:
        return []
    return [
        {
            "code": "overlap",
            "message": f"This entry overlaps {len(overlaps)} of your other entries.",
            "entries": overlaps,
        }
    ]


class TimeEntryViewSet(ServiceViewSet):
    """Time entries. Members see only their own; admins see everyone's.

    Overlapping entries are allowed; create and update answers carry a ``warnings`` list.
    """

    serializer_class = TimeEntrySerializer
    # Any id reaches the view, whose 404 is JSON; DRF's default stops at a dot.
    lookup_value_regex = "[^/]+"
    queryset = TimeEntry.objects.none()  # for the schema; get_queryset applies visibility
    admin_actions = frozenset()

    def get_queryset(self) -> QuerySet[TimeEntry]:
        qs = entries_visible_to(user=self.request.user)
        if self.action != "list":
            return qs
        params = EntryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        if "project" in f:
            qs = qs.filter(project_id=f["project"])
        if "task" in f:
            qs = qs.filter(task_id=f["task"])
        if "user" in f and user_is_admin(self.request.user):
            qs = qs.filter(user_id=f["user"])
        tz = user_timezone(self.request.user)
        if "start" in f:
            qs = qs.filter(started_at__gte=datetime.combine(f["start"], time.min, tzinfo=tz))
        if "end" in f:
            end = datetime.combine(f["end"] + timedelta(days=1), time.min, tzinfo=tz)
            qs = qs.filter(started_at__lt=end)
        if "modified_after" in f:
            qs = qs.filter(updated_at__gt=f["modified_after"])
        return qs

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
        write = services.entry_create(user=request.user, **serializer.validated_data)
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

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # Whatever the status (a 405 for another method, where ``action`` is None; a 404
        # for an unknown ``?format=``, where negotiation failed and DRF would fall back to
        # the first export renderer), an export renderer cannot render an error: JSON does.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and (
            renderer is None or isinstance(renderer, _ExportRenderer)
        ):
            # Errors of the export endpoint are JSON whichever file format was asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[
            ExportFilterSerializer,
            OpenApiParameter(
                "format",
                str,
                enum=[*FORMATS],
                description="File format; without it the Accept header decides (default csv).",
            ),
        ],
        responses={
            (200, CONTENT_TYPES[fmt].split(";")[0]): (
                ExportJSONSerializer if fmt == "json" else OpenApiTypes.BINARY
            )
            for fmt in FORMATS
        },
    )
    @action(detail=False, methods=["get"], renderer_classes=EXPORT_RENDERERS)
    def export(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Finished entries you may see, as CSV, XLSX, JSON or iCalendar; large files stream.

        XLSX and iCalendar can be switched off by the operator (feature flags): then 404.
        """
        if not format_enabled(request, request.accepted_renderer.format):
            raise NotFound("This export format is switched off.")
        params = ExportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        query = EntryQuery(
            start=f.get("start"),
            end=f.get("end"),
            project_id=f.get("project"),
            task_id=f.get("task"),
            user_id=f.get("user"),
        )
        return export_response(
            user=request.user,
            query=query,
            fmt=request.accepted_renderer.format,
            channel="api",
            uid_domain=request.get_host().rsplit(":", 1)[0] or "timetracker",
            sender=TimeEntryViewSet,
        )


class TimerStartSerializer(JSONTypesMixin, serializers.Serializer):
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all())
    task = StrictPrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, validators=[validate_text]
    )
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)


class TimerView(APIView):
    """The caller's running timer, or ``null`` when none runs."""

    @extend_schema(
        responses={
            200: OpenApiResponse(
                {"allOf": [{"$ref": "#/components/schemas/TimeEntry"}], "nullable": True},
                description="The running entry, or the JSON literal null when none runs.",
            )
        }
    )
    def get(self, request: Request) -> HttpResponse:
        entry = running_entry(user=request.user)
        if entry is None:
            # DRF renders None as an empty body; the API promises the JSON literal null.
            return HttpResponse(b"null", content_type="application/json")
        return Response(TimeEntrySerializer(entry).data)


class TimerStartView(APIView):
    """Start a timer; one already running is stopped first (both in one transaction)."""

    @extend_schema(
        request=TimerStartSerializer,
        responses={
            201: TimeEntrySerializer,
            409: conflict("Another timer was started at the same moment; try again."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TimerStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.timer_start(user=request.user, **serializer.validated_data)
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


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
            raise serializers.ValidationError({"entry": ["Expected an entry id (a whole number)."]})
        return super().to_internal_value(data)


class TimerStopView(APIView):
    """Stop the running timer (409 when none runs).

    An optional body ``{"entry": <id>}`` names the entry the caller shows: when another
    one runs (started elsewhere meanwhile), nothing is stopped and the answer is 409.
    """

    @extend_schema(
        request=TimerStopSerializer,
        responses={
            200: TimeEntrySerializer,
            409: OpenApiResponse(
                description="No timer runs, or the running entry is not the given `entry`."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = TimerStopSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.timer_stop(user=request.user, entry_id=body.validated_data.get("entry"))
        return Response(TimeEntrySerializer(entry).data)
