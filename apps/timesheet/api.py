"""The week grid over the API: GET /api/v1/timesheet/ reads a week, POST saves cells.

The same grid, parser and service as the web page (``timesheet_grid``, ``parse_duration``,
``timesheet_save``): one entry per cell, all or nothing, the user's own entries only.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.selectors import user_timezone
from apps.core.api import StrictPrimaryKeyRelatedField
from apps.core.drf import JSONTypesMixin
from apps.core.limits import validate_date_in_range
from apps.projects.models import Project
from apps.tags.api import TagsField
from apps.tasks.models import Task
from apps.timesheet.durations import EXAMPLES, parse_duration
from apps.timesheet.selectors import MAX_ROWS, Grid, timesheet_grid
from apps.timesheet.services import CellChange, TimesheetInvalid, timesheet_save
from apps.timesheet.weeks import Week, local_today


class WeekQuerySerializer(serializers.Serializer):
    week = serializers.RegexField(
        r"^([0-9]{4}-?[Ww][0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2})$",
        required=False,
        max_length=20,
        help_text="An ISO week such as `2026-W49`, or a date inside it; default: this week "
        "in your time zone.",
    )

    def validate_week(self, value: str) -> Week:
        try:
            return Week.parse(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class GridCellSerializer(serializers.Serializer):
    date = serializers.DateField()
    seconds = serializers.IntegerField(help_text="The cell's time (a running timer: so far).")
    entries = serializers.ListField(child=serializers.IntegerField(), help_text="Entry ids.")
    editable = serializers.BooleanField(
        help_text="False for several entries, a running timer or an entry over 24 hours: "
        "a save refuses such a cell."
    )


class GridRowSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    task = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(help_text="The project's name, and the task's.")
    seconds = serializers.IntegerField()
    cells = GridCellSerializer(many=True)


class GridSerializer(serializers.Serializer):
    week = serializers.CharField()
    timezone = serializers.CharField()
    rows = GridRowSerializer(many=True)
    day_totals = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


def _grid_data(grid: Grid) -> dict[str, Any]:
    return {
        "week": grid.week.label,
        "timezone": grid.tz.key,
        "rows": [
            {
                "project": row.project.pk,
                "task": row.task.pk if row.task else None,
                "name": row.label,
                "seconds": row.seconds,
                "cells": [
                    {
                        "date": cell.day,
                        "seconds": cell.seconds,
                        "entries": [entry.pk for entry in cell.entries],
                        "editable": cell.editable,
                    }
                    for cell in row.cells
                ],
            }
            for row in grid.rows
        ],
        "day_totals": grid.day_totals,
        "total": grid.total,
    }


class CellWriteSerializer(JSONTypesMixin, serializers.Serializer):
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all())
    task = StrictPrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    date = serializers.DateField(validators=[validate_date_in_range])
    duration = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        max_length=20,
        help_text=f"The time the cell should hold ({EXAMPLES}, at most 24 hours); empty, "
        "null or 0 clears it (deletes its entry).",
    )
    tags = TagsField(required=False, help_text="Tags for the entry an empty cell gets.")

    def validate_duration(self, value: str | None) -> int | None:
        try:
            return parse_duration(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        task = attrs.get("task")
        if task is not None and task.project_id != attrs["project"].pk:
            raise serializers.ValidationError(
                {"task": [gettext("This task belongs to another project.")]}
            )
        return attrs


class SaveSerializer(JSONTypesMixin, serializers.Serializer):
    cells = serializers.ListField(child=CellWriteSerializer(), max_length=MAX_ROWS * 7)


class SaveResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()


def _indexed(errors: Any) -> Any:
    """Per-item errors as an object keyed by the item's index (as text), the shape the
    API's FieldErrors documents."""
    if isinstance(errors, dict):
        return {str(i): e for i, e in errors.items()}
    return errors


class TimesheetView(APIView):
    """The week grid: a row per project and task, a cell per day of your time zone."""

    @extend_schema(parameters=[WeekQuerySerializer], responses={200: GridSerializer})
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        query = WeekQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tz = user_timezone(user)
        week = query.validated_data.get("week") or Week.of(local_today(tz))
        return Response(_grid_data(timesheet_grid(user=user, week=week, tz=tz)))

    @extend_schema(request=SaveSerializer, responses={200: SaveResultSerializer})
    def post(self, request: Request) -> Response:
        """Save cells, all or nothing: a cell with no entry gets one (at the day's start), a
        cell with one finished entry has its end moved, a cleared cell's entry is deleted.
        Errors are per cell, keyed by the cell's index in ``cells``."""
        user = cast(User, request.user)
        body = SaveSerializer(data=request.data)
        if not body.is_valid():
            errors = dict(body.errors)
            if "cells" in errors:
                errors["cells"] = _indexed(errors["cells"])
            raise ValidationError(errors)
        changes = [
            CellChange(
                project=cell["project"],
                task=cell.get("task"),
                day=cell["date"],
                seconds=cell["duration"],
                tags=tuple(cell.get("tags") or ()),
            )
            for cell in body.validated_data["cells"]
        ]
        try:
            result = timesheet_save(user=user, changes=changes)
        except TimesheetInvalid as exc:
            raise ValidationError(
                {"cells": {str(i): {"duration": [m]} for i, m in exc.cell_errors.items()}}
            ) from None
        return Response(
            {"created": result.created, "updated": result.updated, "deleted": result.deleted}
        )
