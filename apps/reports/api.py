from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ReportPreset
from apps.accounts.selectors import profile_get
from apps.core.limits import validate_date_in_range
from apps.jobs.api import JobStatusSerializer
from apps.jobs.selectors import job_status
from apps.reports import periods
from apps.reports.background import export_job_start
from apps.reports.exports import CONTENT_TYPES, FORMATS, export_response, format_enabled
from apps.reports.selectors import GROUPINGS, report_summary
from apps.reports.signals import report_viewed
from apps.timers.api import EntryFilterSerializer

MAX_REPORT_DAYS = 366 * 5


class SummaryQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[name for name in periods.PRESETS if name != ReportPreset.CUSTOM],
        required=False,
        help_text="A named period in your time zone instead of start and end "
        "(weeks start on Monday; months and years are whole).",
    )
    start = serializers.DateField(
        validators=[validate_date_in_range],
        required=False,
        help_text="First day, YYYY-MM-DD, in your time zone (1970-01-01 to 2199-12-31). "
        "Required unless period is given.",
    )
    end = serializers.DateField(
        validators=[validate_date_in_range],
        required=False,
        help_text="Last day, inclusive. Required unless period is given.",
    )
    group_by = serializers.ChoiceField(choices=GROUPINGS, default="project")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        preset = attrs.pop("period", None)
        if preset is not None:
            if "start" in attrs or "end" in attrs:
                raise serializers.ValidationError(
                    {"period": [_("Give either a period or start and end, not both.")]}
                )
            user = self.context["request"].user
            today = timezone.localdate(timezone=profile_get(user=user).tzinfo)
            attrs["start"], attrs["end"] = periods.preset_period(preset, today=today)
            return attrs
        missing = {
            name: [_("This field is required unless period is given.")]
            for name in ("start", "end")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        if (attrs["end"] - attrs["start"]).days > MAX_REPORT_DAYS:
            raise serializers.ValidationError({"end": [_("A report covers at most five years.")]})
        return attrs


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "format": "date"}],
        "nullable": True,
        "description": "Id of the group (null for entries without one, such as no task), "
        "or the day as YYYY-MM-DD when grouped by day.",
    }
)
class SummaryKeyField(serializers.Field):
    """A group's id, or a day; the summary is returned as computed, so only documented."""

    def to_representation(self, value: Any) -> Any:
        return value


class CurrencyAmountSerializer(serializers.Serializer):
    """The billable amount in one currency."""

    currency = serializers.CharField(
        help_text="The currency: the client's ISO 4217 code, or the installation's "
        "currency (TIMETRACKER_CURRENCY, a code or a symbol such as $) for projects without "
        "a client or whose client sets none."
    )
    billable_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class SummaryTotalsSerializer(serializers.Serializer):
    seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()
    billable_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="The billable amount in ``currency``; null when the amounts are in several "
        "currencies (see billable_amounts): amounts of different currencies are never added.",
    )
    currency = serializers.CharField(
        allow_null=True,
        help_text="The one currency of the amounts; null when they are in several.",
    )
    billable_amounts = CurrencyAmountSerializer(
        many=True,
        help_text="The billable amount per currency, sorted by currency; always at least "
        "one (a group without any amount lists its projects' currency at 0.00).",
    )


class SummaryRowSerializer(SummaryTotalsSerializer):
    key = SummaryKeyField()
    label = serializers.CharField()  # type: ignore[assignment]


class SummarySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    group_by = serializers.ChoiceField(choices=GROUPINGS)
    timezone = serializers.CharField()
    rows = SummaryRowSerializer(many=True)
    totals = SummaryTotalsSerializer()


class SummaryView(APIView):
    """Totals in seconds and billable amounts for a period, grouped, computed in SQL."""

    @extend_schema(parameters=[SummaryQuerySerializer], responses={200: SummarySerializer})
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        summary = report_summary(user=cast(User, request.user), **params)
        report_viewed.send(
            sender=SummaryView,
            user_id=request.user.pk,
            group_by=params["group_by"],
            days=(params["end"] - params["start"]).days + 1,
            rows=len(summary["rows"]),
            channel="api",
        )
        return Response(summary)


# --- Exports: GET /api/v1/time-entries/export/ ----------------------------------------------
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
    """The entry list's filters, the same ones (apps.timers.selectors.entries_matching)."""

    modified_after = None  # type: ignore[assignment]  # exports are by period, not for synchronisation


class _ExportRenderer(BaseRenderer):
    """Lets ``?format=`` or ``Accept`` choose an export; the body is the export itself."""

    charset = None

    def render(  # type: ignore[override]
        self, data: Any, accepted_media_type: str | None = None, **kwargs: Any
    ) -> Any:
        return data  # never called for exports: they return their own streaming response


EXPORT_RENDERERS = [
    type(
        f"{fmt.upper()}ExportRenderer",
        (_ExportRenderer,),
        {"format": fmt, "media_type": CONTENT_TYPES[fmt].split(";")[0]},
    )
    for fmt in FORMATS
]


def _wants_async(request: Request) -> bool:
    raw = request.query_params.get("async", "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise ValidationError({"async": [_("Must be true or false.")]})


class TimeEntryExportView(APIView):
    """Served at ``time-entries/export/`` (URL name ``time-entry-export``), ahead of the
    time-entry router so that ``export`` is not taken for an entry id."""

    renderer_classes = EXPORT_RENDERERS

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # Whatever the status (a 405 for another method; a 404 for an unknown ``?format=``,
        # where negotiation failed and DRF would fall back to the first export renderer),
        # an export renderer cannot render an error: JSON does.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and (
            renderer is None or isinstance(renderer, _ExportRenderer)
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]

    @extend_schema(
        operation_id="v1_time_entries_export_retrieve",
        parameters=[
            ExportFilterSerializer,
            OpenApiParameter(
                "format",
                str,
                enum=[*FORMATS],
                description="File format; without it the Accept header decides (default csv).",
            ),
            OpenApiParameter(
                "async",
                bool,
                description="true: prepare the file as a background job and answer 202 with "
                "the job (poll its status_url, then fetch its download_url).",
            ),
        ],
        responses={
            **{
                (200, CONTENT_TYPES[fmt].split(";")[0]): (
                    ExportJSONSerializer if fmt == "json" else OpenApiTypes.BINARY
                )
                for fmt in FORMATS
            },
            (202, "application/json"): JobStatusSerializer,
        },
    )
    def get(self, request: Request) -> HttpResponseBase:
        """Finished entries you may see, as CSV, XLSX, JSON or iCalendar; large files stream.

        XLSX and iCalendar can be switched off by the operator (feature flags): then 404.
        """
        if not format_enabled(request, request.accepted_renderer.format):
            raise NotFound(_("This export format is switched off."))
        params = ExportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        if _wants_async(request):
            job = export_job_start(
                owner=cast(User, request.user),
                query=params.entry_query(),
                fmt=request.accepted_renderer.format,
                channel="api",
                uid_domain=request.get_host().rsplit(":", 1)[0] or "timetracker",
            )
            status = job_status(job, api=True)
            location = request.build_absolute_uri(status["status_url"])
            return Response(status, status=202, headers={"Location": location})
        return export_response(
            user=cast(User, request.user),
            query=params.entry_query(),
            fmt=request.accepted_renderer.format,
            channel="api",
            uid_domain=request.get_host().rsplit(":", 1)[0] or "timetracker",
            sender=TimeEntryExportView,
        )
