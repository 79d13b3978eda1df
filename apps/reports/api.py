from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.limits import validate_date_in_range
from apps.reports.selectors import GROUPINGS, report_summary
from apps.reports.signals import report_viewed

MAX_REPORT_DAYS = 366 * 5


class SummaryQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        validators=[validate_date_in_range],
        help_text="First day, YYYY-MM-DD, in your time zone (1970-01-01 to 2199-12-31).",
    )
    end = serializers.DateField(
        validators=[validate_date_in_range], help_text="Last day, inclusive."
    )
    group_by = serializers.ChoiceField(choices=GROUPINGS, default="project")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        if (attrs["end"] - attrs["start"]).days > MAX_REPORT_DAYS:
            raise serializers.ValidationError({"end": ["A report covers at most five years."]})
        return attrs


class SummaryRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Id of the group, or the day as YYYY-MM-DD.")
    label = serializers.CharField()
    seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()
    billable_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class SummaryTotalsSerializer(serializers.Serializer):
    seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()
    billable_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


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
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        summary = report_summary(user=request.user, **params)
        report_viewed.send(
            sender=SummaryView,
            user_id=request.user.pk,
            group_by=params["group_by"],
            days=(params["end"] - params["start"]).days + 1,
            rows=len(summary["rows"]),
            channel="api",
        )
        return Response(summary)
