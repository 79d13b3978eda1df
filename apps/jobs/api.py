"""API of background jobs: ``GET /api/v1/jobs/<id>/`` (status) and its download."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.jobs.models import JobKind, JobState
from apps.jobs.selectors import job_file, job_for_owner, job_status


class JobStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=JobKind.choices)
    state = serializers.ChoiceField(choices=JobState.choices)
    state_label = serializers.CharField()
    stage = serializers.CharField()
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField(allow_null=True)
    percent = serializers.IntegerField(allow_null=True)
    finished = serializers.BooleanField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField(allow_null=True)
    status_url = serializers.CharField()
    result = serializers.JSONField(
        allow_null=True,
        help_text="An import's report once it has run: rows, created, duplicates, the "
        "problems by line, what was (or would be) created; null otherwise.",
    )


def _job(request: Request, pk: int) -> Any:
    try:
        return job_for_owner(request.user, pk)
    except Http404 as exc:  # as DRF's own 404, so the answer is JSON
        raise NotFound(_("No such job.")) from exc


class JobView(APIView):
    """A job you started (an export with ``async=true``): state, progress and its file."""

    @extend_schema(responses={200: JobStatusSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(job_status(_job(request, pk), api=True))


class JobDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        job = _job(request, pk)
        path = job_file(job)
        if path is None:
            raise NotFound(_("This file is not ready, or it has expired."))
        return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name)
