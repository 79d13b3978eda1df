"""``POST /api/v1/imports/`` (admins): the import page's upload, as an API call.

The same service and job as the page (apps.imports.background): a small file is imported at
once and the answer is the finished job (201) with its report in ``result``; a file above
``IMPORT_BACKGROUND_ROWS`` lines is queued for the worker (202), to poll at ``status_url``.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import timezone_names
from apps.core.api import IsAdminRole
from apps.imports.background import import_job_start
from apps.imports.formats import FORMATS
from apps.imports.services import MAX_BYTES, decode
from apps.jobs.api import JobStatusSerializer
from apps.jobs.selectors import job_status


class ImportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=sorted(FORMATS))
    file = serializers.FileField(help_text="The CSV file the tool exported, at most 10 MB.")
    timezone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Time zone of the file's times; empty for your profile's time zone.",
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="Only report what would be imported (the default)."
    )
    create_missing = serializers.BooleanField(
        default=False, help_text="Create the clients, projects and tasks that do not exist."
    )

    def validate_file(self, upload: Any) -> bytes:
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(_("The file is larger than 10 MB; split it."))
        return bytes(upload.read())

    def validate_timezone(self, name: str) -> str:
        name = name.strip()
        if name and name not in timezone_names():
            raise serializers.ValidationError(
                _("Not a time zone; use a name such as Europe/Berlin.")
            )
        return name


class ImportView(APIView):
    """Import a Toggl Track, Clockify or Kimai CSV export (admins only; docs/import.md)."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={201: JobStatusSerializer, 202: JobStatusSerializer},
    )
    def post(self, request: Request) -> Response:
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: bytes = body.validated_data["file"]
        try:
            # Decoded once, here: an unreadable file is refused before it is kept anywhere.
            lines = decode(data).count("\n")
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"file": exc.messages}) from exc
        job = import_job_start(
            owner=cast(User, request.user),
            fmt=body.validated_data["format"],
            data=data,
            options={
                "dry_run": body.validated_data["dry_run"],
                "create_missing": body.validated_data["create_missing"],
                "timezone": body.validated_data.get("timezone", ""),
            },
            background=lines > settings.IMPORT_BACKGROUND_ROWS,
        )
        answer = status.HTTP_201_CREATED if job.is_finished else status.HTTP_202_ACCEPTED
        return Response(job_status(job, api=True), status=answer)
